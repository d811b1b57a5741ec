import { describe, expect, it } from 'vitest';
import { parseParams } from '../schema.js';

const ADDRESS = `0x${'12'.repeat(20)}`;
const HASH = `0x${'ab'.repeat(32)}`;

describe('Ethereum wire forms of params', () => {
  it('reads block tags: safe and finalized are the head, as every commit is final; pending stays its own tag', () => {
    for (const tag of ['latest', 'safe', 'finalized'])
      expect(parseParams('eth_getBlockByNumber', [tag, false])[0]).toEqual({ tag: 'latest' });
    expect(parseParams('eth_getTransactionCount', [ADDRESS, 'pending'])[1]).toEqual({ tag: 'pending' });
    expect(parseParams('eth_getBlockByNumber', ['earliest', false])[0]).toEqual({ tag: 'earliest' });
    expect(parseParams('eth_getBlockByNumber', ['0x1f', false])[0]).toEqual({ number: 31 });
    expect(parseParams('eth_getCode', [ADDRESS, { blockHash: HASH }])[1]).toEqual({
      hash: new Uint8Array(32).fill(0xab),
    });
    expect(parseParams('eth_getCode', [ADDRESS])[1]).toEqual({ tag: 'latest' });
    expect(() => parseParams('eth_getBlockByNumber', ['42', false])).toThrow(/block must be a 0x-hex block number/);
  });

  it('reads a call object: input wins over data, absent from is the zero address, quantities are bigints', () => {
    const [call] = parseParams('eth_call', [{ to: ADDRESS, data: '0x01', input: '0x02', value: '0x0', gas: '0x5208' }]);
    expect(call.input).toEqual(new Uint8Array([2]));
    expect(call.from).toEqual(new Uint8Array(20));
    expect(call.gas).toBe(21000n);
    expect(call.value).toBe(0n);
    const [deploy] = parseParams('eth_estimateGas', [{ from: ADDRESS, data: '0x00' }]);
    expect(deploy.to).toBeNull();
    expect(() => parseParams('eth_call', [{ from: ADDRESS }])).toThrow(/transaction must have 'to'/);
  });

  it('reads a log filter: one address or several, null wildcards, OR-lists, at most four positions', () => {
    const [f] = parseParams('eth_getLogs', [{ address: ADDRESS, topics: [HASH, null, [HASH, null]] }]);
    expect(f.addresses).toHaveLength(1);
    expect(f.topics).toEqual([[new Uint8Array(32).fill(0xab)], null, null]);
    expect(f.fromBlock).toEqual({ tag: 'latest' });
    expect(parseParams('eth_getLogs', [{ address: [] }])[0].addresses).toBeNull();
    expect(() => parseParams('eth_getLogs', [{ topics: [null, null, null, null, null] }])).toThrow(/exceed max topics/);
    expect(() => parseParams('eth_getLogs', [{ blockHash: HASH, fromBlock: '0x1' }])).toThrow(/cannot specify both/);
    expect(() => parseParams('eth_getLogs', [{ topics: ['0x12'] }])).toThrow(/each topic must be null, a 32-byte hash/);
  });
});
