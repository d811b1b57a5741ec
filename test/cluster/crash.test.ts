import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { createSoloChain, spawnNode, type NodeProcess } from '../../tools/devnet/local-chain.js';
import { kvIface, suite } from '../helpers/in-process.js';

/**
 * A real node process is killed with SIGKILL in the middle of a transaction load. After a
 * restart, every transaction whose receipt was returned before the kill must be on chain
 * with the same receipt, and every block seen before the kill must be unchanged.
 */
describe('crash safety (real process, SIGKILL)', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-crash-'));
  let node: NodeProcess | null = null;
  afterAll(async () => {
    await node?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged transaction and block across SIGKILL', async () => {
    const chain = await createSoloChain(dir, { accounts: 2, node: { log: { level: 'warn' } } });
    node = await spawnNode(chain.nodes[0]);
    const height = await node.client.call('getBlockNumber');
    const raws = Array.from({ length: 4000 }, (_, i) =>
      toHex(
        buildSignedTx(
          suite,
          {
            chainId: chain.chainId,
            height,
            to: SystemAddress.KVStore,
            input: fromHex(kvIface.encodeFunctionData('set', [`k${i}`, `v${i}`])),
            gasLimit: 200_000,
          },
          chain.accounts[i % 2].secretKey,
        ).raw,
      ),
    );

    const acknowledged: Receipt[] = [];
    let next = 0;
    let killed = false;
    const sender = async () => {
      while (!killed && next < raws.length) {
        const slice = raws.slice(next, next + 50);
        next += slice.length;
        try {
          const res = await node!.client.batch(slice.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
          if (killed) return; // a response racing the kill is not counted
          for (const r of res) if (r.result) acknowledged.push(r.result);
        } catch {
          return; // connection died with the process
        }
      }
    };
    const senders = Promise.all([sender(), sender(), sender()]);
    // Kill once a good part of the load is acknowledged, with more still in flight.
    while (acknowledged.length < 600) await new Promise((r) => setTimeout(r, 10));
    const seen = (await node.client.call('getBlockByNumber', ['latest']))!;
    killed = true;
    expect(await node.kill('SIGKILL')).toBeNull();
    await senders;
    expect(acknowledged.length).toBeGreaterThanOrEqual(600);

    node = await spawnNode(chain.nodes[0]);
    const head = await node.client.call('getBlockNumber');
    expect(head).toBeGreaterThanOrEqual(seen.number);
    const block = (await node.client.call('getBlockByNumber', [seen.number]))!;
    expect(block.hash).toBe(seen.hash);
    expect(block.stateRoot).toBe(seen.stateRoot);
    const after = await node.client.batch(
      acknowledged.map((r) => ({ method: 'getTransactionReceipt', params: [r.transactionHash] })),
    );
    after.forEach((r, i) => {
      const got = r.result;
      expect(got, `acknowledged tx ${acknowledged[i].transactionHash} lost`).not.toBeNull();
      expect(got!.blockHash).toBe(acknowledged[i].blockHash);
      expect(got!.status).toBe(0);
    });

    // The restarted node still seals, and refuses replays of what was committed.
    const fresh = buildSignedTx(
      suite,
      {
        chainId: chain.chainId,
        height: head,
        to: SystemAddress.KVStore,
        input: fromHex(kvIface.encodeFunctionData('set', ['after', 'restart'])),
        gasLimit: 200_000,
      },
      chain.accounts[0].secretKey,
    );
    const receipt = await node.client.call('sendTransaction', [toHex(fresh.raw), true]);
    expect(receipt.status).toBe(0);
    await expect(node.client.call('sendTransaction', [raws[0]])).rejects.toThrow(/already on chain|nonce/);
  });
});
