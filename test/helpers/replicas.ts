import { ChildProcess, spawn } from 'node:child_process';
import { createServer, request, Server } from 'node:http';
import { endToEndHeaders } from './hop-headers';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');
const dist = (path: string) => join(ROOT, 'dist', path);

/** A platform process (API, worker, Stripe emulator) from dist/, its JSON log lines collected. */
export class PlatformProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  /** Exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    nodeArgs: readonly string[] = [],
  ) {
    this.child = spawn(process.execPath, [...nodeArgs, dist(script)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.match(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      });
    }
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r(code ?? signal)));
  }

  /** Resolves with the first log line (past or future) containing `text`. */
  waitFor(text: string, timeoutMs = 60_000): Promise<string> {
    const seen = this.lines.find((l) => l.includes(text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name}: no "${text}" within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match: (l) => l.includes(text),
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }
}

export async function waitHealthy(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * A round-robin HTTP load balancer on loopback: each request goes to the next backend; a backend
 * that refuses the connection is skipped (the request goes to the next one), as a load balancer's
 * health check would route around a dead replica. Sets X-Forwarded-For like a real one. `served`
 * records which backend answered each request (method and path).
 */
export class RoundRobinProxy {
  private next = 0;
  readonly served: { backend: number; method: string; path: string }[] = [];
  private server: Server | null = null;
  url = '';

  constructor(private readonly backends: string[]) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.forward(req, res, 0));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this.url;
  }

  private forward(
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
    tried: number,
  ): void {
    const index = this.next++ % this.backends.length;
    const target = new URL(req.url ?? '/', this.backends[index]);
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request(
      target,
      { method: req.method, headers: { ...req.headers, 'x-forwarded-for': forwardedFor }, agent: false },
      (up) => {
        this.served.push({ backend: index, method: req.method ?? '', path: req.url ?? '' });
        res.writeHead(up.statusCode ?? 502, endToEndHeaders(up.headers));
        up.pipe(res);
        up.on('error', () => res.destroy());
        up.on('aborted', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // Refused: nothing was sent. A bodiless request (GET, HEAD) can be replayed after any failure
      // before the answer started, as load balancers do for idempotent requests.
      const replayable = err.code === 'ECONNREFUSED' || req.method === 'GET' || req.method === 'HEAD';
      if (replayable && tried + 1 < this.backends.length && !res.headersSent) {
        this.forward(req, res, tried + 1);
      } else if (!res.headersSent) {
        res.writeHead(502).end();
      } else res.destroy();
    });
    // The body flows only once connected, so a refused backend leaves it for the next one.
    if (req.method === 'GET' || req.method === 'HEAD') upstream.end();
    else upstream.on('socket', (socket) => socket.once('connect', () => req.pipe(upstream)));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
