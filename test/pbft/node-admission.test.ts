import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import type { NodeAction } from '../../node/exec/system/proposal-kinds.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { proposalTx } from '../helpers/committee.js';
import { inProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';

async function until<T>(what: string, f: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SPARE = 5;
const SPARE_OBSERVER = 6;
const DOWN = 3;

// 4 validators + 1 regulator observer in genesis, and two nodes that genesis does not list (a
// fifth validator-to-be and an observer-to-be). The committee is the cluster's one account, so each proposal executes as it is made.
describe.sequential('admitting and removing a validator by proposal (in-process PBFT)', { timeout: 300_000 }, () => {
  let c: InProcessCluster;
  let added: Receipt;
  beforeAll(async () => {
    c = await inProcessCluster(4, 1, { spares: 2 });
    await Promise.all([0, 1, 2, 3, 4].map((i) => c.start(i)));
  });
  afterAll(async () => {
    await c?.close();
  });

  const height = (i: number) => c.nodes[i].client.call('getBlockNumber');
  const signers = async (n: number) =>
    (await c.nodes[0].client.call('getBlockByNumber', [n]))!.certificate!.signatures.map((s) => s.index);
  const connectedTo = (i: number) => c.nodes[i].node!.peers().map((p) => p.nodeId);

  async function propose(action: NodeAction): Promise<Receipt> {
    const { raw } = proposalTx(c.chainId, await height(0), c.accounts[0], action);
    const r = await c.nodes[0].client.call('sendTransaction', [toHex(raw), true]);
    expect(r.status, r.message).toBe(0);
    return r;
  }

  it('a proposal adds a fifth validator: it connects, syncs, and its signature is needed from then on', async () => {
    const spareId = c.nodes[SPARE].nodeId;
    added = await propose({ kind: 'addValidator', nodeId: fromHex(spareId) });
    const sealers = await c.nodes[0].client.call('getSealerList');
    expect(sealers.map((s) => s.nodeId)).toEqual([...c.nodes.slice(0, 4).map((n) => n.nodeId), spareId]);
    expect((await c.nodes[0].client.call('getObserverList')).map((o) => o.nodeId)).toEqual([c.nodes[4].nodeId]);

    await c.start(SPARE);
    await until('the new validator synced past its admission', async () => (await height(SPARE)) > added.blockNumber!);
    expect(await c.nodes[SPARE].client.call('getNodeInfo')).toMatchObject({ role: 'sealer' });
    await until('every node connected to the new validator', async () =>
      [0, 1, 2, 3, 4].every((i) => connectedTo(i).includes(spareId)),
    );
    expect(await c.nodes[0].client.call('getConsensusStatus')).toMatchObject({ validators: 5, faultTolerance: 1 });

    // With one of the first four down, a quorum of 4 out of 5 needs the new validator's vote.
    await c.stop(DOWN);
    // A couple of heights of margin: validator 3 may have voted on one or two just before it stopped.
    const from = (await height(0)) + 3;
    await until('three blocks without validator 3', async () => (await height(0)) >= from + 2);
    for (let n = from; n <= from + 2; n++) expect(await signers(n)).toEqual([0, 1, 2, 4]);
    expect(await height(SPARE)).toBeGreaterThanOrEqual(from);
  });

  it('a second proposal removes it: the chain keeps committing with n = 4 and refuses its connection', async () => {
    const spareId = c.nodes[SPARE].nodeId;
    const removed = await propose({ kind: 'removeNode', nodeId: fromHex(spareId) });
    const r = removed.blockNumber!;
    expect((await c.nodes[0].client.call('getSealerList')).map((s) => s.nodeId)).toEqual(
      c.nodes.slice(0, 4).map((n) => n.nodeId),
    );
    // Validator 3 is still down: from r + 1 the three left make the quorum of n = 4.
    await until('three blocks after the removal', async () => (await height(0)) >= r + 3);
    for (let n = r + 1; n <= r + 3; n++) expect(await signers(n)).toEqual([0, 1, 2]);
    expect(await c.nodes[0].client.call('getConsensusStatus')).toMatchObject({ validators: 4 });

    await until(
      'the removed node disconnected everywhere',
      async () => [0, 1, 2, 4].every((i) => !connectedTo(i).includes(spareId)) && connectedTo(SPARE).length === 0,
    );
    // It keeps dialling (its own node list may still admit the others): each dial is refused.
    const now = await height(0);
    await until('three more blocks', async () => (await height(0)) >= now + 3);
    expect([0, 1, 2, 4].some((i) => connectedTo(i).includes(spareId))).toBe(false);
    expect(connectedTo(SPARE)).toEqual([]);
    expect(await height(SPARE)).toBeLessThan(await height(0));

    // Validator 3 comes back and follows the changes it missed by sync.
    await c.start(DOWN);
    const target = await height(0);
    await until('validator 3 caught up', async () => (await height(DOWN)) >= target);
    expect((await c.nodes[DOWN].client.call('getSealerList')).length).toBe(4);
  });

  it('an observer added at run time syncs and follows without voting', async () => {
    const id = c.nodes[SPARE_OBSERVER].nodeId;
    await c.start(SPARE_OBSERVER);
    const { blockNumber } = await propose({ kind: 'addObserver', nodeId: fromHex(id) });
    expect((await c.nodes[0].client.call('getObserverList')).map((o) => [o.nodeId, o.regulator])).toEqual([
      [c.nodes[4].nodeId, true],
      [id, false],
    ]);
    await until('the observer synced past its admission', async () => (await height(SPARE_OBSERVER)) > blockNumber!);
    const now = await height(0);
    await until('the observer follows new blocks', async () => (await height(SPARE_OBSERVER)) >= now + 2);
    expect(await c.nodes[SPARE_OBSERVER].client.call('getNodeInfo')).toMatchObject({ role: 'observer' });
    expect(await c.nodes[0].client.call('getConsensusStatus')).toMatchObject({ validators: 4 });
    const [a, b] = await Promise.all(
      [0, SPARE_OBSERVER].map((i) => c.nodes[i].client.call('getBlockByNumber', [now + 2])),
    );
    expect(b!.hash).toBe(a!.hash);
  });
});
