import { type Block, type Log, type Receipt, ReceiptStatus } from '../../codec/block.js';
import { logsBloom } from '../../codec/bloom.js';
import { toHex } from '../../codec/hex.js';
import { type Transaction, TxType } from '../../codec/tx.js';

/**
 * Ledger objects as Ethereum's JSON-RPC shows them (the execution-apis schemas): numbers
 * as 0x-hex quantities without leading zeros, bytes as 0x-hex data. What has no Lingding
 * counterpart has the value a chain without it would show (no uncles, no difficulty, no
 * base fee, no coin), documented in docs/jsonrpc.md.
 */

/** A quantity: 0x-hex, no leading zeros ("0x0" for zero). */
export function qty(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** Bytes read as a big-endian number, as a quantity (a signature's r and s). */
function bytesQty(b: Uint8Array): string {
  return qty(b.length === 0 ? 0n : BigInt(toHex(b)));
}

export const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
const ZERO_HASH = `0x${'00'.repeat(32)}`;
/** keccak256(rlp([])): the uncles hash of a block without uncles. */
export const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';

/** Where a committed transaction is. */
export interface TxPlace {
  readonly blockNumber: number;
  readonly blockHash: Uint8Array;
  readonly index: number;
}

/** Lingding headers keep milliseconds; Ethereum's timestamp is whole seconds. */
export function ethTimestamp(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * A transaction. An Ethereum-signed one shows its own fields. A native one has none of
 * them, so it is shown as a legacy transaction with nonce, gas price and value 0, its gas
 * limit, and v/r/s from its signature (ecdsa: r || s || recovery, v = 27 + recovery);
 * `lingdingNative: true` says it is one (its random nonce and blockLimit are in the native
 * getTransactionByHash).
 */
export function ethTxView(
  tx: Transaction,
  hash: Uint8Array,
  sender: Uint8Array | null,
  at: TxPlace | null,
  ethChainId: number,
) {
  const place = {
    blockHash: at ? toHex(at.blockHash) : null,
    blockNumber: at ? qty(at.blockNumber) : null,
    transactionIndex: at ? qty(at.index) : null,
    hash: toHex(hash),
  };
  const common = {
    from: sender ? toHex(sender) : ZERO_ADDRESS,
    to: tx.to ? toHex(tx.to) : null,
    input: toHex(tx.input),
    gas: qty(tx.gasLimit),
  };
  if (tx.type === TxType.Ethereum) {
    const typed = tx.ethType !== 0;
    return {
      ...place,
      type: qty(tx.ethType),
      nonce: qty(tx.nonce),
      ...common,
      value: qty(tx.value),
      // A 1559 transaction's gasPrice is what it paid: nothing, there is no fee.
      gasPrice: qty(tx.gasPrice ?? 0n),
      ...(tx.maxFeePerGas !== null ? { maxFeePerGas: qty(tx.maxFeePerGas) } : {}),
      ...(tx.maxPriorityFeePerGas !== null ? { maxPriorityFeePerGas: qty(tx.maxPriorityFeePerGas) } : {}),
      ...(typed ? { accessList: tx.accessList, yParity: qty(tx.yParity) } : {}),
      chainId: qty(tx.chainId),
      v: qty(tx.v),
      r: bytesQty(tx.r),
      s: bytesQty(tx.s),
      lingdingNative: false,
    };
  }
  const sig = tx.signature;
  return {
    ...place,
    type: '0x0',
    nonce: '0x0',
    ...common,
    value: '0x0',
    gasPrice: '0x0',
    chainId: qty(ethChainId),
    v: qty(27 + (sig[64] ?? 0)),
    r: bytesQty(sig.subarray(0, 32)),
    s: bytesQty(sig.subarray(32, 64)),
    lingdingNative: true,
  };
}
export type EthTxView = ReturnType<typeof ethTxView>;

/** A log at its place: `logIndex` counts logs across the whole block, as Ethereum does. */
export function ethLogView(log: Log, at: TxPlace, txHash: Uint8Array, logIndex: number) {
  return {
    address: toHex(log.address),
    topics: log.topics.map(toHex),
    data: toHex(log.data),
    blockNumber: qty(at.blockNumber),
    blockHash: toHex(at.blockHash),
    transactionHash: toHex(txHash),
    transactionIndex: qty(at.index),
    logIndex: qty(logIndex),
    removed: false,
  };
}
export type EthLogView = ReturnType<typeof ethLogView>;

/**
 * The logs of a block, each at its place, in order; `txHashes[i]` is transaction i's hash.
 * Ethereum numbers logs across the block, so every receipt before a log counts.
 */
export function blockLogs(
  receipts: readonly Receipt[],
  txHashes: readonly Uint8Array[],
  blockNumber: number,
  blockHash: Uint8Array,
): Array<{ log: Log; view: () => EthLogView }> {
  const out: Array<{ log: Log; view: () => EthLogView }> = [];
  let logIndex = 0;
  receipts.forEach((r, index) => {
    for (const log of r.logs) {
      const i = logIndex++;
      out.push({ log, view: () => ethLogView(log, { blockNumber, blockHash, index }, txHashes[index], i) });
    }
  });
  return out;
}

/**
 * A receipt. status is 1 for Lingding's Success and 0 for every failure (the reason is in
 * the native receipt); there is no coin, so effectiveGasPrice is 0.
 */
export function ethReceiptView(
  receipts: readonly Receipt[],
  txHashes: readonly Uint8Array[],
  tx: Transaction,
  sender: Uint8Array | null,
  at: TxPlace,
) {
  const r = receipts[at.index];
  let cumulative = 0;
  let firstLog = 0;
  for (let i = 0; i < at.index; i++) {
    cumulative += receipts[i].gasUsed;
    firstLog += receipts[i].logs.length;
  }
  cumulative += r.gasUsed;
  const txHash = txHashes[at.index];
  return {
    transactionHash: toHex(txHash),
    transactionIndex: qty(at.index),
    blockHash: toHex(at.blockHash),
    blockNumber: qty(at.blockNumber),
    from: sender ? toHex(sender) : ZERO_ADDRESS,
    to: tx.to ? toHex(tx.to) : null,
    cumulativeGasUsed: qty(cumulative),
    gasUsed: qty(r.gasUsed),
    effectiveGasPrice: '0x0',
    contractAddress: r.contractAddress ? toHex(r.contractAddress) : null,
    logs: r.logs.map((l, i) => ethLogView(l, at, txHash, firstLog + i)),
    logsBloom: toHex(logsBloom(r.logs)),
    type: tx.type === TxType.Ethereum ? qty(tx.ethType) : '0x0',
    status: r.status === ReceiptStatus.Success ? ('0x1' as const) : ('0x0' as const),
  };
}
export type EthReceiptView = ReturnType<typeof ethReceiptView>;

/** What a block view needs besides the block. */
export interface EthBlockExtras {
  readonly hash: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
  readonly logsBloom: Uint8Array;
  /** The block_gas_limit system config in force. */
  readonly gasLimit: number;
  /** Bytes of the block's canonical encoding. */
  readonly size: number;
  /** Full transaction views, or null for hashes only. */
  readonly transactions: EthTxView[] | null;
}

/**
 * A block. Timestamps are floored to seconds; PBFT has no miner, difficulty, uncles, nonce
 * or base fee, so those are zero / empty; the proposer and certificate are in the native
 * getBlockByNumber.
 */
export function ethBlockView(block: Block, x: EthBlockExtras) {
  const h = block.header;
  return {
    number: qty(h.number),
    hash: toHex(x.hash),
    parentHash: toHex(h.parentHash),
    nonce: '0x0000000000000000',
    mixHash: ZERO_HASH,
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: toHex(x.logsBloom),
    transactionsRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    receiptsRoot: toHex(h.receiptRoot),
    miner: ZERO_ADDRESS,
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: '0x',
    size: qty(x.size),
    gasLimit: qty(x.gasLimit),
    gasUsed: qty(h.gasUsed),
    timestamp: qty(ethTimestamp(h.timestamp)),
    baseFeePerGas: '0x0',
    transactions: x.transactions ?? x.txHashes.map(toHex),
    uncles: [] as string[],
  };
}
export type EthBlockView = ReturnType<typeof ethBlockView>;
