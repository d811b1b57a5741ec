/**
 * One run of Lingding under a workload, as bench/single-node.ts, bench/cluster.ts and
 * bench/baseline-hardhat.ts all measure it: a fresh chain of node processes from the build,
 * idle memory once start-up settles, the workload's untimed setup, everything signed before
 * the clock starts (the client's cost is not the chain's), then the timed load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCluster, type RunningCluster, startCluster, stopCluster, waitFor } from '../../tools/devnet/cluster.js';
import type { RpcClient } from '../../tools/client/rpc-client.js';
import { createSoloChain, spawnNode } from '../../tools/devnet/local-chain.js';
import { type LoadFigures, type LoadFlags, type SendBatch, timedLoad } from './load.js';
import { type CpuPhases, cpuPhasesPerTx, readAllCpuPhases } from './node-cpu-phases.js';
import { settledRssMb } from './proc.js';
import type { PreparedWorkload, Workload } from './workload.js';

export interface RunFigures extends LoadFigures {
  readonly blocks: number;
  /** Resident memory per node process once start-up settled, before any load, MB. */
  readonly idleRssMb: Readonly<Record<string, number>>;
  /** null when the chain's state agrees with the receipts (workload.checkState), else what differs. */
  readonly stateMismatch: string | null;
  /** The nodes' own CPU breakdown over the timed phase: µs per successful tx per node, by phase. */
  readonly cpuPhasesUs: CpuPhases;
}

export interface CatchUpFigures {
  readonly catchupBlocks: number;
  readonly catchupBlocksPerSec: number;
  readonly catchupTxPerSec: number;
}

export interface ViewChangeFigures {
  readonly recoveryMs: number;
  readonly recoveredView: number;
}

export type ClusterFigures = RunFigures & Partial<CatchUpFigures & ViewChangeFigures>;

/** Node.js flags for every node process (e.g. BENCH_NODE_ARGS=--cpu-prof). */
const nodeArgs = () => (process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []);

/** sendTransaction(raw, waitForReceipt=true) in one JSON-RPC batch, to the clients in turn. */
function sendToLingding(clients: readonly RpcClient[]): SendBatch {
  let turn = 0;
  return async (raws) => {
    const res = await clients[turn++ % clients.length].batch(
      raws.map((r) => ({ method: 'sendTransaction', params: [r, true] })),
    );
    return res.map((r) => {
      if (r.error) return { error: r.error.message };
      const { status, message } = r.result as { status?: number; message?: string };
      if (status === undefined) return { error: 'answered without a receipt' };
      return { committed: true, succeeded: status === 0, reason: message };
    });
  };
}

export async function idleRss(pids: Readonly<Record<string, number>>): Promise<Record<string, number>> {
  const names = Object.keys(pids);
  const rss = await Promise.all(names.map((n) => settledRssMb(pids[n])));
  return Object.fromEntries(names.map((n, i) => [n, rss[i]]));
}

/**
 * Sign at the current height, load, then count blocks and check the state against the
 * receipts (once `stateSettled` says the node read holds every answered block).
 */
export async function measure(
  prepared: PreparedWorkload,
  head: () => Promise<number>,
  send: SendBatch,
  flags: LoadFlags,
  pids: Readonly<Record<string, number>>,
  idleRssMb: Readonly<Record<string, number>>,
  stateSettled: (height: number) => Promise<void>,
  rpcUrls: readonly string[],
): Promise<RunFigures> {
  const raws = prepared.sign(flags.txs, await head());
  const startHeight = await head();
  const phasesBefore = await readAllCpuPhases(rpcUrls);
  const load = await timedLoad(raws, send, flags, pids);
  const cpuPhasesUs = cpuPhasesPerTx(phasesBefore, await readAllCpuPhases(rpcUrls), Math.max(1, load.succeeded));
  const endHeight = await head();
  await stateSettled(endHeight);
  return {
    ...load,
    blocks: endHeight - startHeight,
    idleRssMb,
    stateMismatch: await prepared.checkState(load.succeeded),
    cpuPhasesUs,
  };
}

/** One validator on the solo engine, in its own process. */
export async function runSingleNode(workload: Workload, flags: LoadFlags): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-bench-'));
  try {
    const chain = await createSoloChain(dir, {
      accounts: 4,
      node: { log: { level: 'warn' } },
      systemConfig: { tx_count_limit: '5000' },
    });
    const node = await spawnNode(chain.nodes[0], { nodeArgs: nodeArgs() });
    try {
      const pids = { node0: node.child.pid! };
      const idle = await idleRss(pids);
      const prepared = await workload.prepare({
        chainId: chain.chainId,
        accounts: chain.accounts,
        client: node.client,
      });
      const head = () => node.client.call('getBlockNumber');
      return await measure(prepared, head, sendToLingding([node.client]), flags, pids, idle, async () => {}, [
        node.rpcUrl,
      ]);
    } finally {
      await node.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const VALIDATORS = ['validator0', 'validator1', 'validator2', 'validator3'];
/** The `npm start` layout: the regulator's observer runs from the start. */
const LOADED_NODES = [...VALIDATORS, 'regulator0'];
const LATE_OBSERVER = 'observer0';

export interface ClusterOptions {
  /** The nodes' first view timeout; the node default when absent. */
  readonly viewTimeoutMs?: number;
  /** After the load, a late observer's catch-up and a leader's SIGKILL (bench/cluster.ts). */
  readonly faults: boolean;
}

/**
 * 4 validators + 1 regulator's observer, each its own OS process over loopback, loaded
 * round-robin over the validators; plus one more observer in the genesis that starts late.
 */
export async function runCluster(workload: Workload, flags: LoadFlags, opts: ClusterOptions): Promise<ClusterFigures> {
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
        ...(opts.viewTimeoutMs !== undefined ? { consensus: { viewTimeoutMs: opts.viewTimeoutMs } } : {}),
      },
    });
    rc = await startCluster(cluster, { nodes: LOADED_NODES, nodeArgs: nodeArgs() });
    const running = rc;
    const pids = Object.fromEntries(LOADED_NODES.map((n) => [n, running.process(n)!.child.pid!]));
    const idle = await idleRss(pids);
    const prepared = await workload.prepare({
      chainId: cluster.chainId,
      accounts: cluster.accounts,
      client: rc.client('validator0'),
    });
    const head = () => height(running, 'validator0');
    const send = sendToLingding(VALIDATORS.map((v) => running.client(v)));
    // The state is read from validator0: it must hold every block another validator answered for.
    const settled = async () => {
      const top = Math.max(...(await Promise.all(VALIDATORS.map((v) => height(running, v)))));
      await waitFor(`validator0 at height ${top}`, async () => (await head()) >= top, { timeoutMs: 120_000 });
    };
    const urls = LOADED_NODES.map((n) => `http://127.0.0.1:${running.node(n).rpcPort}`);
    const figures = await measure(prepared, head, send, flags, pids, idle, settled, urls);
    if (!opts.faults) return figures;
    return { ...figures, ...(await catchUp(running)), ...(await viewChange(running)) };
  } finally {
    if (rc) await stopCluster(rc);
    rmSync(dir, { recursive: true, force: true });
  }
}

const height = (rc: RunningCluster, name: string) => rc.client(name).call('getBlockNumber');

/** The late observer starts once the load's blocks exist; blocks/s and tx/s until it reaches the head as it was then. */
async function catchUp(rc: RunningCluster): Promise<CatchUpFigures> {
  await rc.start(LATE_OBSERVER);
  const t0 = performance.now();
  const from = await height(rc, LATE_OBSERVER);
  const target = await height(rc, 'validator0');
  await waitFor(`${LATE_OBSERVER} at height ${target}`, async () => (await height(rc, LATE_OBSERVER)) >= target, {
    timeoutMs: 600_000,
    intervalMs: 20,
  });
  const elapsed = (performance.now() - t0) / 1000;
  let txs = 0;
  for (let h = from + 1; h <= target; h += 500) {
    const blocks = await rc.client('validator0').batch(
      Array.from({ length: Math.min(500, target - h + 1) }, (_, i) => ({
        method: 'getBlockByNumber',
        params: [h + i],
      })),
    );
    txs += blocks.reduce((s, r) => s + r.result!.transactionCount, 0);
  }
  return {
    catchupBlocks: target - from,
    catchupBlocksPerSec: (target - from) / elapsed,
    catchupTxPerSec: txs / elapsed,
  };
}

/**
 * On the idle chain, right after a block commits, the leader of the next height is killed
 * (SIGKILL) before it proposes: time from the kill to the next committed block, which needs
 * a view change.
 */
async function viewChange(rc: RunningCluster): Promise<ViewChangeFigures> {
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
