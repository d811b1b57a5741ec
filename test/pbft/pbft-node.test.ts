import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { kvIface, suite } from '../helpers/in-process.js';
import { inProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';

async function until<T>(what: string, f: () => Promise<T | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.sequential('PBFT nodes in one process (4 validators + 1 observer)', () => {
  let c: InProcessCluster;
  beforeAll(async () => {
    c = await inProcessCluster(4, 1);
    await Promise.all(c.nodes.map((_, i) => c.start(i)));
  });
  afterAll(async () => {
    await c?.close();
  });

  it('commits a transaction sent to the observer on every node, with a 3-of-4 certificate', async () => {
    const height = await c.nodes[4].client.call('getBlockNumber');
    const { raw, hash } = buildSignedTx(
      suite,
      {
        chainId: c.chainId,
        height,
        to: SystemAddress.KVStore,
        input: fromHex(kvIface.encodeFunctionData('set', ['a', 'b'])),
        gasLimit: 200_000,
      },
      c.accounts[0].secretKey,
    );
    const receipt = await c.nodes[4].client.call('sendTransaction', [toHex(raw), true]);
    expect(receipt.status).toBe(0);
    for (const n of c.nodes) {
      const r = await until('receipt everywhere', () => n.client.call('getTransactionReceipt', [toHex(hash)]));
      expect(r.blockHash).toBe(receipt.blockHash);
    }
    const block = (await c.nodes[0].client.call('getBlockByNumber', [receipt.blockNumber]))!;
    expect(block.certificate!.signatures.length).toBeGreaterThanOrEqual(3);
    const view = await c.nodes[1].client.call('getPbftView');
    expect(view.leader).toBeGreaterThanOrEqual(0);
    expect(await c.nodes[4].client.call('getNodeInfo')).toMatchObject({ role: 'observer' });
  });

  it('keeps committing with one validator down, and the restarted one catches up', async () => {
    await c.stop(3);
    const before = await c.nodes[0].client.call('getBlockNumber');
    await until(
      'progress without validator 3',
      async () => (await c.nodes[0].client.call('getBlockNumber')) >= before + 3,
      30_000,
    );
    await c.start(3);
    const target = await c.nodes[0].client.call('getBlockNumber');
    await until(
      'validator 3 caught up',
      async () => (await c.nodes[3].client.call('getBlockNumber')) >= target,
      30_000,
    );
    const h = Math.min(...(await Promise.all(c.nodes.map((n) => n.client.call('getBlockNumber')))));
    const hashes = await Promise.all(c.nodes.map((n) => n.client.call('getBlockByNumber', [h])));
    expect(new Set(hashes.map((b) => b!.hash + b!.stateRoot)).size).toBe(1);
  });

  it('drops malformed transaction and consensus messages from a peer and keeps committing', async () => {
    const net = c.nodes[0].node!.network!.net;
    const garbage = [
      Uint8Array.of(0xc1),
      Uint8Array.of(0x92, 0x01),
      new Uint8Array(64).fill(0xff),
      Uint8Array.of(0x91, 0xa1, 0x78),
    ];
    for (const g of garbage) {
      net.broadcast('tx', g);
      net.broadcast('consensus', g);
    }
    const before = await c.nodes[1].client.call('getBlockNumber');
    await until(
      'progress after garbage',
      async () => (await c.nodes[1].client.call('getBlockNumber')) >= before + 2,
      30_000,
    );
    expect(await c.nodes[1].client.call('getPendingTxSize')).toBe(0);
  });
});
