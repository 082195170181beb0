import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the CPU goes during a phase: CPU seconds (user + system) of every thread under the bench
 * process (the platform's node processes and Chromium's), grouped by process and thread name
 * (Chromium names its threads: `CrRendererMain`, `DedicatedWorker`, `ThreadPoolForeg`…).
 */
export type CpuSample = Map<string, number>;

const TICKS_PER_SECOND = 100;

/** Every process's parent pid (/proc). */
export function parentPids(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  return parent;
}

/** Whether `pid` descends from `root` in `parent` (from parentPids()). */
export function isDescendant(parent: Map<number, number>, pid: number, root: number): boolean {
  for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
  return false;
}

function processName(pid: number): string {
  // Chromium rewrites its children's command lines into one string (spaces, not NULs).
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  const type = argv.find((a) => a.startsWith('--type='));
  if (type) {
    const sub = argv.find((a) => a.startsWith('--utility-sub-type='));
    return `chromium ${type.slice(7)}${sub ? ` ${sub.split('.').pop()}` : ''}`;
  }
  if (argv[0].includes('chrom')) return 'chromium browser';
  const script = argv.find((a) => a.endsWith('.js'));
  return script ? `node ${script.split('/').slice(-3).join('/')}` : argv[0].split('/').pop()!;
}

/**
 * Follows every thread under `root` (the bench's own process excluded); `sample()` now and then (a
 * thread that exits keeps the time it had at its last sample), `totals()` per "process / thread".
 * Threads that lived and exited between two samples (span workers, each ended after 16 MiB, live
 * ~0.2 s) are counted as "process / (exited threads)": the process's own total, which the kernel
 * keeps for its exited threads too, less what its sampled threads account for.
 */
export class CpuTracker {
  private readonly seen = new Map<string, { key: string; seconds: number }>();
  private readonly processes = new Map<number, { name: string; seconds: number }>();

  constructor(private readonly root: number) {}

  sample(): void {
    const parent = parentPids();
    for (const pid of parent.keys()) {
      if (!isDescendant(parent, pid, this.root)) continue;
      try {
        // A process that is exiting has no command line any more: keep the name it had.
        const name = processName(pid) || this.processes.get(pid)?.name || `pid ${pid}`;
        const whole = cpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
          this.seen.set(`${pid}/${tid}`, { key: `${name} / ${comm}`, seconds: cpuSeconds(stat) });
        }
        this.processes.set(pid, { name, seconds: whole });
      } catch {
        /* exited meanwhile */
      }
    }
  }

  totals(): CpuSample {
    this.sample();
    const out: CpuSample = new Map();
    const threadsOf = new Map<number, number>();
    for (const [id, { key, seconds }] of this.seen) {
      out.set(key, (out.get(key) ?? 0) + seconds);
      const pid = Number(id.split('/')[0]);
      threadsOf.set(pid, (threadsOf.get(pid) ?? 0) + seconds);
    }
    for (const [pid, { name, seconds }] of this.processes) {
      const unseen = Math.max(0, seconds - (threadsOf.get(pid) ?? 0));
      const key = `${name} / (exited threads)`;
      out.set(key, (out.get(key) ?? 0) + unseen);
    }
    return out;
  }
}

/** User + system CPU seconds from a /proc stat line (a process's includes its exited threads). */
function cpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** What `after` spent beyond `before`, largest first, groups under `minSeconds` left out. */
export function cpuSpent(before: CpuSample, after: CpuSample, minSeconds = 0.2): [string, number][] {
  return [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as [string, number])
    .filter(([, v]) => v >= minSeconds)
    .sort((a, b) => b[1] - a[1]);
}
