/**
 * What node processes cost, read from /proc as `top` would: CPU time (user + system, every
 * thread of the process, worker threads included) and resident memory. Linux only; on
 * another system the figures are NaN rather than a failed bench.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`; 100 on Linux everywhere). */
const CLK_TCK = 100;

/** CPU seconds (utime + stime) the process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in MB (VmRSS). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident memory once start-up has settled: the first reading that moved by less than
 * 1 MB over a second (or the last one after `maxWaitMs`), so a node still loading its
 * modules or warming caches is not taken for an idle one.
 */
export async function settledRssMb(pid: number, maxWaitMs = 15_000): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  let last = rssMb(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rssMb(pid);
    if (Math.abs(now - last) < 1 || performance.now() > deadline) return now;
    last = now;
  }
}

export interface ProcessUsage {
  /** CPU seconds over the measured span. */
  readonly cpuSec: number;
  /** Highest resident memory sampled over the span, MB. */
  readonly peakRssMb: number;
}

/**
 * Measures named processes over a span: CPU at start and stop, and resident memory sampled
 * every `intervalMs` in between (a sampled peak, so a spike shorter than the interval can
 * be missed; the kernel's VmHWM would not be, but it covers start-up too).
 */
export function measureProcesses(pids: Readonly<Record<string, number>>, intervalMs = 200) {
  const names = Object.keys(pids);
  const cpu0 = Object.fromEntries(names.map((n) => [n, cpuSeconds(pids[n])]));
  const peak: Record<string, number> = Object.fromEntries(names.map((n) => [n, rssMb(pids[n])]));
  const timer = setInterval(() => {
    for (const n of names) peak[n] = Math.max(peak[n], rssMb(pids[n]));
  }, intervalMs);
  return {
    stop(): Record<string, ProcessUsage> {
      clearInterval(timer);
      return Object.fromEntries(
        names.map((n) => [n, { cpuSec: cpuSeconds(pids[n]) - cpu0[n], peakRssMb: Math.max(peak[n], rssMb(pids[n])) }]),
      );
    },
  };
}
