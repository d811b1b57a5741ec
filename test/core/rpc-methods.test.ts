import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedKvSet, startTestNode, type TestNode, toHex } from '../helpers/in-process.js';
import { RPC_SCHEMA } from '../../node/rpc/schema.js';

/** A real node in-process: every method's result must parse with its strict schema. */
describe('RPC results on a real node', () => {
  let t: TestNode;
  let txHash: string;
  beforeAll(async () => {
    t = await startTestNode();
    const { raw, hash } = await signedKvSet(t, 'k', 'v');
    await t.client.call('sendTransaction', [toHex(raw), true]);
    txHash = toHex(hash);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('answers every method with a result its schema accepts', async () => {
    const receipt = (await t.client.call('getTransactionReceipt', [txHash]))!;
    const calls: Array<[keyof typeof RPC_SCHEMA, unknown[]]> = [
      ['getBlockNumber', []],
      ['getBlockByNumber', [receipt.blockNumber]],
      ['getBlockByNumber', [receipt.blockNumber, true]],
      ['getBlockByNumber', [10_000]],
      ['getBlockByHash', [receipt.blockHash]],
      ['getBlockHashByNumber', ['latest']],
      ['getTransactionByHash', [txHash]],
      ['getTransactionReceipt', [txHash]],
      ['call', [{ to: receipt.to, data: '0x' }]],
      ['getCode', [receipt.to]],
      ['getAbi', [receipt.to]],
      ['getPendingTxSize', []],
      ['getTotalTransactionCount', []],
      ['getSystemConfigByKey', ['tx_count_limit']],
      ['getTransactionProof', [txHash]],
      ['getReceiptProof', [txHash]],
      ['getNodeInfo', []],
      ['getSealerList', []],
      ['getObserverList', []],
      ['getCommittee', []],
      ['getProposal', [1]],
      ['getProposals', []],
      ['getPermissions', []],
      ['getConsensusStatus', []],
      ['getSyncStatus', []],
      ['getPeers', []],
      ['eth_chainId', []],
      ['net_version', []],
      ['net_listening', []],
      ['net_peerCount', []],
      ['web3_clientVersion', []],
      ['eth_blockNumber', []],
      ['eth_getBlockByNumber', ['latest', false]],
      ['eth_getBlockByNumber', [`0x${receipt.blockNumber.toString(16)}`, true]],
      ['eth_getBlockByHash', [receipt.blockHash, false]],
      ['eth_getBlockTransactionCountByHash', [receipt.blockHash]],
      ['eth_getTransactionByHash', [txHash]],
      ['eth_getTransactionReceipt', [txHash]],
      ['eth_getCode', [receipt.to, 'latest']],
      ['eth_gasPrice', []],
      ['eth_feeHistory', ['0x2', 'latest', [50]]],
      ['eth_getBalance', [receipt.to]],
      ['eth_getLogs', [{ fromBlock: '0x0' }]],
      ['eth_syncing', []],
      ['eth_accounts', []],
    ];
    for (const [m, p] of calls) {
      const r = await t.client.request(m, p);
      const parsed = RPC_SCHEMA[m].result.safeParse(r);
      expect(parsed.success, `${m} ${JSON.stringify(p)}: ${parsed.error?.message}`).toBe(true);
    }
    await expect(t.client.call('getPbftView')).rejects.toMatchObject({ rpcCode: -32011 });
  });

  it('runs a batch call by call: results in order, errors in place, notifications unanswered', async () => {
    const res = await fetch(t.client.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getBlockNumber' },
        { jsonrpc: '2.0', id: 2, method: 'getBlockByNumber', params: [-1] },
        { jsonrpc: '2.0', method: 'getBlockNumber' },
        { jsonrpc: '2.0', id: 3, method: 'getCode', params: [] },
        { jsonrpc: '2.0', id: 4, method: 'nope' },
      ]),
    });
    const body = (await res.json()) as Array<{
      id: number;
      result?: unknown;
      error?: { code: number; message: string };
    }>;
    expect(body.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(body[0].result).toBeTypeOf('number');
    expect(body[1].error).toMatchObject({ code: -32602, message: expect.stringContaining('blockNumber') });
    expect(body[2].error).toMatchObject({ code: -32602, message: 'getCode takes 1 parameter [address], got 0' });
    expect(body[3].error?.code).toBe(-32601);
    const typed = await t.client.batch([
      { method: 'getTransactionReceipt', params: [txHash] },
      { method: 'getTransactionReceipt', params: ['0x12'] },
    ]);
    expect(typed[0].result?.transactionHash).toBe(txHash);
    expect(typed[1].error?.code).toBe(-32602);
  });
});
