/**
 * Single-node benchmark: one validator on the solo engine, in its own process, loaded over
 * JSON-RPC with pre-signed transactions in batches of sendTransaction(raw, waitForReceipt=true).
 *
 *   npx tsx bench/single-node.ts [--workload kv|erc20] [--senders 200] [--txs 20000] [--batch 500]
 *     [--concurrency 4] [--duration <s>] [--rate <tx/s>] [--rounds 3] [--json]
 *
 *  --workload   kv: KVStore.set (default); erc20: transfers of the shipped AssemblyScript
 *               token from --senders accounts, deployed and funded before the clock starts
 *               (bench/lib/workload.ts)
 *  --txs        transactions signed per round (with --rate and --duration but no --txs: rate × duration)
 *  --batch      transactions per request; --concurrency: requests in flight at most
 *  --duration   stop sending after this many seconds (default: send all --txs)
 *  --rate       open loop: start requests at this many tx/s (default: closed loop)
 *  --json       print one JSON object with the summary figures as the last line
 *
 * Prints sealed tx/s (successful transactions only; failed ones are counted apart, and for
 * erc20 the receivers' balances are checked against the receipts), send→commit latency, the
 * node's CPU per transaction (utime + stime from /proc), its idle and peak RSS, and the same
 * machine's single-core signature-recovery rate (the ceiling every transaction pays once)
 * with the ratio between the two.
 */
import { createEcdsaSuite } from '../node/crypto/index.js';
import { hasArg, numberArg } from './lib/args.js';
import { describeLoad, loadFlags } from './lib/load.js';
import {
  printCpuBreakdown,
  printJson,
  printNodeCosts,
  printProblems,
  summaryFigures,
  summaryRows,
} from './lib/report.js';
import { type RunFigures, runSingleNode } from './lib/runs.js';
import { median, printTable } from './lib/table.js';
import { workloadArg } from './lib/workload.js';

const FLAGS = loadFlags({ txs: 20_000, batch: 500, concurrency: 4, durationSec: 0, rate: 0 });
const ROUNDS = numberArg('rounds', 3);
const JSON_OUT = hasArg('json');
const workload = workloadArg();

const suite = createEcdsaSuite();

/** Single-core recoveries per second through the node's own verifier (native when present). */
function verifyCeiling(): number {
  const kp = suite.generateKeyPair();
  const samples = Array.from({ length: 256 }, (_, i) => {
    const digest = suite.hash(new Uint8Array([i, i >> 8, 7]));
    return { digest, sig: suite.sign(digest, kp.secretKey) };
  });
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 400) {
      const s = samples[n % samples.length];
      suite.recoverSigner(s.digest, s.sig);
      n++;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

const ceiling = verifyCeiling();
const rounds: RunFigures[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await runSingleNode(workload, FLAGS));
const summary = summaryFigures(rounds);

printTable(
  `Single node (solo validator), ${describeLoad(FLAGS, workload.label)}, ${ROUNDS} rounds`,
  ['round', 'sealed tx/s', 'p50 ms', 'p99 ms', 'blocks', 'sent', 'failed', 'CPU µs/tx', 'idle RSS MB', 'peak RSS MB'],
  rounds.map((r, i) => [
    String(i + 1),
    r.txPerSec.toFixed(0),
    r.p50Ms.toFixed(0),
    r.p99Ms.toFixed(0),
    String(r.blocks),
    String(r.sent),
    String(r.failed),
    r.cpuUsPerTxPerNode.toFixed(0),
    r.idleRssMb.node0.toFixed(0),
    r.peakRssMb.node0.toFixed(0),
  ]),
);
printTable(
  'Summary (medians)',
  ['figure', 'value'],
  [
    ...summaryRows(summary, 'sealed'),
    [
      `signature recoveries/s, 1 core (${(suite as { usesNative?: boolean }).usesNative ? 'native' : 'portable'})`,
      ceiling.toFixed(0),
    ],
    ['sealed tx/s ÷ verify ceiling', (summary.committedTxPerSec / ceiling).toFixed(2)],
  ],
);
printNodeCosts('The node process', rounds);
const cpuPhases = printCpuBreakdown(rounds, 'sealed');
printProblems(rounds);
if (JSON_OUT)
  printJson({
    bench: 'single-node',
    workload: workload.name,
    ...summary,
    cpuPhasesUsPerTxPerNode: cpuPhases,
    verifyCeilingPerSec: Math.round(ceiling),
    ratioToVerifyCeiling: Number((summary.committedTxPerSec / ceiling).toFixed(3)),
  });
