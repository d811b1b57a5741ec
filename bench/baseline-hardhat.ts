/**
 * The baseline a TypeScript developer would otherwise use: a Hardhat node (automine) against
 * Lingding's single node and 4+1 cluster, the same ERC-20 transfer workload on each, one run,
 * one machine.
 *
 *   npx tsx bench/baseline-hardhat.ts [--txs 8000] [--senders 200] [--batch 50] [--concurrency 4]
 *     [--duration <s>] [--rate <tx/s>] [--json]
 *
 *  --txs          transfers signed for each of the three chains (the most each one is sent)
 *  --senders      accounts sending, each funded before the clock starts; as many receivers
 *  --batch        Lingding: transfers per request (sendTransaction with waitForReceipt);
 *                 --concurrency: requests in flight. Hardhat gets the same number of transfers
 *                 in flight (batch × concurrency), one eth_sendRawTransaction per request and
 *                 then its receipt, a sender's transfers in nonce order, as a wallet sends them
 *  --duration     stop sending after this many seconds (default: send all --txs)
 *  --rate         open loop at this many tx/s (default: closed loop)
 *  --json         print one JSON object with the figures as the last line (ratioSingleNode,
 *                 ratioCluster: Lingding's committed transfers/s ÷ Hardhat's)
 *
 * Hardhat (hardhat@3.18.0, pinned in bench/lib/hardhat.ts) is installed on first use into
 * ~/.cache/lingding-bench/hardhat (LINGDING_BENCH_CACHE moves it) with `npm install --prefix`;
 * it is not a dependency of the project. Its ERC-20 is the precompiled Solidity contract of
 * bench/lib/erc20-evm.ts (Hardhat's solc download cannot be reached here); Lingding runs the
 * shipped AssemblyScript token. Every chain counts only transfers committed with a success
 * status, and the receivers' balances are checked against the receipts. Lingding's runs are
 * bench/single-node.ts's and bench/cluster.ts's (bench/lib/runs.ts), without the cluster's
 * fault phases. Run `npm run build` first: the Lingding nodes run the build.
 */
import { hasArg, numberArg } from './lib/args.js';
import { ensureHardhat, HARDHAT_VERSION, prepareHardhatErc20, startHardhat } from './lib/hardhat.js';
import { describeLoad, loadFlags } from './lib/load.js';
import { printJson, printNodeCosts, printProblems, summaryFigures } from './lib/report.js';
import { idleRss, measure, type RunFigures, runCluster, runSingleNode } from './lib/runs.js';
import { printTable } from './lib/table.js';
import { DEFAULT_SENDERS, erc20Workload } from './lib/workload.js';

const FLAGS = loadFlags({ txs: 8000, batch: 50, concurrency: 4, durationSec: 0, rate: 0 });
const SENDERS = numberArg('senders', DEFAULT_SENDERS);
const JSON_OUT = hasArg('json');

async function runHardhat(): Promise<RunFigures> {
  const node = await startHardhat(ensureHardhat());
  try {
    const pids = { hardhat: node.child.pid! };
    const idle = await idleRss(pids);
    const { prepared, send } = await prepareHardhatErc20(node, SENDERS);
    const head = async () => Number(await node.rpc<string>('eth_blockNumber', []));
    // The same transfers in flight as Lingding's batches, one per request.
    const flags = { ...FLAGS, batch: 1, concurrency: FLAGS.batch * FLAGS.concurrency };
    // No Lingding metrics to read: a Hardhat node has no CPU breakdown.
    return await measure(prepared, head, send, flags, pids, idle, async () => {}, []);
  } finally {
    await node.stop();
  }
}

const workload = erc20Workload(SENDERS);
const hardhat = await runHardhat();
const single = await runSingleNode(workload, FLAGS);
const cluster = await runCluster(workload, FLAGS, { faults: false });
const figures = {
  hardhat: summaryFigures([hardhat]),
  singleNode: summaryFigures([single]),
  cluster: summaryFigures([cluster]),
};
const ratio = (x: number) => Number((x / figures.hardhat.committedTxPerSec).toFixed(2));

printTable(
  `ERC-20 transfers, ${describeLoad(FLAGS, `transfers from ${SENDERS} senders`)} (Hardhat: one transfer per request, as many in flight)`,
  [
    'chain',
    'committed transfers/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'CPU µs/tx/node',
    'idle RSS MB',
    'peak RSS MB',
    'vs Hardhat',
  ],
  (
    [
      [`Hardhat ${HARDHAT_VERSION} node (automine)`, figures.hardhat],
      ['Lingding single node (solo)', figures.singleNode],
      ['Lingding 4+1 cluster (PBFT)', figures.cluster],
    ] as const
  ).map(([name, s]) => [
    name,
    String(s.committedTxPerSec),
    String(s.p50Ms),
    String(s.p99Ms),
    String(s.failedTxs),
    String(s.nodeCpuUsPerTxPerNode),
    String(s.idleRssMb),
    String(s.peakRssMb),
    `${ratio(s.committedTxPerSec).toFixed(2)}x`,
  ]),
);
printNodeCosts('Hardhat node process', [hardhat]);
printNodeCosts('Lingding single node process', [single]);
printNodeCosts('Lingding cluster node processes', [cluster]);
printProblems([hardhat, single, cluster], ['Hardhat', 'single node', 'cluster']);
if (JSON_OUT)
  printJson({
    bench: 'baseline-hardhat',
    workload: 'erc20',
    hardhatVersion: HARDHAT_VERSION,
    ...figures,
    ratioSingleNode: ratio(figures.singleNode.committedTxPerSec),
    ratioCluster: ratio(figures.cluster.committedTxPerSec),
  });
