import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { endToEndHeaders } from './hop-headers';

export interface CountingProxy {
  url: string;
  /** Body bytes of 200/206 answers to /webseed/ requests that reached the client. */
  webseedBodyBytes: number;
  /** The same, per client address. */
  webseedBytesByClient: Map<string, number>;
  /** Webseed answers by status. */
  webseedStatuses: Map<number, number>;
  /** Retry-After values of the webseed's 503 answers. */
  retryAfters: string[];
  /** The webseed's 503 answers per client address. */
  refusedByClient: Map<string, number>;
  close(): Promise<void>;
}

export interface CountingProxyOptions {
  /** Sends each webseed body at most this fast (bytes per second): an origin slower than the peers. */
  webseedBytesPerSecond?: number;
}

/**
 * An HTTP proxy in front of the API that counts, independently of the platform's own counters,
 * the webseed body bytes clients received. Every request is forwarded with X-Forwarded-For naming
 * the client's own address (the API trusts loopback proxies), so the tracker and the webseed see the
 * same address per client: test clients bound to their own 127.0.0.N look like separate buyers.
 */
export async function startCountingProxy(target: string, opts: CountingProxyOptions = {}): Promise<CountingProxy> {
  const upstream = new URL(target);
  const state: CountingProxy = {
    url: '',
    webseedBodyBytes: 0,
    webseedBytesByClient: new Map(),
    webseedStatuses: new Map(),
    retryAfters: [],
    refusedByClient: new Map(),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const server: Server = createServer((req, res) => {
    const webseed = (req.url ?? '').startsWith('/webseed/');
    const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const headers = { ...req.headers, host: upstream.host, 'x-forwarded-for': client };
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        const status = answer.statusCode ?? 0;
        if (webseed) state.webseedStatuses.set(status, (state.webseedStatuses.get(status) ?? 0) + 1);
        if (webseed && status === 503) {
          state.retryAfters.push(String(answer.headers['retry-after']));
          state.refusedByClient.set(client, (state.refusedByClient.get(client) ?? 0) + 1);
        }
        res.writeHead(status, endToEndHeaders(answer.headers));
        const counted = webseed && (status === 200 || status === 206);
        const count = (n: number) => {
          state.webseedBodyBytes += n;
          state.webseedBytesByClient.set(client, (state.webseedBytesByClient.get(client) ?? 0) + n);
        };
        const rate = opts.webseedBytesPerSecond;
        if (counted) answer.on('data', (chunk: Buffer) => count(chunk.length));
        if (!counted || !rate) {
          answer.pipe(res);
          return;
        }
        // The origin's bytes are read (and counted) as they come; the client gets them at `rate`.
        // A client that hangs up mid-body: the rest is still read, as the origin sent it, so the
        // proxy and the origin's counters can be compared byte for byte.
        const queue: Buffer[] = [];
        let ended = false;
        let wake: (() => void) | null = null;
        answer.on('data', (chunk: Buffer) => {
          queue.push(chunk);
          wake?.();
        });
        answer.on('end', () => {
          ended = true;
          wake?.();
        });
        answer.on('error', () => res.destroy());
        res.on('error', () => undefined);
        void (async () => {
          for (;;) {
            const chunk = queue.shift();
            if (!chunk) {
              if (ended) break;
              await new Promise<void>((r) => (wake = r));
              wake = null;
              continue;
            }
            if (res.destroyed) continue;
            if (!res.write(chunk)) await drainedOrClosed(res);
            await new Promise((r) => setTimeout(r, (chunk.length / rate) * 1000));
          }
          res.end();
        })();
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

/** Resolves once the response can take more, or is gone; never rejects, leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
