import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemAddress } from '../../node/exec/addresses.js';
import { kvIface, signedKvSet, startTestNode, type TestNode, toHex } from '../helpers/in-process.js';

const KV_STORE = toHex(SystemAddress.KVStore);
const MAX_RANGE = 3;
const MAX_LOGS = 2;

/** eth_getLogs' limits (tiny here) and eth_newPendingTransactionFilter on a real node. */
describe('eth log limits and the pending-transaction filter', () => {
  let t: TestNode;
  let provider: JsonRpcProvider;

  beforeAll(async () => {
    t = await startTestNode({ node: { rpc: { maxLogsBlockRange: MAX_RANGE, maxLogsPerResponse: MAX_LOGS } } });
    provider = new JsonRpcProvider(`http://127.0.0.1:${t.chain.nodes[0].rpcPort}`, undefined, {
      polling: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
  });
  afterAll(async () => {
    provider?.destroy();
    await t.cleanup();
  });

  it(`refuses a query over more than rpc.maxLogsBlockRange blocks or answering more than rpc.maxLogsPerResponse logs`, async () => {
    const wallet = new Wallet(toHex(t.chain.accounts[0].secretKey), provider);
    const n = await provider.getTransactionCount(wallet.address, 'latest');
    const send = (nonce: number) =>
      wallet.sendTransaction({
        to: KV_STORE,
        data: kvIface.encodeFunctionData('set', [`k${nonce}`, 'v']),
        nonce,
        gasLimit: 500_000,
      });
    // n + 1 and n + 2 wait in the pool for n, so all three are ready together: one block, three logs.
    const later = [await send(n + 1), await send(n + 2)];
    const first = await send(n);
    const receipts = await Promise.all([first, ...later].map(async (tx) => (await tx.wait())!));
    const { blockHash, blockNumber } = receipts[0];
    expect(receipts.every((r) => r.blockHash === blockHash && r.logs.length === 1)).toBe(true);

    await expect(provider.send('eth_getLogs', [{ blockHash }])).rejects.toThrow(
      `query returned more than ${MAX_LOGS} results (rpc.maxLogsPerResponse)`,
    );
    const at = `0x${blockNumber.toString(16)}`;
    await expect(provider.send('eth_getLogs', [{ fromBlock: at, toBlock: at }])).rejects.toThrow(
      /query returned more than 2 results/,
    );
    // Within both limits: no log of another address.
    expect(await provider.send('eth_getLogs', [{ blockHash, address: toHex(new Uint8Array(20).fill(9)) }])).toEqual([]);

    while ((await provider.getBlockNumber()) < MAX_RANGE) await new Promise((r) => setTimeout(r, 100));
    const wide = provider.send('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: KV_STORE }]);
    await expect(wide).rejects.toThrow(`exceed maximum block range: ${MAX_RANGE} (rpc.maxLogsBlockRange)`);
    await expect(wide).rejects.toMatchObject({ error: { code: -32000 } });
  });

  it('a pending-transaction filter answers a transaction admitted since the last poll, even once committed', async () => {
    const filter = await provider.send('eth_newPendingTransactionFilter', []);
    const { raw, hash } = await signedKvSet(t, 'pending', 'v');
    // Waits for the commit: by the poll the transaction has left the pool.
    await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(await provider.send('eth_getFilterChanges', [filter])).toEqual([toHex(hash)]);
    expect(await provider.send('eth_getFilterChanges', [filter])).toEqual([]);
  });
});
