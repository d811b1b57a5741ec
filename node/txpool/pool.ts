import { CodecError } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import { decodeTx, txSigningHash, type Transaction } from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { intrinsicGas } from '../exec/gas.js';
import { TxRejectCode, TxRejectedError } from './errors.js';

export interface PoolEntry {
  readonly tx: Transaction;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly sender: Uint8Array;
  readonly senderHex: string;
  readonly nonceHex: string;
  readonly size: number;
}

export interface TxPoolOptions {
  readonly chainId: string;
  /** A transaction's blockLimit must be in (height, height + blockLimitWindow]. */
  readonly blockLimitWindow: number;
  readonly maxTxBytes: number;
  readonly maxCount: number;
  readonly maxBytes: number;
  readonly maxPerSender: number;
}

export const DEFAULT_POOL_OPTIONS: Omit<TxPoolOptions, 'chainId' | 'blockLimitWindow'> = {
  maxTxBytes: 1_100_000,
  maxCount: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxPerSender: 20_000,
};

/** What the pool needs to know about the chain. */
export interface PoolChainView {
  height(): number;
  /** The tx_gas_limit in force for the next block. */
  txGasLimit(): number;
  /** True if this nonce is on chain within the replay window. */
  nonceOnChain(nonceHex: string): boolean;
  txOnChain(hash: Uint8Array): boolean;
}

/**
 * Pending transactions, in arrival order. Admission does every check that does not need
 * execution — including the signature, whose recovered sender is cached so a block is
 * never re-verified by the node that admitted its transactions.
 */
export class TxPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly nonces = new Set<string>();
  private readonly perSender = new Map<string, number>();
  private totalBytes = 0;

  constructor(
    private readonly opts: TxPoolOptions,
    private readonly deps: { suite: CryptoSuite; chain: PoolChainView },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hashHex: string): boolean {
    return this.entries.has(hashHex);
  }

  /** Checks and admits an encoded transaction; throws TxRejectedError with a code. */
  add(raw: Uint8Array): PoolEntry {
    const entry = this.check(raw);
    this.admit(entry);
    return entry;
  }

  /**
   * Full admission check without admitting. Exposed for transactions that arrive in a
   * proposal from another node.
   */
  check(raw: Uint8Array): PoolEntry {
    const { opts } = this;
    if (raw.length > opts.maxTxBytes) throw new TxRejectedError(TxRejectCode.TooLarge, `transaction is ${raw.length} bytes; the limit is ${opts.maxTxBytes}`);
    let tx: Transaction;
    try {
      tx = decodeTx(raw);
    } catch (e) {
      const msg = e instanceof CodecError ? e.message : String(e);
      throw new TxRejectedError(TxRejectCode.Malformed, `malformed transaction: ${msg}`);
    }
    if (tx.chainId !== opts.chainId) throw new TxRejectedError(TxRejectCode.WrongChain, `transaction is for chain '${tx.chainId}', this chain is '${opts.chainId}'`);
    const height = this.deps.chain.height();
    if (tx.blockLimit <= height) throw new TxRejectedError(TxRejectCode.BlockLimitExpired, `blockLimit ${tx.blockLimit} has expired: chain height is ${height}`);
    if (tx.blockLimit > height + opts.blockLimitWindow) {
      throw new TxRejectedError(TxRejectCode.BlockLimitTooFar, `blockLimit ${tx.blockLimit} is more than ${opts.blockLimitWindow} blocks above the chain height ${height}`);
    }
    const txGasLimit = this.deps.chain.txGasLimit();
    if (tx.gasLimit > txGasLimit) throw new TxRejectedError(TxRejectCode.GasLimitTooHigh, `gasLimit ${tx.gasLimit} exceeds tx_gas_limit ${txGasLimit}`);
    const minGas = intrinsicGas(tx.input.length);
    if (tx.gasLimit < minGas) throw new TxRejectedError(TxRejectCode.GasLimitTooLow, `gasLimit ${tx.gasLimit} is below the intrinsic cost ${minGas}`);
    const hash = this.deps.suite.hash(raw);
    const hashHex = hexKey(hash);
    if (this.entries.has(hashHex)) throw new TxRejectedError(TxRejectCode.AlreadyKnown, `transaction 0x${hashHex} is already in the pool`);
    if (this.deps.chain.txOnChain(hash)) throw new TxRejectedError(TxRejectCode.AlreadyOnChain, `transaction 0x${hashHex} is already on chain`);
    const nonceHex = hexKey(tx.nonce);
    if (this.nonces.has(nonceHex) || this.deps.chain.nonceOnChain(nonceHex)) {
      throw new TxRejectedError(TxRejectCode.NonceReused, `nonce 0x${nonceHex} was already used`);
    }
    const pub = this.deps.suite.recoverSigner(txSigningHash(this.deps.suite, tx), tx.signature);
    if (!pub) throw new TxRejectedError(TxRejectCode.BadSignature, 'signature is invalid');
    const sender = this.deps.suite.addressFromPublicKey(pub);
    return { tx, hash, hashHex, sender, senderHex: hexKey(sender), nonceHex, size: raw.length };
  }

  private admit(e: PoolEntry): void {
    const { opts } = this;
    if (this.entries.size >= opts.maxCount) throw new TxRejectedError(TxRejectCode.PoolFull, `transaction pool is full (${opts.maxCount} transactions)`);
    if (this.totalBytes + e.size > opts.maxBytes) throw new TxRejectedError(TxRejectCode.PoolFull, `transaction pool is full (${opts.maxBytes} bytes)`);
    const n = this.perSender.get(e.senderHex) ?? 0;
    if (n >= opts.maxPerSender) {
      throw new TxRejectedError(TxRejectCode.SenderQuota, `sender 0x${e.senderHex} already has ${n} pending transactions (limit ${opts.maxPerSender})`);
    }
    this.entries.set(e.hashHex, e);
    this.nonces.add(e.nonceHex);
    this.perSender.set(e.senderHex, n + 1);
    this.totalBytes += e.size;
  }

  /** Up to `max` pending transactions in arrival order, left in the pool. */
  pending(max: number): PoolEntry[] {
    const out: PoolEntry[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= max) break;
      out.push(e);
    }
    return out;
  }

  get(hashHex: string): PoolEntry | undefined {
    return this.entries.get(hashHex);
  }

  /** Drops transactions now on chain and those whose blockLimit has passed. */
  onBlockCommitted(includedHashHex: readonly string[], height: number): { removed: number; expired: number } {
    let removed = 0;
    for (const h of includedHashHex) if (this.remove(h)) removed++;
    let expired = 0;
    for (const e of [...this.entries.values()]) {
      if (e.tx.blockLimit <= height) {
        this.remove(e.hashHex);
        expired++;
      }
    }
    return { removed, expired };
  }

  private remove(hashHex: string): boolean {
    const e = this.entries.get(hashHex);
    if (!e) return false;
    this.entries.delete(hashHex);
    this.nonces.delete(e.nonceHex);
    const n = (this.perSender.get(e.senderHex) ?? 1) - 1;
    if (n <= 0) this.perSender.delete(e.senderHex);
    else this.perSender.set(e.senderHex, n);
    this.totalBytes -= e.size;
    return true;
  }
}

