import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RpcError, RpcErrorCode } from './errors.js';
import { type MethodName, paramNames, parseParams, RPC_SCHEMA } from './schema.js';

const METHODS = Object.keys(RPC_SCHEMA) as MethodName[];

/** `### name` (or `### a / b`) headings of docs/jsonrpc.md, each with the parameter names of its `[...]` signature. */
function documentedMethods(): Map<string, string[]> {
  const text = readFileSync(new URL('../../docs/jsonrpc.md', import.meta.url), 'utf8');
  const methods = text.slice(text.indexOf('\n## Methods'));
  const out = new Map<string, string[]>();
  for (const section of methods.split('\n### ').slice(1)) {
    const [heading, ...body] = section.split('\n');
    const sig = /`(\[[^`]*\])`/.exec(body.join('\n'));
    if (!sig) throw new Error(`docs/jsonrpc.md: ${heading} has no \`[params]\` signature`);
    for (const name of heading.split(' / ')) out.set(name.trim(), signatureNames(sig[1]));
  }
  return out;
}

/** `[a: type, b?: { x: y }]` → ['a', 'b?']: top-level entries, each up to its ':'. */
function signatureNames(sig: string): string[] {
  const inner = sig.slice(1, -1).trim();
  if (!inner) return [];
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of inner) {
    if ('[{('.includes(ch)) depth++;
    if (']})'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.split(':')[0].trim());
}

function rejects(method: MethodName, params: unknown[]): string {
  try {
    parseParams(method, params);
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).rpcCode).toBe(RpcErrorCode.InvalidParams);
    return (e as RpcError).message;
  }
  throw new Error(`${method} accepted ${JSON.stringify(params)}`);
}

const HASH = `0x${'ab'.repeat(32)}`;
const ADDRESS = `0x${'12'.repeat(20)}`;

/** A valid params list for every method; each test below spoils one part of it. */
const VALID: { [M in MethodName]: unknown[] } = {
  getBlockNumber: [],
  getBlockByNumber: [1, true],
  getBlockByHash: [HASH, false],
  getBlockHashByNumber: ['latest'],
  getTransactionByHash: [HASH],
  getTransactionReceipt: [HASH],
  sendTransaction: ['0x00', true],
  call: [{ to: ADDRESS, data: '0x' }],
  getCode: [ADDRESS],
  getAbi: [ADDRESS],
  getPendingTxSize: [],
  getTotalTransactionCount: [],
  getSystemConfigByKey: ['tx_count_limit'],
  getTransactionProof: [HASH],
  getReceiptProof: [HASH],
  getNodeInfo: [],
  getSealerList: [],
  getObserverList: [],
  getCommittee: [],
  getProposal: [1],
  getProposals: [{ status: 'open', from: 5, count: 10 }],
  getPermissions: [],
  getPilot: [1],
  getPilots: [{ status: 'suspended', from: 5, count: 10 }],
  getConsensusStatus: [],
  getPbftView: [],
  getSyncStatus: [],
  getPeers: [],
  eth_chainId: [],
  net_version: [],
  net_listening: [],
  net_peerCount: [],
  web3_clientVersion: [],
  eth_blockNumber: [],
  eth_getBlockByNumber: ['latest', false],
  eth_getBlockByHash: [HASH, true],
  eth_getBlockTransactionCountByNumber: ['0x1'],
  eth_getBlockTransactionCountByHash: [HASH],
  eth_getTransactionByHash: [HASH],
  eth_getTransactionReceipt: [HASH],
  eth_getTransactionCount: [ADDRESS, 'pending'],
  eth_sendRawTransaction: ['0x02'],
  eth_call: [{ to: ADDRESS, data: '0x' }, 'latest'],
  eth_estimateGas: [{ from: ADDRESS, data: '0x00' }, { blockNumber: '0x1' }],
  eth_gasPrice: [],
  eth_maxPriorityFeePerGas: [],
  eth_feeHistory: ['0x4', 'latest', [25, 75]],
  eth_getBalance: [ADDRESS, 'latest'],
  eth_getCode: [ADDRESS, 'finalized'],
  eth_getStorageAt: [ADDRESS, '0x0', 'latest'],
  eth_getLogs: [{ fromBlock: '0x0', toBlock: 'latest', address: [ADDRESS], topics: [HASH, null, [HASH, HASH]] }],
  eth_newFilter: [{ address: ADDRESS }],
  eth_newBlockFilter: [],
  eth_newPendingTransactionFilter: [],
  eth_getFilterChanges: ['0x1f'],
  eth_getFilterLogs: ['0x1f'],
  eth_uninstallFilter: ['0x1f'],
  eth_syncing: [],
  eth_accounts: [],
  eth_subscribe: ['logs', { address: [ADDRESS], topics: [HASH, null, [HASH, HASH]] }],
  eth_unsubscribe: ['0x9cef478923ff08bf67fde6c64013158d'],
  subscribe: ['blocks'],
  unsubscribe: ['0x9cef478923ff08bf67fde6c64013158d'],
};

describe('docs/jsonrpc.md and the schema', () => {
  const documented = documentedMethods();

  it('documents every method of the schema, and only those', () => {
    expect([...documented.keys()].sort()).toEqual([...METHODS].sort());
  });

  it.each(METHODS)('documents the parameters of %s as the schema defines them', (m) => {
    expect(documented.get(m)).toEqual(paramNames(m));
  });

  it('names every parameter in the schema', () => {
    for (const m of METHODS) for (const n of paramNames(m)) expect(n, m).toMatch(/^[a-zA-Z]+\??$/);
  });
});

describe('params validation', () => {
  it.each(METHODS)('%s accepts its valid params, and its required ones alone', (m) => {
    expect(() => parseParams(m, VALID[m])).not.toThrow();
    const required = paramNames(m).filter((n) => !n.endsWith('?')).length;
    expect(() => parseParams(m, VALID[m].slice(0, required))).not.toThrow();
  });

  it.each(METHODS)('%s refuses one parameter too many, saying what it takes', (m) => {
    const msg = rejects(m, [...VALID[m], ...(VALID[m].length < paramNames(m).length ? [1, 1] : [1])].slice(0, 9));
    expect(msg).toContain(m);
    expect(msg).toMatch(/takes (no parameters|.*parameter)/);
  });

  it.each(METHODS.filter((m) => paramNames(m).length > 0))('%s refuses a wrong type for each parameter', (m) => {
    paramNames(m).forEach((name, i) => {
      const params = [...VALID[m]];
      params[i] = name.startsWith('include') || name.startsWith('wait') ? 'yes' : { not: 'this' };
      expect(rejects(m, params)).toContain(name.replace('?', ''));
    });
  });

  it.each(METHODS.filter((m) => paramNames(m).some((n) => !n.endsWith('?'))))('%s refuses missing params', (m) => {
    expect(rejects(m, [])).toMatch(/takes/);
  });

  it('parses the wire form into what the methods use', () => {
    expect(parseParams('getBlockByNumber', ['0x10'])).toEqual([16, false]);
    expect(parseParams('getBlockByNumber', ['42', null])).toEqual([42, false]);
    expect(parseParams('getBlockByNumber', ['latest', true])).toEqual(['latest', true]);
    const [hash] = parseParams('getTransactionByHash', [HASH]);
    expect(hash).toEqual(new Uint8Array(32).fill(0xab));
    const [req] = parseParams('call', [{ to: ADDRESS }]);
    expect(req.to).toHaveLength(20);
    expect(req.data).toBeUndefined();
  });

  it('gives clear messages naming the parameter', () => {
    expect(rejects('getTransactionByHash', ['0x1234'])).toBe('transactionHash must be 32 bytes, got 2');
    expect(rejects('getBlockByHash', ['0xabc'])).toBe('blockHash has an odd number of hex digits');
    expect(rejects('getBlockByNumber', [-1])).toBe(
      'blockNumber must be a non-negative integer, a 0x-hex quantity or "latest"',
    );
    expect(rejects('getBlockByNumber', [1.5])).toMatch(/^blockNumber must be/);
    expect(rejects('getBlockByNumber', [1, 'yes'])).toBe('includeTransactions must be true or false');
    expect(rejects('sendTransaction', [7])).toBe('signedTransaction must be a hex string');
    expect(rejects('call', ['0x12'])).toMatch(/^request must be an object/);
    expect(rejects('call', [{ to: '0x12' }])).toMatch(/to must be 20 bytes/);
    expect(rejects('call', [{ to: ADDRESS, from: 5 }])).toMatch(/from must be a hex string/);
    // A mixed-case address must carry a valid EIP-55 checksum.
    expect(rejects('getCode', [`0x${'aB'.repeat(20)}`])).toBe('address is not a valid address');
    expect(rejects('getSystemConfigByKey', [1])).toBe('key must be a string');
    expect(rejects('getBlockNumber', [1])).toBe('getBlockNumber takes no parameters, got 1');
    expect(rejects('getBlockByHash', [])).toBe(
      'getBlockByHash takes 1 to 2 parameters [blockHash, includeTransactions?], got 0',
    );
    expect(rejects('getCode', [])).toBe('getCode takes 1 parameter [address], got 0');
    expect(rejects('getProposal', [0])).toBe('id must be a proposal id (a positive integer)');
    expect(rejects('getProposals', [{ count: 101 }])).toBe('query: count must be 1..100');
    expect(rejects('getProposals', [{ status: 'done' }])).toMatch(/^query: status must be one of open, executed/);
    expect(parseParams('getProposals', [])).toEqual([{}]);
    expect(rejects('eth_subscribe', ['logs', { topics: ['0x12'] }])).toBe(
      'filter: each topic must be null, a 32-byte hex string or an array of them',
    );
    expect(rejects('eth_subscribe', ['logs', { address: 7 }])).toMatch(/^filter: /);
  });

  it('parses a log filter into lowercase hex, a null inside an OR-list matching any topic', () => {
    const upper = `0x${'AB'.repeat(32)}`;
    expect(parseParams('eth_subscribe', ['logs', { address: ADDRESS, topics: [upper, null, [HASH, null]] }])).toEqual([
      'logs',
      { addresses: [ADDRESS], topics: [[HASH], null, null] },
    ]);
    expect(parseParams('eth_subscribe', ['newHeads'])).toEqual(['newHeads']);
  });
});
