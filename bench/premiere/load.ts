/**
 * Open-loop load generator of bench/premiere (a child process, so its CPU is counted apart): every
 * request leaves at `startAt + at` whatever happened to the ones before, over a keep-alive pool of
 * BENCH_SOCKETS connections; latency runs from the scheduled time to the end of the answer. One
 * answer in a hundred is opened with the buyer's device key (payload v2) to prove what was sealed.
 */
import { connect, type Socket } from 'node:net';
import { openContentKeys, type SealedKeySet } from '@keyseed/crypto';

export interface LoadTarget {
  base: string;
  startAt: number;
  requests: {
    at: number;
    token: string;
    licenseId: string;
    deviceId: string;
    privateKey: string;
    address: string;
  }[];
}

export interface LoadResult {
  delivered: number;
  refused: number;
  errors: number;
  statuses: Record<string, number>;
  /** Requests that got no answer, by error code (or message), with when they were sent and on which socket use. */
  errorKinds: Record<string, number>;
  /** Of those, how many were sent on a reused keep-alive connection, and that connection's idle time before it (ms, max). */
  errorsOnReusedSocket: number;
  errorSocketIdleMaxMs: number;
  verified: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  /** How late requests left their scheduled time (the generator's own lag), p99. */
  lateStartP99ms: number;
  /** The three seconds of the schedule whose requests waited longest (p99 of that second): a stall or a queue. */
  slowestSeconds: { second: number; p99ms: number; requests: number }[];
  /**
   * With BENCH_TIMELINE=<seconds>: the start of the run in 250 ms steps — requests due in the step,
   * answers received in it, and the p99 latency of the requests due in it (how a queue grows and drains).
   */
  timeline?: { ms: number; due: number; answered: number; p99ms: number }[];
}

const TIMELINE_STEP_MS = 250;

const VERIFY_EVERY = 100;

interface Exchange {
  /** The whole request, head and body. */
  bytes: Buffer;
  answered: (status: number, body: Buffer) => void;
  /** No answer: the connection failed or closed; `reusedIdleMs` is its idle time before this request (-1: a new connection). */
  failed: (err: NodeJS.ErrnoException, reusedIdleMs: number) => void;
}

/**
 * A keep-alive pool of at most `max` HTTP/1.1 connections that sends requests written ahead and
 * reads answers with a Content-Length (all the API and the ceiling send), one request at a time per
 * connection; requests wait in order when every connection is busy, as with node:http's Agent. The
 * generator stands for 20 000 buyers' own machines but here shares the API's two cores, and
 * node:http's client cost it 0.3–0.4 ms of CPU a request (BENCHMARKS.md, premiere, session 11).
 */
class KeepAlivePool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private open = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly max: number,
  ) {}

  send(exchange: Exchange): void {
    const ready = this.idle.pop();
    if (ready) ready.start(exchange);
    else if (this.open < this.max) {
      this.open++;
      new Connection(this).start(exchange);
    } else this.waiting.push(exchange);
  }

  /** A connection finished its exchange and can take the next. */
  free(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) connection.start(next);
    else this.idle.push(connection);
  }

  closed(connection: Connection): void {
    this.open--;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next) this.send(next);
  }

  destroy(): void {
    for (const connection of this.idle.splice(0)) connection.close();
  }
}

class Connection {
  private readonly socket: Socket;
  private pending: Buffer | null = null;
  private exchange: Exchange | null = null;
  private idleSince = -1;
  private reusedIdleMs = -1;
  private done = false;

  constructor(private readonly pool: KeepAlivePool) {
    this.socket = connect(pool.port, pool.host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' })));
  }

  start(exchange: Exchange): void {
    this.exchange = exchange;
    this.reusedIdleMs = this.idleSince < 0 ? -1 : Date.now() - this.idleSince;
    this.socket.write(exchange.bytes);
  }

  /** Closes it (idle, or after an answer that said `Connection: close`). */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    this.pool.closed(this);
  }

  private read(chunk: Buffer): void {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const headEnd = data.indexOf('\r\n\r\n');
    if (headEnd < 0) {
      this.pending = data;
      return;
    }
    const head = data.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(Object.assign(new Error('an answer without Content-Length'), { code: 'NO_LENGTH' }));
    const end = headEnd + 4 + Number(length[1]);
    if (data.length < end) {
      this.pending = data;
      return;
    }
    this.pending = null;
    const exchange = this.exchange!;
    this.exchange = null;
    this.idleSince = Date.now();
    exchange.answered(Number(head.slice(9, 12)), data.subarray(headEnd + 4, end));
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    else this.pool.free(this);
  }

  /** The connection failed or the server closed it: its exchange, if any, has no answer. */
  private fail(err: NodeJS.ErrnoException): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    const exchange = this.exchange;
    this.exchange = null;
    this.pool.closed(this);
    exchange?.failed(err, this.reusedIdleMs);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(target: LoadTarget): Promise<LoadResult> {
  const url = new URL(target.base);
  const pool = new KeepAlivePool(url.hostname, Number(url.port), Number(process.env.BENCH_SOCKETS ?? 256));
  // Every request written ahead: the run's CPU goes to sending and reading.
  const written = target.requests.map((r) => {
    const body = JSON.stringify({ deviceId: r.deviceId });
    return Buffer.from(
      `POST /v1/licenses/${r.licenseId}/keys HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${r.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Forwarded-For: ${r.address}\r\n\r\n${body}`,
    );
  });
  const latencies: number[] = [];
  /** Latencies by the second of the schedule the request was due in. */
  const bySecond = new Map<number, number[]>();
  const late: number[] = [];
  const timelineMs = Number(process.env.BENCH_TIMELINE ?? 0) * 1000;
  /** By 250 ms step of the schedule: latencies of the requests due in it, and answers received in it. */
  const dueByStep = new Map<number, number[]>();
  const answeredByStep = new Map<number, number>();
  const statuses: Record<string, number> = {};
  let verified = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  let errorsOnReusedSocket = 0;
  let errorSocketIdleMaxMs = 0;
  const one = (r: LoadTarget['requests'][number], n: number, due: number) =>
    new Promise<void>((done) => {
      late.push(Date.now() - due);
      pool.send({
        bytes: written[n],
        answered: (status, body) => {
          const ms = Date.now() - due;
          latencies.push(ms);
          if (due - target.startAt < timelineMs) {
            const step = Math.floor((due - target.startAt) / TIMELINE_STEP_MS);
            const inStep = dueByStep.get(step);
            if (inStep) inStep.push(ms);
            else dueByStep.set(step, [ms]);
          }
          const answeredStep = Math.floor((Date.now() - target.startAt) / TIMELINE_STEP_MS);
          answeredByStep.set(answeredStep, (answeredByStep.get(answeredStep) ?? 0) + 1);
          const second = Math.floor((due - target.startAt) / 1000);
          const inSecond = bySecond.get(second);
          if (inSecond) inSecond.push(ms);
          else bySecond.set(second, [ms]);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200 && n % VERIFY_EVERY === 0) {
            try {
              const sealed = JSON.parse(body.toString()) as SealedKeySet;
              if (openContentKeys(r.privateKey, r.deviceId, sealed, r.licenseId).length === 1) verified++;
            } catch {
              // a bare-server ceiling answer is not a seal
            }
          }
          done();
        },
        failed: (err, reusedIdleMs) => {
          errors++;
          const kind = err.code ?? err.message;
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
          if (reusedIdleMs >= 0) {
            errorsOnReusedSocket++;
            errorSocketIdleMaxMs = Math.max(errorSocketIdleMaxMs, reusedIdleMs);
          }
          latencies.push(Date.now() - due);
          done();
        },
      });
    });

  const pending: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((finished) => {
    const tick = () => {
      const now = Date.now();
      while (next < target.requests.length && target.startAt + target.requests[next].at <= now) {
        pending.push(one(target.requests[next], next, target.startAt + target.requests[next].at));
        next++;
      }
      if (next < target.requests.length) setTimeout(tick, 1);
      else finished();
    };
    setTimeout(tick, Math.max(0, target.startAt - Date.now()));
  });
  await Promise.all(pending);
  pool.destroy();
  latencies.sort((a, b) => a - b);
  late.sort((a, b) => a - b);
  const delivered = statuses['200'] ?? 0;
  return {
    delivered,
    refused: Object.entries(statuses)
      .filter(([s]) => s !== '200' && Number(s) < 500)
      .reduce((a, [, n]) => a + n, 0),
    errors:
      errors +
      Object.entries(statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((a, [, n]) => a + n, 0),
    statuses,
    errorKinds,
    errorsOnReusedSocket,
    errorSocketIdleMaxMs,
    verified,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? 0,
    lateStartP99ms: percentile(late, 99),
    slowestSeconds: [...bySecond]
      .map(([second, ms]) => ({
        second,
        p99ms: Math.round(
          percentile(
            ms.sort((a, b) => a - b),
            99,
          ),
        ),
        requests: ms.length,
      }))
      .sort((a, b) => b.p99ms - a.p99ms)
      .slice(0, 3),
    ...(timelineMs > 0
      ? {
          timeline: Array.from({ length: Math.ceil(timelineMs / TIMELINE_STEP_MS) }, (_, step) => {
            const due = (dueByStep.get(step) ?? []).sort((a, b) => a - b);
            return {
              ms: step * TIMELINE_STEP_MS,
              due: due.length,
              answered: answeredByStep.get(step) ?? 0,
              p99ms: Math.round(percentile(due, 99)),
            };
          }),
        }
      : {}),
  };
}

process.once('message', (target: LoadTarget) => {
  void run(target).then((result) => {
    const cpu = process.cpuUsage();
    process.send?.({ ...result, loadCpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
  });
});
