import { ethers } from 'ethers';
import type { Chain, ExecutedBlock } from '../chain/chain.js';
import { receiptLeaf } from '../chain/chain.js';
import { encodeTx, txSigningHash } from '../codec/tx.js';
import { fromHex, HexError, hexKey, toHex } from '../codec/hex.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { readSystemConfigEntry } from '../exec/system/index.js';
import { readStoredCode } from '../exec/wasm-vm.js';
import { merkleProof } from '../ledger/merkle.js';
import { TxRejectedError } from '../txpool/errors.js';
import type { PoolEntry, TxPool } from '../txpool/pool.js';
import { invalidParams, RpcError, RpcErrorCode } from './errors.js';
import { blockJson, receiptJson, STATUS_TEXT, txJson } from './json.js';

/** What the RPC needs from the node. */
export interface RpcBackend {
  readonly chain: Chain;
  readonly pool: TxPool;
  readonly engine: ConsensusEngine;
  readonly suite: CryptoSuite;
  readonly nodeId: Uint8Array;
  readonly role: 'sealer' | 'observer';
  readonly version: string;
  /** Admits a transaction to the pool and passes it on (engine, peers). */
  submitTransaction(raw: Uint8Array): Promise<PoolEntry>;
  /** Connected peers (empty for a node without networking). */
  peers(): Array<{ nodeId: string; address: string; direction: string }>;
  /** Block sync progress; for a node without networking, just its height. */
  syncStatus(): { blockNumber: number; highestPeerBlock: number; syncing: boolean };
  /** Resolves when the transaction is committed; rejects after `timeoutMs`. */
  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx>;
}

/** A transaction's place in a block just committed (still in memory). */
export interface CommittedTx {
  readonly executed: ExecutedBlock;
  readonly index: number;
}

export type RpcMethod = (params: unknown[], backend: RpcBackend) => unknown | Promise<unknown>;

const WAIT_TIMEOUT_MS = 60_000;

/** FISCO-style method names. Params are positional (JSON-RPC arrays). */
export const RPC_METHODS: Record<string, RpcMethod> = {
  getBlockNumber: (_p, b) => b.chain.head.number,

  async getBlockByNumber(p, b) {
    const n = blockNumberParam(p[0], b.chain.head.number);
    return blockByNumber(b, n, boolParam(p[1], 'includeTransactions', false));
  },

  async getBlockByHash(p, b) {
    const hash = hashParam(p[0], 'blockHash');
    const n = await b.chain.store.getBlockNumberByHash(hash);
    if (n === null) return null;
    return blockByNumber(b, n, boolParam(p[1], 'includeTransactions', false));
  },

  async getBlockHashByNumber(p, b) {
    const n = blockNumberParam(p[0], b.chain.head.number);
    const h = await b.chain.store.getBlockHash(n);
    return h ? toHex(h) : null;
  },

  async getTransactionByHash(p, b) {
    const hash = hashParam(p[0], 'transactionHash');
    const found = await committedTx(b, hash);
    if (found) return txJson(found.tx, hash, sender(b, found.tx), found.at);
    const pending = b.pool.get(hexKey(hash));
    return pending ? txJson(pending.tx, hash, pending.sender, null) : null;
  },

  async getTransactionReceipt(p, b) {
    const hash = hashParam(p[0], 'transactionHash');
    return receiptFor(b, hash);
  },

  async sendTransaction(p, b) {
    const raw = bytesParam(p[0], 'signedTransaction');
    const wait = boolParam(p[1], 'waitForReceipt', false);
    let entry: PoolEntry;
    try {
      entry = await b.submitTransaction(raw);
    } catch (e) {
      if (e instanceof TxRejectedError) throw new RpcError(RpcErrorCode.TxRejected, e.message, { reason: e.code });
      throw e;
    }
    if (!wait) return { transactionHash: toHex(entry.hash) };
    let committed: CommittedTx;
    try {
      committed = await b.waitForCommit(entry.hashHex, WAIT_TIMEOUT_MS);
    } catch {
      throw new RpcError(
        RpcErrorCode.Timeout,
        `transaction ${toHex(entry.hash)} was not committed within ${WAIT_TIMEOUT_MS} ms; it may still be`,
        {
          transactionHash: toHex(entry.hash),
        },
      );
    }
    // Built from the block in memory: re-reading a large block from disk for each of its
    // transactions would make a batch of waits quadratic.
    const { executed, index } = committed;
    const at = { blockNumber: executed.block.header.number, blockHash: executed.hash, index };
    return receiptJson(executed.receipts[index], entry.hash, at, entry.tx, entry.sender);
  },

  call(p, b) {
    const req = p[0];
    if (typeof req !== 'object' || req === null || Array.isArray(req))
      throw invalidParams('call expects an object {to, data, from?}');
    const r = req as Record<string, unknown>;
    const to = addressParam(r.to, 'to');
    const from = r.from === undefined ? new Uint8Array(20) : addressParam(r.from, 'from');
    const data = r.data === undefined ? new Uint8Array() : bytesParam(r.data, 'data');
    const out = b.chain.call(from, to, data);
    return {
      status: out.status,
      statusText: STATUS_TEXT[out.status],
      output: toHex(out.output),
      message: out.message,
      gasUsed: out.gasUsed,
      blockNumber: b.chain.head.number,
    };
  },

  getCode(p, b) {
    const stored = readStoredCode(b.chain.state, addressParam(p[0], 'address'));
    return stored ? toHex(stored.wasm) : null;
  },

  getAbi(p, b) {
    const stored = readStoredCode(b.chain.state, addressParam(p[0], 'address'));
    return stored ? stored.abi : null;
  },

  getPendingTxSize: (_p, b) => b.pool.size,

  getTotalTransactionCount: (_p, b) => ({ blockNumber: b.chain.head.number, txSum: b.chain.head.totalTxs }),

  getSystemConfigByKey(p, b) {
    if (typeof p[0] !== 'string') throw invalidParams('key must be a string');
    const e = readSystemConfigEntry(b.chain.state, p[0], b.chain.head.number + 1);
    if (!e) throw new RpcError(RpcErrorCode.NotFound, `unknown system config key '${p[0]}'`);
    return { value: e.value, blockNumber: e.enableNumber };
  },

  async getTransactionProof(p, b) {
    const hash = hashParam(p[0], 'transactionHash');
    const found = await committedTx(b, hash);
    if (!found) return null;
    const hashes = found.block.transactions.map((t) => b.suite.hash(encodeTx(t)));
    const proof = merkleProof(hashFn(b), hashes, found.at.index);
    return {
      blockNumber: found.at.blockNumber,
      blockHash: toHex(found.at.blockHash),
      root: toHex(found.block.header.txRoot),
      leaf: toHex(hash),
      transaction: toHex(encodeTx(found.tx)),
      proof: proofJson(proof),
    };
  },

  async getReceiptProof(p, b) {
    const hash = hashParam(p[0], 'transactionHash');
    const found = await committedTx(b, hash);
    if (!found) return null;
    const receipts = (await b.chain.store.getReceipts(found.at.blockNumber))!;
    const hashes = found.block.transactions.map((t) => b.suite.hash(encodeTx(t)));
    const leaves = receipts.map((r, i) => receiptLeaf(hashes[i], r));
    const proof = merkleProof(hashFn(b), leaves, found.at.index);
    return {
      blockNumber: found.at.blockNumber,
      blockHash: toHex(found.at.blockHash),
      root: toHex(found.block.header.receiptRoot),
      leaf: toHex(leaves[found.at.index]),
      proof: proofJson(proof),
    };
  },

  getNodeInfo: (_p, b) => ({
    nodeId: toHex(b.nodeId).slice(2),
    role: b.role,
    chainId: b.chain.genesis.chainId,
    cryptoSuite: b.suite.name,
    genesisHash: toHex(b.chain.genesisHash),
    blockNumber: b.chain.head.number,
    consensus: b.engine.name,
    version: b.version,
  }),

  getSealerList: (_p, b) =>
    b.chain
      .consensusNodes()
      .filter((n) => n.role === 'sealer')
      .map((n) => ({ nodeId: hexKey(n.nodeId) })),

  getObserverList: (_p, b) =>
    b.chain
      .consensusNodes()
      .filter((n) => n.role === 'observer')
      .map((n) => ({ nodeId: hexKey(n.nodeId), regulator: n.regulator })),

  getConsensusStatus: (_p, b) => b.engine.status(),

  getPbftView: (_p, b) => {
    const s = b.engine.status();
    if (b.engine.name !== 'pbft')
      throw new RpcError(RpcErrorCode.NotFound, `this node runs the '${b.engine.name}' engine, not pbft`);
    return { height: s.height, view: s.view, phase: s.phase, leader: s.leader, leaderNodeId: s.leaderNodeId };
  },

  getSyncStatus: (_p, b) => b.syncStatus(),

  getPeers: (_p, b) => b.peers(),
};

function hashFn(b: RpcBackend) {
  return (x: Uint8Array) => b.suite.hash(x);
}

function proofJson(p: { index: number; leafCount: number; siblings: Uint8Array[] }) {
  return { index: p.index, leafCount: p.leafCount, siblings: p.siblings.map(toHex) };
}

async function blockByNumber(b: RpcBackend, n: number, full: boolean) {
  const stored = await b.chain.store.getBlock(n);
  if (!stored) return null;
  const txHashes = stored.block.transactions.map((t) => b.suite.hash(encodeTx(t)));
  const senders = full ? stored.block.transactions.map((t) => sender(b, t) ?? new Uint8Array(20)) : undefined;
  return blockJson(stored.block, stored.hash, stored.certificate, txHashes, full, senders);
}

async function committedTx(b: RpcBackend, hash: Uint8Array) {
  const loc = await b.chain.store.getTxLocation(hash);
  if (!loc) return null;
  const stored = await b.chain.store.getBlock(loc.blockNumber);
  if (!stored) return null;
  const tx = stored.block.transactions[loc.index];
  return { tx, block: stored.block, at: { blockNumber: loc.blockNumber, blockHash: stored.hash, index: loc.index } };
}

async function receiptFor(b: RpcBackend, hash: Uint8Array) {
  const found = await committedTx(b, hash);
  if (!found) return null;
  const receipts = await b.chain.store.getReceipts(found.at.blockNumber);
  const r = receipts?.[found.at.index];
  if (!r) return null;
  return receiptJson(r, hash, found.at, found.tx, sender(b, found.tx));
}

function sender(b: RpcBackend, tx: Parameters<typeof txSigningHash>[1] & { signature: Uint8Array }): Uint8Array | null {
  const pub = b.suite.recoverSigner(txSigningHash(b.suite, tx), tx.signature);
  return pub ? b.suite.addressFromPublicKey(pub) : null;
}

// --- parameter parsing: each failure is an InvalidParams error naming the parameter ---

function bytesParam(v: unknown, name: string): Uint8Array {
  try {
    return fromHex(v, name);
  } catch (e) {
    if (e instanceof HexError) throw invalidParams(e.message);
    throw e;
  }
}

function hashParam(v: unknown, name: string): Uint8Array {
  try {
    return fromHex(v, name, 32);
  } catch (e) {
    if (e instanceof HexError) throw invalidParams(e.message);
    throw e;
  }
}

function addressParam(v: unknown, name: string): Uint8Array {
  if (typeof v === 'string' && v.length === 42 && !ethers.isAddress(v))
    throw invalidParams(`${name} is not a valid address`);
  try {
    return fromHex(v, name, 20);
  } catch (e) {
    if (e instanceof HexError) throw invalidParams(e.message);
    throw e;
  }
}

function boolParam(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw invalidParams(`${name} must be true or false`);
  return v;
}

function blockNumberParam(v: unknown, latest: number): number {
  if (v === 'latest') return latest;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,13}|[0-9]{1,15})$/.test(v)) return Number(v);
  throw invalidParams('block number must be a non-negative integer, a 0x-hex quantity or "latest"');
}
