/**
 * How the throughput benches print a run: the per-node cost table, the figures every
 * bench's summary and `--json` line share, and the JSON line itself.
 */
import { type CpuPhases, printCpuPhases } from './node-cpu-phases.js';
import type { RunFigures } from './runs.js';
import { median, printTable } from './table.js';

/** CPU over the timed phase and memory, node by node, summed over rounds (CPU) or at their worst (memory). */
export function printNodeCosts(title: string, rounds: readonly RunFigures[]): void {
  const names = Object.keys(rounds[0].cpuSec);
  const cpu = (n: string) => rounds.reduce((s, r) => s + r.cpuSec[n], 0);
  const total = names.reduce((s, n) => s + cpu(n), 0);
  printTable(
    title,
    ['node', 'CPU s (timed phases)', 'CPU share %', 'idle RSS MB', 'peak RSS MB'],
    names.map((n) => [
      n,
      cpu(n).toFixed(1),
      ((cpu(n) / total) * 100).toFixed(1),
      Math.max(...rounds.map((r) => r.idleRssMb[n])).toFixed(0),
      Math.max(...rounds.map((r) => r.peakRssMb[n])).toFixed(0),
    ]),
  );
}

/**
 * The nodes' CPU breakdown by phase (lingding_cpu_seconds_total), the median of each phase
 * over rounds, as a table; returned rounded for the --json line.
 */
export function printCpuBreakdown(rounds: readonly RunFigures[], committed: 'committed' | 'sealed'): CpuPhases {
  const phases = Object.keys(rounds[0].cpuPhasesUs);
  const med: CpuPhases = Object.fromEntries(phases.map((p) => [p, median(rounds.map((r) => r.cpuPhasesUs[p] ?? 0))]));
  printCpuPhases(
    `Where a transaction's CPU goes: the nodes' own lingding_cpu_seconds_total, µs per ${committed} tx per node (medians)`,
    med,
  );
  // One decimal is all the noise allows.
  return Object.fromEntries(Object.entries(med).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

/** The summary figures shared by every throughput bench: medians over rounds, memory at its worst. */
export function summaryFigures(rounds: readonly RunFigures[]) {
  const med = (f: (r: RunFigures) => number) => median(rounds.map(f));
  const worst = (f: (r: RunFigures) => Readonly<Record<string, number>>) =>
    Math.max(...rounds.flatMap((r) => Object.values(f(r))));
  return {
    committedTxPerSec: Math.round(med((r) => r.txPerSec)),
    p50Ms: Math.round(med((r) => r.p50Ms)),
    p99Ms: Math.round(med((r) => r.p99Ms)),
    nodeCpuUsPerTxPerNode: Math.round(med((r) => r.cpuUsPerTxPerNode)),
    idleRssMb: Math.round(worst((r) => r.idleRssMb)),
    peakRssMb: Math.round(worst((r) => r.peakRssMb)),
    failedTxs: rounds.reduce((s, r) => s + r.failed, 0),
    stateMismatches: rounds.filter((r) => r.stateMismatch !== null).length,
    /** Open loop (--rate): how far behind its schedule a request started at worst; 0 in a closed loop. */
    sendLagMs: Math.round(Math.max(...rounds.map((r) => r.maxLagMs))),
  };
}

/** The rows of the summary table for those figures. */
export function summaryRows(s: ReturnType<typeof summaryFigures>, committed: string): string[][] {
  return [
    [`${committed} tx/s (successful only)`, String(s.committedTxPerSec)],
    ['p50 send→commit ms', String(s.p50Ms)],
    ['p99 send→commit ms', String(s.p99Ms)],
    ['node CPU µs per tx per node', String(s.nodeCpuUsPerTxPerNode)],
    ['idle RSS MB (largest node)', String(s.idleRssMb)],
    ['peak RSS MB under load (largest node)', String(s.peakRssMb)],
    ['failed txs (reverted or refused), all rounds', String(s.failedTxs)],
    ['rounds whose state disagrees with the receipts', String(s.stateMismatches)],
    ['open loop: a request started at worst ms behind schedule', String(s.sendLagMs)],
  ];
}

/** Failures and state mismatches, said plainly under the tables: a failed tx is not throughput. */
export function printProblems(
  runs: readonly RunFigures[],
  names: readonly string[] = runs.map((_, i) => `round ${i + 1}`),
): void {
  for (const [i, r] of runs.entries()) {
    if (r.failed > 0) console.log(`${names[i]}: ${r.failed} failed, e.g. ${r.failures.join('; ')}`);
    if (r.stateMismatch) console.log(`${names[i]}: state check: ${r.stateMismatch}`);
    if (r.ranOut)
      console.log(`${names[i]}: sent all ${r.sent} signed transactions before --duration was up (raise --txs)`);
  }
}

/** With --json, the last line of stdout: one JSON object. */
export function printJson(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}
