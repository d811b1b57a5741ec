/**
 * Load and invariant checks for multi-process cluster tests, through JSON-RPC only: the
 * tests see the nodes as a client does.
 */
import { expect } from 'vitest';
import { quorumSize } from '../../consensus/index.js';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import type { MethodName, Params, Result } from '../../node/rpc/schema.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { waitFor, type Cluster, type RunningCluster } from '../../tools/devnet/cluster.js';
import { Wallet } from 'ethers';
import { kvIface, suite } from './in-process.js';

export interface Receipt {
  readonly transactionHash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly status: number;
}

export interface BlockView {
  readonly number: number;
  readonly hash: string;
  readonly stateRoot: string;
  readonly view: number;
  readonly timestamp: number;
  readonly transactionCount: number;
  readonly certificate: { view: number; signatures: unknown[] } | null;
}

/** Signed KVStore.set transactions (hex), valid from `height` on, spread over the committee accounts. */
export function signKvSets(cluster: Cluster, height: number, count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const input = fromHex(kvIface.encodeFunctionData('set', [`${prefix}-${i}`, `v${i}`]));
    const account = cluster.accounts[i % cluster.accounts.length];
    return toHex(
      buildSignedTx(
        suite,
        { chainId: cluster.chainId, height, to: SystemAddress.KVStore, input, gasLimit: 200_000 },
        account.secretKey,
      ).raw,
    );
  });
}

/**
 * Ethereum-signed (EIP-1559) KVStore.set transactions (hex), `perAccount` from each
 * committee account with nonces 0.. in order, signed by ethers as a wallet would.
 */
export async function signEthKvSets(
  cluster: Cluster,
  ethChainId: bigint,
  perAccount: number,
  prefix: string,
): Promise<string[]> {
  const signed = cluster.accounts.flatMap((account, a) => {
    const wallet = new Wallet(toHex(account.secretKey));
    return Array.from({ length: perAccount }, (_, nonce) =>
      wallet.signTransaction({
        type: 2,
        chainId: ethChainId,
        nonce,
        to: toHex(SystemAddress.KVStore),
        data: kvIface.encodeFunctionData('set', [`${prefix}-${a}-${nonce}`, `e${nonce}`]),
        gasLimit: 200_000,
        maxFeePerGas: 0,
        maxPriorityFeePerGas: 0,
      }),
    );
  });
  return Promise.all(signed);
}

export interface Load {
  /** Receipts returned to the client: each is a promise that the transaction is final. */
  readonly acked: Receipt[];
  /** Batches that failed as a whole (node killed mid-request, connection refused). */
  failedBatches: number;
  /** Transactions the node answered with an error (refused, or not committed in time). */
  readonly txErrors: string[];
  /** Resolves once every transaction was sent and answered (or stop() was called). */
  readonly finished: Promise<void>;
  /** Stops sending and waits for the batches in flight. */
  stop(): Promise<void>;
}

/**
 * Sends `raws` in batches of sendTransaction(raw, waitForReceipt=true) to the nodes that
 * `targets()` names at that moment, round-robin, until all are sent or stop() is called.
 * Failures are counted, not retried: a transaction without a receipt promises nothing.
 */
export function startLoad(
  rc: RunningCluster,
  raws: readonly string[],
  opts: { targets: () => string[]; batch?: number; concurrency?: number },
): Load {
  const batch = opts.batch ?? 100;
  let next = 0;
  let turn = 0;
  let stopped = false;
  const load: Load = {
    acked: [],
    failedBatches: 0,
    txErrors: [],
    get finished() {
      return workers;
    },
    async stop() {
      stopped = true;
      await workers;
    },
  };
  const worker = async () => {
    while (!stopped && next < raws.length) {
      const targets = opts.targets();
      if (targets.length === 0) throw new Error('no node to send load to');
      const target = targets[turn++ % targets.length];
      const slice = raws.slice(next, next + batch);
      next += slice.length;
      try {
        const res = await rc.client(target).batch(slice.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
        for (const r of res) {
          if (r.result) load.acked.push(r.result);
          else load.txErrors.push(`${target}: ${r.error?.message}`);
        }
      } catch {
        load.failedBatches++;
      }
    }
  };
  const workers = Promise.all(Array.from({ length: opts.concurrency ?? 3 }, worker)).then(() => undefined);
  return load;
}

export async function heightOf(rc: RunningCluster, name: string): Promise<number> {
  return rc.client(name).call('getBlockNumber');
}

/** Heights of the running nodes, by name. */
export async function heights(rc: RunningCluster): Promise<Record<string, number>> {
  const names = rc.running().map((n) => n.name);
  const hs = await Promise.all(names.map((n) => heightOf(rc, n)));
  return Object.fromEntries(names.map((n, i) => [n, hs[i]]));
}

/** Waits until every running node has reached `height`. */
export async function allReach(rc: RunningCluster, height: number, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `every running node at height ${height}`,
    async () => Object.values(await heights(rc)).every((h) => h >= height),
    { timeoutMs },
  );
}

/** One call per item, in JSON-RPC batches small enough for the node's batch limit; results in order. */
async function batched<M extends MethodName>(
  rc: RunningCluster,
  name: string,
  method: M,
  params: readonly Params<M>[],
): Promise<Result<M>[]> {
  const out: Result<M>[] = [];
  for (let i = 0; i < params.length; i += 500) {
    const res = await rc.client(name).batch(params.slice(i, i + 500).map((p) => ({ method, params: p })));
    for (const r of res) {
      if (r.error) throw new Error(`${name}: ${method} failed: ${r.error.message}`);
      out.push(r.result as Result<M>);
    }
  }
  return out;
}

async function blocks(rc: RunningCluster, name: string, from: number, to: number): Promise<BlockView[]> {
  const got = await batched(
    rc,
    name,
    'getBlockByNumber',
    Array.from({ length: to - from + 1 }, (_, i): Params<'getBlockByNumber'> => [from + i]),
  );
  return got.map((b, i) => {
    if (!b) throw new Error(`${name} has no block ${from + i}`);
    return b;
  });
}

/** Blocks `from`..head as `via` has them. */
export async function blocksSince(rc: RunningCluster, via: string, from: number): Promise<BlockView[]> {
  return blocks(rc, via, from, await heightOf(rc, via));
}

/**
 * The safety invariants after a scenario, over the running nodes:
 * - they all hold every acknowledged transaction, in the block its receipt named;
 * - they agree on block hash and state root at every height up to the lowest common one;
 * - every block after genesis carries a commit certificate from a quorum of the validators.
 */
export async function checkSafety(rc: RunningCluster, acked: readonly Receipt[]): Promise<{ commonHeight: number }> {
  const running = rc.running().map((n) => n.name);
  const lastAcked = Math.max(0, ...acked.map((r) => r.blockNumber));
  await allReach(rc, lastAcked);
  for (const name of running) {
    const got = await batched(
      rc,
      name,
      'getTransactionReceipt',
      acked.map((r) => [r.transactionHash]),
    );
    const lost = acked.filter((r, i) => got[i]?.blockHash !== r.blockHash);
    expect(
      lost.map((r) => r.transactionHash),
      `${name} lacks acknowledged transactions (or has them in other blocks)`,
    ).toEqual([]);
  }
  const commonHeight = Math.min(...Object.values(await heights(rc)));
  const views = await Promise.all(running.map((name) => blocks(rc, name, 0, commonHeight)));
  const validators = rc.cluster.nodes.filter((n) => n.role === 'sealer').length;
  const quorum = quorumSize(validators);
  for (let h = 0; h <= commonHeight; h++) {
    const distinct = new Set(views.map((v) => `${v[h].hash}/${v[h].stateRoot}`));
    expect(
      distinct.size,
      `nodes disagree at height ${h}: ${running.map((n, i) => `${n}=${views[i][h].hash}`).join(' ')}`,
    ).toBe(1);
    if (h > 0)
      expect(views[0][h].certificate?.signatures.length ?? 0, `certificate of block ${h}`).toBeGreaterThanOrEqual(
        quorum,
      );
  }
  return { commonHeight };
}
