/**
 * PBFT clusters of real node processes over loopback (4 validators + 1 regulator's
 * observer), each scenario on a fresh chain, observed through JSON-RPC only.
 *
 * Skipped when LINGDING_CLUSTER_TESTS=0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, startCluster, stopCluster, waitFor, type RunningCluster } from '../../tools/devnet/cluster.js';
import {
  allReach,
  blocksSince,
  checkSafety,
  heightOf,
  heights,
  signEthKvSets,
  signKvSets,
  startLoad,
  type Receipt,
} from '../helpers/cluster-load.js';

/** LINGDING_CLUSTER_TESTS=0 skips these (they start real processes; a few minutes on a busy machine). */
const enabled = process.env.LINGDING_CLUSTER_TESTS !== '0';

const VALIDATORS = ['validator0', 'validator1', 'validator2', 'validator3'];

describe.skipIf(!enabled).sequential('PBFT cluster, one OS process per node (4 validators + 1 observer)', () => {
  let rc: RunningCluster | null = null;
  let dir = '';

  /** A fresh 4+1 cluster, all nodes running, with a short view timeout so faults resolve fast. */
  async function freshCluster(): Promise<RunningCluster> {
    dir = mkdtempSync(join(tmpdir(), 'lingding-cluster-'));
    const cluster = await createCluster(dir, {
      validators: 4,
      observers: 1,
      accounts: 4,
      chainId: 'cluster-test',
      node: { consensus: { viewTimeoutMs: 1000 }, storage: { syncWrites: false }, log: { level: 'warn' } },
    });
    rc = await startCluster(cluster);
    return rc;
  }

  afterEach(async () => {
    if (rc) await stopCluster(rc, { graceMs: 5000 });
    rc = null;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Per scenario: generous, as a shared 2-core machine may be slow to boot five processes. */
  const SCENARIO_MS = 300_000;
  const running = (c: RunningCluster) => () => c.running().map((n) => n.name);
  const ackedAtLeast = (acked: readonly Receipt[], n: number, what: string) =>
    waitFor(what, async () => acked.length >= n, { timeoutMs: 120_000 });

  it(
    'commits a load of signed transactions on every node, including transactions sent to the observer',
    async () => {
      const c = await freshCluster();
      expect((await c.client('regulator0').call('getNodeInfo')).role).toBe('observer');
      const raws = signKvSets(c.cluster, await heightOf(c, 'validator0'), 600, 'a');
      // Ethereum-signed transactions beside the native ones, so blocks hold both types.
      const ethChainId = BigInt(await c.client('validator0').call('eth_chainId'));
      const ethRaws = await signEthKvSets(c.cluster, ethChainId, 25, 'e');
      const load = startLoad(c, raws.slice(0, 500), { targets: running(c) });
      // One batch per validator (each takes a share, in nonce order or not: the pools hold gaps).
      // Sent while the native load runs, so that blocks are likely to hold both types.
      const ethHashes = (
        await Promise.all(
          VALIDATORS.map(async (v, k) => {
            const mine = ethRaws.filter((_, i) => i % VALIDATORS.length === k);
            const res = await c
              .client(v)
              .batch(mine.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })));
            return res.map((r) => {
              if (r.error) throw new Error(`${v}: eth_sendRawTransaction: ${r.error.message}`);
              return r.result as string;
            });
          }),
        )
      ).flat();
      // A batch to the observer alone: it relays to the validators and reports the commit.
      const toObserver = await c
        .client('regulator0')
        .batch(raws.slice(500).map((r) => ({ method: 'sendTransaction', params: [r, true] })));
      await load.finished;
      const observerAcks = toObserver.map((r) => r.result!);
      expect(observerAcks.every((r) => r?.status === 0)).toBe(true);
      const ethAcks: Receipt[] = [];
      await waitFor(
        'receipts of the Ethereum-signed transactions',
        async () => {
          const got = await c
            .client('regulator0')
            .batch(ethHashes.map((h) => ({ method: 'getTransactionReceipt', params: [h] })));
          ethAcks.splice(0, ethAcks.length, ...got.flatMap((r) => (r.result ? [r.result as Receipt] : [])));
          return ethAcks.length === ethHashes.length;
        },
        { timeoutMs: 120_000 },
      );
      expect(ethAcks.every((r) => r.status === 0)).toBe(true);
      const acked = [...load.acked, ...observerAcks, ...ethAcks];
      expect(load.failedBatches).toBe(0);
      expect(load.txErrors).toEqual([]);
      expect(acked.length).toBe(600 + ethHashes.length);
      const { commonHeight } = await checkSafety(c, acked);
      const withTxs = (await blocksSince(c, 'validator0', 1)).filter((b) => b.transactionCount > 0);
      expect(commonHeight).toBeGreaterThanOrEqual(2);
      expect(withTxs.reduce((s, b) => s + b.transactionCount, 0)).toBe(600 + ethHashes.length);
      // Both types were committed, to the same hashes and roots on every node (checkSafety).
      // Whether one block mixes them depends on timing here; test/core/eth-execution.test.ts
      // builds such a block and checks two chains execute it to the same roots.
      const types = await Promise.all(
        withTxs.map(async (b) => {
          const full = await c.client('validator0').call('getBlockByNumber', [b.number, true]);
          return ((full?.transactions ?? []) as Array<{ type: number }>).map((t) => t.type);
        }),
      );
      expect(new Set(types.flat())).toEqual(new Set([1, 2]));
    },
    SCENARIO_MS,
  );

  it(
    'keeps committing with one validator killed (SIGKILL), and the restarted validator catches up',
    async () => {
      const c = await freshCluster();
      const raws = signKvSets(c.cluster, await heightOf(c, 'validator0'), 1500, 'b');
      const load = startLoad(c, raws, { targets: running(c) });
      await ackedAtLeast(load.acked, 150, 'load before the kill');
      await c.kill('validator2', 'SIGKILL');
      const ackedAtKill = load.acked.length;
      const heightAtKill = Math.max(...Object.values(await heights(c)));
      await ackedAtLeast(load.acked, ackedAtKill + 300, 'commits without validator2');
      await allReach(c, heightAtKill + 3);

      await c.start('validator2');
      const target = await heightOf(c, 'validator0');
      await waitFor(`validator2 back at height ${target}`, async () => (await heightOf(c, 'validator2')) >= target, {
        timeoutMs: 120_000,
      });
      await load.stop();
      await checkSafety(c, load.acked);
    },
    SCENARIO_MS,
  );

  it(
    'changes view past a leader killed under load, and commits again',
    async () => {
      const c = await freshCluster();
      const raws = signKvSets(c.cluster, await heightOf(c, 'validator0'), 1500, 'c');
      const load = startLoad(c, raws, { targets: running(c) });
      await ackedAtLeast(load.acked, 150, 'load before the kill');
      const leader = await c.leader('validator0');
      expect(VALIDATORS).toContain(leader);
      const heightAtKill = Math.max(...Object.values(await heights(c)));
      await c.kill(leader, 'SIGKILL');
      const ackedAtKill = load.acked.length;
      const survivor = VALIDATORS.find((v) => v !== leader)!;
      // Leaders rotate by height, so within n heights some block needs a view other than 0.
      await waitFor(
        'a block committed after a view change',
        async () =>
          (await blocksSince(c, survivor, heightAtKill + 1)).some((b) => b.view > 0 || (b.certificate?.view ?? 0) > 0),
        {
          timeoutMs: 120_000,
        },
      );
      await ackedAtLeast(load.acked, ackedAtKill + 200, 'commits after the view change');
      await load.stop();
      await checkSafety(c, load.acked);
    },
    SCENARIO_MS,
  );

  it(
    'halts without forking when two of four validators stop, and resumes when one returns',
    async () => {
      const c = await freshCluster();
      const raws = signKvSets(c.cluster, await heightOf(c, 'validator0'), 300, 'd');
      const load = startLoad(c, raws.slice(0, 200), { targets: running(c) });
      await ackedAtLeast(load.acked, 200, 'load before the stop');
      await load.stop();
      await Promise.all([c.kill('validator2', 'SIGTERM'), c.kill('validator3', 'SIGTERM')]);

      // Sent while halted: accepted into the pools, committed only once a quorum is back.
      const pending = await c
        .client('validator0')
        .batch(raws.slice(200).map((r) => ({ method: 'sendTransaction', params: [r, false] })));
      expect(pending.every((r) => r.result)).toBe(true);
      const halted = Math.max(...Object.values(await heights(c)));
      // Proving that nothing happens takes watching for a while: several empty-block
      // intervals and view timeouts, during which no height may be added anywhere.
      const watchUntil = Date.now() + 5000;
      while (Date.now() < watchUntil) {
        expect(Math.max(...Object.values(await heights(c))), 'a block was committed by 2 of 4 validators').toBe(halted);
        await new Promise((r) => setTimeout(r, 250));
      }
      await checkSafety(c, load.acked);

      await c.start('validator2');
      await allReach(c, halted + 2, 180_000);
      const hashes = pending.map((r) => r.result!.transactionHash);
      await waitFor(
        'transactions sent while halted are committed',
        async () => {
          const got = await c
            .client('validator0')
            .batch(hashes.map((h) => ({ method: 'getTransactionReceipt', params: [h] })));
          return got.every((r) => r.result);
        },
        { timeoutMs: 120_000 },
      );
      const receipts = await c
        .client('validator0')
        .batch(hashes.map((h) => ({ method: 'getTransactionReceipt', params: [h] })));
      await checkSafety(c, [...load.acked, ...receipts.map((r) => r.result!)]);
    },
    SCENARIO_MS,
  );
});
