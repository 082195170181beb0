/**
 * Open-loop load generator of bench/premiere (a child process, so its CPU is counted apart): every
 * request leaves at `startAt + at` whatever happened to the ones before, over a keep-alive pool of
 * BENCH_SOCKETS connections; latency runs from the scheduled time to the end of the answer. One
 * answer in a hundred is opened with the buyer's device key (payload v2) to prove what was sealed.
 */
import { Agent, request } from 'node:http';
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

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(target: LoadTarget): Promise<LoadResult> {
  const url = new URL(target.base);
  const agent = new Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_SOCKETS ?? 256) });
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
  // When each socket last finished an answer: its idle time when it is reused.
  const idleSince = new WeakMap<object, number>();
  agent.on('free', (socket: object) => idleSince.set(socket, Date.now()));
  const one = (r: LoadTarget['requests'][number], n: number, due: number) =>
    new Promise<void>((done) => {
      late.push(Date.now() - due);
      const body = JSON.stringify({ deviceId: r.deviceId });
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/v1/licenses/${r.licenseId}/keys`,
          headers: {
            authorization: `Bearer ${r.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-forwarded-for': r.address,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
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
            const status = res.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status === 200 && n % VERIFY_EVERY === 0) {
              try {
                const sealed = JSON.parse(Buffer.concat(chunks).toString()) as SealedKeySet;
                if (openContentKeys(r.privateKey, r.deviceId, sealed, r.licenseId).length === 1) verified++;
              } catch {
                // a bare-server ceiling answer is not a seal
              }
            }
            done();
          });
        },
      );
      let reusedIdleMs = -1;
      req.on('socket', (socket) => {
        const since = idleSince.get(socket);
        reusedIdleMs = since === undefined ? -1 : Date.now() - since;
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        errors++;
        const kind = err.code ?? err.message;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        if (reusedIdleMs >= 0) {
          errorsOnReusedSocket++;
          errorSocketIdleMaxMs = Math.max(errorSocketIdleMaxMs, reusedIdleMs);
        }
        latencies.push(Date.now() - due);
        done();
      });
      req.end(body);
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
  agent.destroy();
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
