/**
 * Who used the CPU during a bench run (Linux /proc): the machine as a whole, this process's
 * waited-for children (autocannon) and every `postgres` process (other databases' work included,
 * so an upper bound). Clock ticks are 10 ms: good enough over a run of seconds.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

export interface CpuSnapshot {
  machineBusy: number;
  machineTotal: number;
  childrenMs: number;
  postgresMs: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const t = ticks.map(Number);
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = t[3] + t[4];
  return { machineBusy: total - idle, machineTotal: total, childrenMs: ownChildrenMs(), postgresMs: postgresMs() };
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot, requests: number) {
  return {
    machineBusyPct: Math.round(((b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal)) * 100),
    autocannonCpuMsPerRequest: Number(((b.childrenMs - a.childrenMs) / requests).toFixed(2)),
    postgresCpuMsPerRequest: Number(((b.postgresMs - a.postgresMs) / requests).toFixed(2)),
  };
}

function statFields(path: string): string[] | null {
  try {
    const s = readFileSync(path, 'utf8');
    return [s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ...s.slice(s.lastIndexOf(')') + 2).split(' ')];
  } catch {
    return null;
  }
}

function ownChildrenMs(): number {
  const f = statFields('/proc/self/stat');
  return f ? (Number(f[14]) + Number(f[15])) * TICK_MS : 0; // cutime, cstime
}

function postgresMs(): number {
  let ms = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const f = statFields(`/proc/${pid}/stat`);
    if (f?.[0] === 'postgres') ms += (Number(f[12]) + Number(f[13])) * TICK_MS; // utime, stime
  }
  return ms;
}
