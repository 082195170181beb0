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
 */
export class CpuTracker {
  private readonly seen = new Map<string, { key: string; seconds: number }>();

  constructor(private readonly root: number) {}

  sample(): void {
    const parent = parentPids();
    for (const pid of parent.keys()) {
      if (!isDescendant(parent, pid, this.root)) continue;
      try {
        const name = processName(pid);
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
          this.seen.set(`${pid}/${tid}`, { key: `${name} / ${comm}`, seconds });
        }
      } catch {
        /* exited meanwhile */
      }
    }
  }

  totals(): CpuSample {
    this.sample();
    const out: CpuSample = new Map();
    for (const { key, seconds } of this.seen.values()) out.set(key, (out.get(key) ?? 0) + seconds);
    return out;
  }
}

/** What `after` spent beyond `before`, largest first, groups under `minSeconds` left out. */
export function cpuSpent(before: CpuSample, after: CpuSample, minSeconds = 0.2): [string, number][] {
  return [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as [string, number])
    .filter(([, v]) => v >= minSeconds)
    .sort((a, b) => b[1] - a[1]);
}
