/**
 * PBFT cluster benchmark: 4 validators + 1 regulator's observer (the `npm start` layout),
 * each its own OS process over loopback, plus one more observer in the genesis that starts late.
 *
 *   npx tsx bench/cluster.ts [--workload kv|erc20] [--senders 200] [--duration 60] [--txs 90000]
 *     [--batch 200] [--concurrency 4] [--rate <tx/s>] [--rounds 3] [--view-timeout <ms>] [--json]
 *
 *  --workload      kv: KVStore.set (default); erc20: transfers of the shipped AssemblyScript
 *                  token from --senders accounts, deployed and funded before the clock starts
 *                  (bench/lib/workload.ts)
 *  --duration      seconds of sustained load (default 60; 0: send all --txs however long it takes)
 *  --txs           transactions signed per round, the most a round sends (default 90000 for kv,
 *                  60000 for erc20: a minute at the issue's goals; with --rate and no --txs,
 *                  rate × duration)
 *  --batch         transactions per request; --concurrency: requests in flight at most
 *  --rate          open loop: start requests at this many tx/s, still at most --concurrency in
 *                  flight (default: closed loop, a request as soon as one returns)
 *  --view-timeout  the nodes' first view timeout (default: the node default)
 *  --json          print one JSON object with the summary figures as the last line
 *
 * Per round, on a fresh chain:
 *  1. throughput and latency: pre-signed transactions sent with sendTransaction(raw,
 *     waitForReceipt=true) in JSON-RPC batches, round-robin over the validators; committed
 *     tx/s (successful only: reverted or refused transactions are counted apart, and for
 *     erc20 the receivers' balances are checked against the receipts), send→commit latency
 *     of every transaction (its batch's round trip), the node processes' CPU per committed
 *     transaction per node (utime + stime from /proc) and each one's share, and their RSS
 *     idle (after start-up settles) and at its peak under load (sampled every 200 ms);
 *  2. catch-up: the late observer starts once those blocks exist; blocks/s and tx/s from its
 *     RPC answering until it reaches the head as it was then;
 *  3. view change: on the idle chain, right after a block commits, the leader of the next
 *     height is killed (SIGKILL) before it proposes; time from the kill to the next
 *     committed block, which needs a view change.
 */
import { NODE_DEFAULTS } from '../node/config/defaults.js';
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
import { type ClusterFigures, runCluster } from './lib/runs.js';
import { median, printTable } from './lib/table.js';
import { workloadArg } from './lib/workload.js';

const workload = workloadArg();
const FLAGS = loadFlags({
  txs: workload.name === 'kv' ? 90_000 : 60_000,
  batch: 200,
  concurrency: 4,
  durationSec: 60,
  rate: 0,
});
const ROUNDS = numberArg('rounds', 3);
const JSON_OUT = hasArg('json');
/** The node default unless --view-timeout is given; the nodes' configs name it only then. */
const VIEW_TIMEOUT_GIVEN = hasArg('view-timeout');
const VIEW_TIMEOUT_MS = numberArg('view-timeout', NODE_DEFAULTS.consensus.viewTimeoutMs);

const rounds: ClusterFigures[] = [];
for (let r = 0; r < ROUNDS; r++)
  rounds.push(
    await runCluster(workload, FLAGS, {
      faults: true,
      ...(VIEW_TIMEOUT_GIVEN ? { viewTimeoutMs: VIEW_TIMEOUT_MS } : {}),
    }),
  );
const med = (f: (r: ClusterFigures) => number | undefined) => median(rounds.map((r) => f(r) ?? Number.NaN));
const summary = summaryFigures(rounds);

printTable(
  `PBFT cluster, 4 validators + 1 observer (one process each, loopback), ${describeLoad(FLAGS, workload.label)} over the validators, view timeout ${VIEW_TIMEOUT_MS} ms`,
  [
    'round',
    'committed tx/s',
    'p50 ms',
    'p99 ms',
    'seconds',
    'blocks',
    'sent',
    'failed',
    'CPU µs/tx/node',
    'catch-up blocks',
    'catch-up blocks/s',
    'catch-up tx/s',
    'view change ms',
    'view',
  ],
  rounds.map((r, i) => [
    String(i + 1),
    r.txPerSec.toFixed(0),
    r.p50Ms.toFixed(0),
    r.p99Ms.toFixed(0),
    r.elapsedSec.toFixed(1),
    String(r.blocks),
    String(r.sent),
    String(r.failed),
    r.cpuUsPerTxPerNode.toFixed(0),
    String(r.catchupBlocks),
    r.catchupBlocksPerSec?.toFixed(0) ?? '-',
    r.catchupTxPerSec?.toFixed(0) ?? '-',
    r.recoveryMs?.toFixed(0) ?? '-',
    String(r.recoveredView),
  ]),
);
printTable(
  `Summary (medians of ${ROUNDS} rounds)`,
  ['figure', 'value'],
  [
    ...summaryRows(summary, 'committed'),
    ['new observer catch-up, blocks/s', med((r) => r.catchupBlocksPerSec).toFixed(0)],
    ['new observer catch-up, tx/s', med((r) => r.catchupTxPerSec).toFixed(0)],
    ['  … ÷ committed tx/s', (med((r) => r.catchupTxPerSec) / summary.committedTxPerSec).toFixed(2)],
    ['leader SIGKILL → next block, ms', med((r) => r.recoveryMs).toFixed(0)],
    ['  … ÷ view timeout', (med((r) => r.recoveryMs) / VIEW_TIMEOUT_MS).toFixed(2)],
  ],
);
printNodeCosts('Node processes over the timed phases (CPU share of all nodes; RSS at its worst round)', rounds);
const cpuPhases = printCpuBreakdown(rounds, 'committed');
printProblems(rounds);
if (JSON_OUT)
  printJson({
    bench: 'cluster',
    workload: workload.name,
    ...summary,
    cpuPhasesUsPerTxPerNode: cpuPhases,
    catchupBlocksPerSec: Math.round(med((r) => r.catchupBlocksPerSec)),
    catchupTxPerSec: Math.round(med((r) => r.catchupTxPerSec)),
    viewChangeMs: Math.round(med((r) => r.recoveryMs)),
    viewTimeoutMs: VIEW_TIMEOUT_MS,
  });
