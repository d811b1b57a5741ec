/**
 * The nodes' own account of their CPU time by phase (lingding_cpu_seconds_total, see
 * node/metrics/cpu-clock.ts), read from each node's /metrics before and after a timed
 * phase and printed as µs per committed transaction per node.
 */
import { printTable } from './table.js';

export type CpuPhases = Record<string, number>;

const LINE = /^lingding_cpu_seconds_total\{phase="([a-z_]+)"\} ([0-9.eE+-]+)$/;

/** Seconds per phase from one node's /metrics. */
export async function readCpuPhases(rpcUrl: string): Promise<CpuPhases> {
  const res = await fetch(`${rpcUrl.replace(/\/$/, '')}/metrics`);
  if (!res.ok) throw new Error(`GET ${rpcUrl}/metrics answered ${res.status}`);
  const out: CpuPhases = {};
  for (const line of (await res.text()).split('\n')) {
    const m = LINE.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export async function readAllCpuPhases(rpcUrls: readonly string[]): Promise<CpuPhases[]> {
  return Promise.all(rpcUrls.map(readCpuPhases));
}

/** µs per committed transaction per node, by phase, averaged over the nodes. */
export function cpuPhasesPerTx(before: CpuPhases[], after: CpuPhases[], committed: number): CpuPhases {
  const out: CpuPhases = {};
  after.forEach((a, i) => {
    for (const [phase, seconds] of Object.entries(a)) {
      const spent = seconds - (before[i]?.[phase] ?? 0);
      out[phase] = (out[phase] ?? 0) + (spent * 1e6) / committed / after.length;
    }
  });
  return out;
}

/** The phases the node reports, in the order a transaction meets them. */
const ORDER = [
  'rpc',
  'admission',
  'signature',
  'gossip',
  'consensus',
  'execution',
  'storage',
  'sync',
  'main_other',
  'background',
];

export function printCpuPhases(title: string, perTx: CpuPhases): void {
  const total = Object.values(perTx).reduce((s, v) => s + v, 0);
  const phases = [...ORDER.filter((p) => p in perTx), ...Object.keys(perTx).filter((p) => !ORDER.includes(p))];
  printTable(
    title,
    ['phase', 'µs/tx/node', 'share'],
    [
      ...phases.map((p) => [p, perTx[p].toFixed(1), `${((100 * perTx[p]) / (total || 1)).toFixed(0)}%`]),
      ['total', total.toFixed(1), '100%'],
    ],
  );
}
