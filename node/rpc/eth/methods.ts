import { encodeBlock, type Receipt, ReceiptStatus } from '../../codec/block.js';
import { emptyBloom } from '../../codec/bloom.js';
import { encodeCanonical } from '../../codec/canonical.js';
import { hexKey, toHex } from '../../codec/hex.js';
import { type Transaction, TxType, txHash, txSignature } from '../../codec/tx.js';
import { TxRejectCode, TxRejectedError } from '../../txpool/errors.js';
import { decodeRevertReason } from '../../vm/revert.js';
import { RpcError, RpcErrorCode } from '../errors.js';
import type { Handler, MethodContext, RpcBackend } from '../methods.js';
import { bloomMatches, type InstalledFilter, logMatches } from './filters.js';
import type { BlockRef, EthCall, LogCriteria } from './params.js';
import type { EthMethodName } from './schema.js';
import { blockLogs, type EthLogView, ethBlockView, ethReceiptView, ethTxView, qty, type TxPlace } from './views.js';

/** The limits of log queries and filters (node config `rpc`). */
export interface EthLimits {
  /** Most blocks one eth_getLogs (or one poll of a log filter) looks at (rpc.maxLogsBlockRange). */
  readonly maxLogsBlockRange: number;
  /** Most logs one answer carries (rpc.maxLogsPerResponse). */
  readonly maxLogsPerResponse: number;
}

/** Most blocks one eth_feeHistory covers (geth's cap). */
const MAX_FEE_HISTORY_BLOCKS = 1024;

function ethError(message: string, data?: unknown): RpcError {
  return new RpcError(RpcErrorCode.EthServerError, message, data);
}

function ethChainId(b: RpcBackend): number {
  return b.chain.ethereumChainId;
}

function hashOf(b: RpcBackend, tx: Transaction): Uint8Array {
  return txHash(b.suite, tx);
}

function senderOf(b: RpcBackend, tx: Transaction): Uint8Array | null {
  const { digest, signature } = txSignature(b.suite, tx);
  const pub = b.suite.recoverSigner(digest, signature);
  return pub ? b.suite.addressFromPublicKey(pub) : null;
}

/** A block reference as a height (which may be past the head), or null for an unknown hash. */
async function heightOf(b: RpcBackend, ref: BlockRef): Promise<number | null> {
  if ('tag' in ref) return ref.tag === 'earliest' ? 0 : b.chain.head.number;
  if ('number' in ref) return ref.number;
  return b.chain.getBlockNumberByHash(ref.hash);
}

/**
 * State reads (calls, code, nonces) see the head state only: the node keeps no older
 * state. Any reference to the head (a tag, its number or hash) is served; an older block
 * is refused rather than answered with newer state.
 */
async function requireHeadState(b: RpcBackend, ref: BlockRef): Promise<void> {
  const n = await heightOf(b, ref);
  const head = b.chain.head.number;
  if (n === null || n > head) throw ethError('header not found');
  if (n < head)
    throw ethError(`historical state is not available: this node serves the state of its head block (${head}) only`);
}

async function ethBlockAt(b: RpcBackend, n: number | null, full: boolean) {
  if (n === null) return null;
  const stored = await b.chain.getBlock(n);
  if (!stored) return null;
  const txs = stored.block.transactions;
  const txHashes = txs.map((t) => hashOf(b, t));
  const at = (index: number): TxPlace => ({ blockNumber: n, blockHash: stored.hash, index });
  const chainId = ethChainId(b);
  return ethBlockView(stored.block, {
    hash: stored.hash,
    txHashes,
    logsBloom: (await b.chain.getLogsBloom(n)) ?? emptyBloom(),
    gasLimit: Number(b.chain.systemConfigEntry('block_gas_limit')?.value ?? 0),
    size: encodeBlock(stored.block).length,
    transactions: full ? txs.map((t, i) => ethTxView(t, txHashes[i], senderOf(b, t), at(i), chainId)) : null,
  });
}

async function committed(b: RpcBackend, hash: Uint8Array) {
  const loc = await b.chain.getTxLocation(hash);
  if (!loc) return null;
  const stored = await b.chain.getBlock(loc.blockNumber);
  if (!stored) return null;
  const at: TxPlace = { blockNumber: loc.blockNumber, blockHash: stored.hash, index: loc.index };
  return { block: stored.block, tx: stored.block.transactions[loc.index], at };
}

/** The logs of blocks [from, to] that match, at most `limit` of them (past it: geth's error). */
async function logsIn(
  b: RpcBackend,
  criteria: Pick<LogCriteria, 'addresses' | 'topics'>,
  from: number,
  to: number,
  limit: number,
): Promise<EthLogView[]> {
  const out: EthLogView[] = [];
  for (const { number, bloom } of await b.chain.nonEmptyLogsBlooms(from, to)) {
    if (!bloomMatches(bloom, criteria)) continue;
    const [stored, receipts] = await Promise.all([b.chain.getBlock(number), b.chain.getReceipts(number)]);
    if (!stored || !receipts) continue;
    const txHashes = stored.block.transactions.map((t) => hashOf(b, t));
    for (const { log, view } of blockLogs(receipts, txHashes, number, stored.hash)) {
      if (!logMatches(log, criteria)) continue;
      if (out.length >= limit) throw ethError(`query returned more than ${limit} results (rpc.maxLogsPerResponse)`);
      out.push(view());
    }
  }
  return out;
}

async function getLogs(b: RpcBackend, c: LogCriteria, limits: EthLimits): Promise<EthLogView[]> {
  if (c.blockHash) {
    const n = await b.chain.getBlockNumberByHash(c.blockHash);
    if (n === null) throw ethError('unknown block');
    return logsIn(b, c, n, n, limits.maxLogsPerResponse);
  }
  const head = b.chain.head.number;
  const from = await heightOf(b, c.fromBlock);
  const to = Math.min((await heightOf(b, c.toBlock)) ?? head, head);
  if (from === null) throw ethError('unknown block');
  if (from > to) return from > head ? [] : Promise.reject(ethError('invalid block range params'));
  if (to - from + 1 > limits.maxLogsBlockRange)
    throw ethError(`exceed maximum block range: ${limits.maxLogsBlockRange} (rpc.maxLogsBlockRange)`);
  return logsIn(b, c, from, to, limits.maxLogsPerResponse);
}

/** What a filter has seen since its last poll; it moves on past what it answers. */
async function filterChanges(b: RpcBackend, f: InstalledFilter, limits: EthLimits): Promise<EthLogView[] | string[]> {
  const head = b.chain.head.number;
  if (f.kind === 'pending') return f.hashes.splice(0);
  // A client that polls seldom gets at most maxLogsBlockRange blocks a poll, the rest next time.
  const from = f.nextBlock;
  const to = Math.min(head, from + limits.maxLogsBlockRange - 1);
  if (from > to) return [];
  if (f.kind === 'blocks') {
    const hashes: string[] = [];
    for (let n = from; n <= to; n++) {
      const h = await b.chain.getBlockHash(n);
      if (h) hashes.push(toHex(h));
    }
    f.nextBlock = to + 1;
    return hashes;
  }
  const lo = Math.max(from, (await heightOf(b, f.criteria.fromBlock)) ?? from);
  const hi = Math.min(to, (await heightOf(b, f.criteria.toBlock)) ?? to);
  const logs = lo <= hi ? await logsIn(b, f.criteria, lo, hi, limits.maxLogsPerResponse) : [];
  f.nextBlock = to + 1;
  return logs;
}

/** A call's failure as geth answers it: a revert is code 3 with its data; the rest -32000. */
function callFailure(r: Receipt): RpcError {
  if (r.status === ReceiptStatus.Reverted || r.status === ReceiptStatus.SubCallFailed) {
    const reason = decodeRevertReason(r.output);
    return new RpcError(
      RpcErrorCode.ExecutionReverted,
      reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`,
      toHex(r.output),
    );
  }
  return ethError(r.message || 'execution failed');
}

/** No native coin: nothing can be paid, so a value is refused as geth refuses an unfunded one. */
function refuseValue(call: EthCall): void {
  if (call.value !== 0n) throw ethError('insufficient funds for gas * price + value');
}

async function runCall(b: RpcBackend, ctx: MethodContext, call: EthCall, block: BlockRef): Promise<Receipt> {
  await requireHeadState(b, block);
  refuseValue(call);
  if (call.to === null) throw ethError('eth_call cannot deploy on this node; eth_estimateGas simulates a deployment');
  const { receipt } = await ctx.calls.run(call.from, call.to, call.input);
  return receipt;
}

/**
 * geth's stopping rule for the search below: it ends once the bounds are within 1.5% of
 * the upper one, so an estimate is at most that much above the least gas that works.
 */
const ESTIMATE_ERROR_RATIO = 0.015;

/**
 * The gas an Ethereum transaction needs, found as geth finds it, over throwaway copies of
 * the head state (Chain.simulate: writes and deploys run, nothing is kept). The upper bound
 * is the call's `gas`, rpc.callGasLimit and tx_gas_limit, whichever is least. Most
 * transactions need exactly the gas they used, and one more run at that limit confirms it;
 * one that calls another contract may need more, since a caller keeps 1/64 of its gas back
 * from a callee (EIP-150), so the least limit that succeeds is searched for then (geth's
 * 64/63 guess first), within ESTIMATE_ERROR_RATIO. A transaction sent with the estimate as
 * its gas limit succeeds against the same state.
 */
async function estimateGas(b: RpcBackend, ctx: MethodContext, call: EthCall, block: BlockRef): Promise<number> {
  await requireHeadState(b, block);
  refuseValue(call);
  const txGasLimit = Number(b.chain.systemConfigEntry('tx_gas_limit')?.value ?? ctx.calls.gasCap);
  let hi = Math.min(ctx.calls.gasCap, txGasLimit);
  if (call.gas !== null && call.gas < BigInt(hi)) hi = Number(call.gas);
  const run = async (gas: number) => (await ctx.calls.simulate(call.from, call.to, call.input, gas)).receipt;
  const ok = async (gas: number) => (await run(gas)).status === ReceiptStatus.Success;

  const atCap = await run(hi);
  if (atCap.status === ReceiptStatus.OutOfGas) throw ethError(`gas required exceeds allowance (${hi})`);
  if (atCap.status !== ReceiptStatus.Success) throw callFailure(atCap);
  const used = atCap.gasUsed;
  if (used >= hi || (await ok(used))) return used;
  let lo = used;
  const optimistic = Math.ceil((used * 64) / 63);
  if (optimistic < hi) {
    if (await ok(optimistic)) hi = optimistic;
    else lo = optimistic;
  }
  while (hi - lo > 1 && (hi - lo) / hi >= ESTIMATE_ERROR_RATIO) {
    const mid = Math.floor((lo + hi) / 2);
    if (await ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

type EthHandlers = { readonly [M in EthMethodName]: Handler<M> };

/** eth_*, net_*, web3_*: params and results in eth/schema.ts; what differs, in docs/jsonrpc.md. */
export const ETH_METHODS: EthHandlers = {
  eth_chainId: (_p, b) => qty(ethChainId(b)),
  net_version: (_p, b) => String(ethChainId(b)),
  net_listening: () => true,
  net_peerCount: (_p, b) => qty(b.peers().length),
  web3_clientVersion: (_p, b) =>
    `Lingding/v${b.version}/${process.platform}-${process.arch}/node${process.versions.node}`,
  eth_blockNumber: (_p, b) => qty(b.chain.head.number),

  eth_getBlockByNumber: async ([ref, full], b) => ethBlockAt(b, await heightOf(b, ref), full),
  eth_getBlockByHash: async ([hash, full], b) => ethBlockAt(b, await b.chain.getBlockNumberByHash(hash), full),

  async eth_getBlockTransactionCountByNumber([ref], b) {
    const n = await heightOf(b, ref);
    const stored = n === null ? null : await b.chain.getBlock(n);
    return stored ? qty(stored.block.transactions.length) : null;
  },
  async eth_getBlockTransactionCountByHash([hash], b) {
    const n = await b.chain.getBlockNumberByHash(hash);
    const stored = n === null ? null : await b.chain.getBlock(n);
    return stored ? qty(stored.block.transactions.length) : null;
  },

  async eth_getTransactionByHash([hash], b) {
    const found = await committed(b, hash);
    if (found) return ethTxView(found.tx, hash, senderOf(b, found.tx), found.at, ethChainId(b));
    const pending = b.pool.get(hexKey(hash));
    return pending ? ethTxView(pending.tx, hash, pending.sender, null, ethChainId(b)) : null;
  },

  async eth_getTransactionReceipt([hash], b) {
    const found = await committed(b, hash);
    if (!found) return null;
    const receipts = await b.chain.getReceipts(found.at.blockNumber);
    if (!receipts?.[found.at.index]) return null;
    const txHashes = found.block.transactions.map((t) => hashOf(b, t));
    return ethReceiptView(receipts, txHashes, found.tx, senderOf(b, found.tx), found.at);
  },

  async eth_getTransactionCount([address, block], b) {
    await requireHeadState(b, block);
    // 'pending' is the nonce a wallet signs next: past the sender's transactions waiting in
    // the pool with no gap before them. Every other head reference reads the committed state.
    const pending = 'tag' in block && block.tag === 'pending';
    return qty(pending ? b.pool.pendingEthNonce(address) : b.chain.ethNonce(address));
  },

  async eth_sendRawTransaction([raw], b) {
    try {
      // The ledger's form of an Ethereum-signed transaction: [2, the signed bytes].
      const entry = await b.submitTransaction(encodeCanonical([TxType.Ethereum, raw]));
      return toHex(entry.hash);
    } catch (e) {
      // Tools match on geth's text ("nonce too low", "already known", …), which the pool's messages start with.
      if (!(e instanceof TxRejectedError)) throw e;
      // A committed Ethereum transaction sent again: its nonce is below the sender's, which
      // is what geth answers and what ethers (NONCE_EXPIRED) and viem (NonceTooLowError) read.
      if (e.code === TxRejectCode.AlreadyOnChain) throw ethError(`nonce too low: ${e.message}`, { reason: e.code });
      throw ethError(e.message, { reason: e.code });
    }
  },

  async eth_call([call, block], b, ctx) {
    const r = await runCall(b, ctx, call, block);
    if (r.status !== ReceiptStatus.Success) throw callFailure(r);
    return toHex(r.output);
  },

  eth_estimateGas: async ([call, block], b, ctx) => qty(await estimateGas(b, ctx, call, block)),

  eth_gasPrice: () => '0x0',
  eth_maxPriorityFeePerGas: () => '0x0',

  async eth_feeHistory([count, newest, percentiles], b) {
    const head = b.chain.head.number;
    const last = Math.min((await heightOf(b, newest)) ?? head, head);
    const n = Math.min(Number(count), MAX_FEE_HISTORY_BLOCKS, last + 1);
    if (n === 0) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [] };
    // No fee market: every base fee and reward is 0; the shape is Ethereum's (n + 1 base fees).
    return {
      oldestBlock: qty(last - n + 1),
      baseFeePerGas: Array.from({ length: n + 1 }, () => '0x0'),
      gasUsedRatio: Array.from({ length: n }, () => 0),
      ...(percentiles ? { reward: Array.from({ length: n }, () => percentiles.map(() => '0x0')) } : {}),
    };
  },

  eth_getBalance: () => '0x0',

  async eth_getCode([address, block], b) {
    await requireHeadState(b, block);
    const code = b.chain.contractCode(address);
    return code ? toHex(code.wasm) : '0x';
  },

  eth_getStorageAt() {
    throw ethError(
      "eth_getStorageAt is not supported: Lingding contract storage is keyed by byte strings, not 32-byte slots; read a contract's state through its view methods (eth_call)",
    );
  },

  eth_getLogs: ([criteria], b, ctx) => getLogs(b, criteria, ctx.eth),

  eth_newFilter: ([criteria], b, ctx) =>
    ctx.filters.install({ kind: 'logs', criteria, nextBlock: b.chain.head.number + 1 }),
  eth_newBlockFilter: (_p, b, ctx) => ctx.filters.install({ kind: 'blocks', nextBlock: b.chain.head.number + 1 }),
  eth_newPendingTransactionFilter: (_p, _b, ctx) => ctx.filters.install({ kind: 'pending', hashes: [] }),

  async eth_getFilterChanges([id], b, ctx) {
    const f = ctx.filters.poll(id);
    if (!f) throw ethError('filter not found');
    return filterChanges(b, f, ctx.eth);
  },

  async eth_getFilterLogs([id], b, ctx) {
    const f = ctx.filters.poll(id);
    if (f?.kind !== 'logs') throw ethError('filter not found');
    return getLogs(b, f.criteria, ctx.eth);
  },

  eth_uninstallFilter: ([id], _b, ctx) => ctx.filters.uninstall(id),

  eth_syncing(_p, b) {
    const s = b.syncStatus();
    if (!s.syncing) return false;
    return { startingBlock: '0x0', currentBlock: qty(s.blockNumber), highestBlock: qty(s.highestPeerBlock) };
  },

  eth_accounts: () => [],
};
