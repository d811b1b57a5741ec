/**
 * PBFT cluster benchmark: 4 validators + 1 regulator's observer, each its own OS process
 * over loopback, plus one more observer in the genesis that starts late.
 *
 *   npx tsx bench/cluster.ts [--txs 6000] [--batch 200] [--concurrency 4] [--rounds 3] [--view-timeout <ms>]
 *
 * Per round, on a fresh chain:
 *  1. throughput and latency: pre-signed KVStore.set transactions sent with
 *     sendTransaction(raw, waitForReceipt=true) in JSON-RPC batches, round-robin over the
 *     validators; committed tx/s, and send→commit latency of every transaction (its batch's
 *     round trip, as bench/single-node.ts measures it);
 *  2. catch-up: the late observer starts once those blocks exist; blocks/s and tx/s from its
 *     RPC answering until it reaches the head as it was then;
 *  3. view change: on the idle chain, right after a block commits, the leader of the next
 *     height is killed (SIGKILL) before it proposes; time from the kill to the next
 *     committed block, which needs a view change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { toHex } from '../node/codec/hex.js';
import { NODE_DEFAULTS } from '../node/config/defaults.js';
import { createEcdsaSuite } from '../node/crypto/index.js';
import { SystemAddress } from '../node/exec/addresses.js';
import { buildSignedTx } from '../node/codec/tx-builder.js';
import {
  createCluster,
  startCluster,
  stopCluster,
  waitFor,
  type Cluster,
  type RunningCluster,
} from '../tools/devnet/cluster.js';
import { hasArg, numberArg } from './lib/args.js';
import { median, percentile, printTable } from './lib/table.js';

const TXS = numberArg('txs', 6000);
const BATCH = numberArg('batch', 200);
const CONCURRENCY = numberArg('concurrency', 4);
const ROUNDS = numberArg('rounds', 3);
/** The node default unless --view-timeout is given; the nodes' configs name it only then. */
const VIEW_TIMEOUT_GIVEN = hasArg('view-timeout');
const VIEW_TIMEOUT_MS = numberArg('view-timeout', NODE_DEFAULTS.consensus.viewTimeoutMs);

const VALIDATORS = ['validator0', 'validator1', 'validator2', 'validator3'];
const LATE_OBSERVER = 'observer0';
const suite = createEcdsaSuite();
const kv = new Interface(['function set(string key, string value) returns (int32)']);

interface Round {
  tps: number;
  p50: number;
  p99: number;
  blocks: number;
  catchupBlocks: number;
  catchupBlocksPerSec: number;
  catchupTxPerSec: number;
  recoveryMs: number;
  recoveredView: number;
}

const height = (rc: RunningCluster, name: string) => rc.client(name).call('getBlockNumber');

function signAll(cluster: Cluster, at: number, round: number): string[] {
  return Array.from({ length: TXS }, (_, i) => {
    const input = Buffer.from(kv.encodeFunctionData('set', [`r${round}-k${i}`, `value-${i}`]).slice(2), 'hex');
    const account = cluster.accounts[i % cluster.accounts.length];
    return toHex(
      buildSignedTx(
        suite,
        { chainId: cluster.chainId, height: at, to: SystemAddress.KVStore, input, gasLimit: 200_000 },
        account.secretKey,
      ).raw,
    );
  });
}

async function throughput(
  rc: RunningCluster,
  raws: readonly string[],
): Promise<Pick<Round, 'tps' | 'p50' | 'p99' | 'blocks'>> {
  const startHeight = await height(rc, 'validator0');
  const latencies: number[] = [];
  let next = 0;
  let turn = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < raws.length) {
      const slice = raws.slice(next, next + BATCH);
      next += slice.length;
      const target = VALIDATORS[turn++ % VALIDATORS.length];
      const sent = performance.now();
      const res = await rc.client(target).batch(slice.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
      const done = performance.now();
      for (const r of res) {
        if (r.error) throw new Error(`transaction failed at ${target}: ${r.error.message}`);
        latencies.push(done - sent);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  return {
    tps: raws.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    blocks: (await height(rc, 'validator0')) - startHeight,
  };
}

async function catchUp(
  rc: RunningCluster,
): Promise<Pick<Round, 'catchupBlocks' | 'catchupBlocksPerSec' | 'catchupTxPerSec'>> {
  await rc.start(LATE_OBSERVER);
  const t0 = performance.now();
  const from = await height(rc, LATE_OBSERVER);
  const target = await height(rc, 'validator0');
  await waitFor(`${LATE_OBSERVER} at height ${target}`, async () => (await height(rc, LATE_OBSERVER)) >= target, {
    timeoutMs: 600_000,
    intervalMs: 20,
  });
  const elapsed = (performance.now() - t0) / 1000;
  const counts = await rc
    .client('validator0')
    .batch(Array.from({ length: target - from }, (_, i) => ({ method: 'getBlockByNumber', params: [from + 1 + i] })));
  const txs = counts.reduce((s, r) => s + r.result!.transactionCount, 0);
  return {
    catchupBlocks: target - from,
    catchupBlocksPerSec: (target - from) / elapsed,
    catchupTxPerSec: txs / elapsed,
  };
}

async function viewChange(rc: RunningCluster): Promise<Pick<Round, 'recoveryMs' | 'recoveredView'>> {
  // Kill just after a commit: the next leader is then waiting for transactions or the
  // empty-block interval, so its height cannot finish without a view change.
  const h = await height(rc, 'validator0');
  await waitFor('a fresh block', async () => (await height(rc, 'validator0')) > h, {
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  const leader = await rc.leader('validator0');
  const killedAt = performance.now();
  const killedHeight = await height(rc, 'validator0');
  await rc.kill(leader, 'SIGKILL');
  const survivor = VALIDATORS.find((v) => v !== leader)!;
  await waitFor('a block after the kill', async () => (await height(rc, survivor)) > killedHeight, {
    timeoutMs: 120_000,
    intervalMs: 10,
  });
  const recoveryMs = performance.now() - killedAt;
  const block = (await rc.client(survivor).call('getBlockByNumber', [killedHeight + 1]))!;
  return { recoveryMs, recoveredView: Math.max(block.view, block.certificate?.view ?? 0) };
}

async function runRound(round: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-bench-cluster-'));
  let rc: RunningCluster | null = null;
  try {
    const cluster = await createCluster(dir, {
      validators: 4,
      observers: 2,
      regulators: 1,
      accounts: 4,
      chainId: 'bench',
      node: {
        log: { level: 'warn' },
        ...(VIEW_TIMEOUT_GIVEN ? { consensus: { viewTimeoutMs: VIEW_TIMEOUT_MS } } : {}),
      },
    });
    rc = await startCluster(cluster, {
      nodes: cluster.nodes.filter((n) => n.name !== LATE_OBSERVER).map((n) => n.name),
      nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
    });
    // Sign everything before the clock starts: the client's cost is not the cluster's.
    const raws = signAll(cluster, await height(rc, 'validator0'), round);
    const t = await throughput(rc, raws);
    const c = await catchUp(rc);
    const v = await viewChange(rc);
    return { ...t, ...c, ...v };
  } finally {
    if (rc) await stopCluster(rc);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await runRound(r));
const med = (f: (r: Round) => number) => median(rounds.map(f));

printTable(
  `PBFT cluster, 4 validators + 1 observer (one process each, loopback), ${TXS} KVStore.set txs per round, batches of ${BATCH} over the validators, ${CONCURRENCY} in flight, view timeout ${VIEW_TIMEOUT_MS} ms`,
  [
    'round',
    'committed tx/s',
    'p50 ms',
    'p99 ms',
    'blocks',
    'catch-up blocks',
    'catch-up blocks/s',
    'catch-up tx/s',
    'view change ms',
    'view',
  ],
  rounds.map((r, i) => [
    String(i + 1),
    r.tps.toFixed(0),
    r.p50.toFixed(0),
    r.p99.toFixed(0),
    String(r.blocks),
    String(r.catchupBlocks),
    r.catchupBlocksPerSec.toFixed(0),
    r.catchupTxPerSec.toFixed(0),
    r.recoveryMs.toFixed(0),
    String(r.recoveredView),
  ]),
);
printTable(
  `Summary (medians of ${ROUNDS} rounds)`,
  ['figure', 'value'],
  [
    ['committed tx/s', med((r) => r.tps).toFixed(0)],
    ['p50 send→commit ms', med((r) => r.p50).toFixed(0)],
    ['p99 send→commit ms', med((r) => r.p99).toFixed(0)],
    ['new observer catch-up, blocks/s', med((r) => r.catchupBlocksPerSec).toFixed(0)],
    ['new observer catch-up, tx/s', med((r) => r.catchupTxPerSec).toFixed(0)],
    ['leader SIGKILL → next block, ms', med((r) => r.recoveryMs).toFixed(0)],
    ['  … ÷ view timeout', (med((r) => r.recoveryMs) / VIEW_TIMEOUT_MS).toFixed(2)],
  ],
);
