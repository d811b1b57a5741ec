/**
 * Node admission in a live cluster of real node processes (4 validators + 1 regulator's
 * observer in genesis, and two nodes genesis does not list), observed through JSON-RPC only:
 * a proposal adds a fifth validator, which syncs and votes; a second removes it; an observer
 * is added at run time and syncs.
 *
 * Skipped when LINGDING_CLUSTER_TESTS=0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import type { NodeAction } from '../../node/exec/system/proposal-kinds.js';
import type { Receipt } from '../../node/rpc/schema.js';
import {
  type Cluster,
  createCluster,
  type RunningCluster,
  startCluster,
  stopCluster,
  waitFor,
} from '../../tools/devnet/cluster.js';
import { heightOf } from '../helpers/cluster-load.js';
import { proposalTx } from '../helpers/committee.js';

const enabled = process.env.LINGDING_CLUSTER_TESTS !== '0';
const GENESIS_NODES = ['validator0', 'validator1', 'validator2', 'validator3', 'regulator0'];
const WAIT = { timeoutMs: 120_000 };

describe.skipIf(!enabled).sequential('node admission, one OS process per node', { timeout: 600_000 }, () => {
  let dir = '';
  let cluster: Cluster;
  let rc: RunningCluster | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lingding-admission-'));
    cluster = await createCluster(dir, {
      validators: 4,
      observers: 1,
      accounts: 1,
      spares: 2,
      chainId: 'admission-test',
      node: { consensus: { viewTimeoutMs: 1000 }, storage: { syncWrites: false }, log: { level: 'warn' } },
    });
    rc = await startCluster(cluster, { nodes: GENESIS_NODES });
  }, 300_000);
  afterAll(async () => {
    if (rc) await stopCluster(rc, { graceMs: 5000 });
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (name: string) => rc!.client(name);
  const connectedTo = async (name: string) => (await client(name).call('getPeers')).map((p) => p.nodeId);
  const signers = async (n: number) =>
    (await client('validator0').call('getBlockByNumber', [n]))!.certificate!.signatures.map((s) => s.index);

  async function propose(action: NodeAction): Promise<Receipt> {
    const height = await heightOf(rc!, 'validator0');
    const { raw } = proposalTx(cluster.chainId, height, cluster.accounts[0], action);
    const r = await client('validator0').call('sendTransaction', [toHex(raw), true]);
    expect(r.status, r.message).toBe(0);
    return r;
  }

  it('adds a fifth validator that syncs and votes, then removes it, and the chain keeps committing', async () => {
    const spare = rc!.node('spare0');
    await rc!.start('spare0');
    const added = await propose({ kind: 'addValidator', nodeId: fromHex(spare.nodeId) });
    await waitFor(
      'the new validator synced past its admission',
      async () => (await heightOf(rc!, 'spare0')) > added.blockNumber!,
      WAIT,
    );
    expect(await client('spare0').call('getNodeInfo')).toMatchObject({ role: 'sealer' });
    expect(await client('validator1').call('getConsensusStatus')).toMatchObject({ validators: 5 });

    // With validator3 down, every quorum (4 of 5) needs the new validator's vote.
    await rc!.kill('validator3');
    const from = (await heightOf(rc!, 'validator0')) + 3;
    await waitFor('three blocks without validator3', async () => (await heightOf(rc!, 'validator0')) >= from + 2, WAIT);
    for (let n = from; n <= from + 2; n++) expect(await signers(n)).toEqual([0, 1, 2, 4]);

    const removed = await propose({ kind: 'removeNode', nodeId: fromHex(spare.nodeId) });
    const r = removed.blockNumber!;
    await waitFor('three blocks after the removal', async () => (await heightOf(rc!, 'validator0')) >= r + 3, WAIT);
    for (let n = r + 1; n <= r + 3; n++) expect(await signers(n)).toEqual([0, 1, 2]);
    expect(await client('validator1').call('getConsensusStatus')).toMatchObject({ validators: 4 });
    await waitFor(
      'the removed node disconnected',
      async () => {
        const lists = await Promise.all(['validator0', 'validator1', 'validator2', 'regulator0'].map(connectedTo));
        return lists.every((l) => !l.includes(spare.nodeId)) && (await connectedTo('spare0')).length === 0;
      },
      WAIT,
    );
    const now = await heightOf(rc!, 'validator0');
    await waitFor('three more blocks', async () => (await heightOf(rc!, 'validator0')) >= now + 3, WAIT);
    expect(await connectedTo('spare0')).toEqual([]);
    expect(await heightOf(rc!, 'spare0')).toBeLessThan(await heightOf(rc!, 'validator0'));

    await rc!.start('validator3');
    const target = await heightOf(rc!, 'validator0');
    await waitFor('validator3 caught up', async () => (await heightOf(rc!, 'validator3')) >= target, WAIT);
  });

  it('adds an observer at run time, which syncs', async () => {
    const observer = rc!.node('spare1');
    await rc!.start('spare1');
    const added = await propose({ kind: 'addObserver', nodeId: fromHex(observer.nodeId) });
    expect((await client('validator2').call('getObserverList')).map((o) => o.nodeId)).toContain(observer.nodeId);
    const target = (await heightOf(rc!, 'validator0')) + 2;
    await waitFor(
      'the observer follows the chain',
      async () => (await heightOf(rc!, 'spare1')) >= Math.max(target, added.blockNumber! + 1),
      WAIT,
    );
    expect(await client('spare1').call('getNodeInfo')).toMatchObject({ role: 'observer' });
    const [a, b] = await Promise.all(['validator0', 'spare1'].map((n) => client(n).call('getBlockByNumber', [target])));
    expect(b!.hash).toBe(a!.hash);
  });
});
