import { CodecError } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import {
  decodeTx,
  TxType,
  txHash,
  txSignature,
  type EthTx,
  type LingdingTx,
  type PrivateTx,
  type Transaction,
} from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import type { PhaseTimer } from '../metrics/cpu-clock.js';
import type { AdmissionRefusal, Chain } from '../chain/chain.js';
import { replayKeyOfHex } from '../chain/nonce-window.js';
import { txIntrinsicGas } from '../exec/gas.js';
import { TxRejectCode, TxRejectedError } from './errors.js';

export interface PoolEntry {
  readonly tx: Transaction;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly sender: Uint8Array;
  readonly senderHex: string;
  readonly nonceHex: string;
  /** Sender + nonce: what replay protection keys on (see replayKey). */
  readonly replayKey: string;
  readonly size: number;
  /** Local clock at admission (never used by consensus): how long it has been waiting. */
  readonly admittedAt: number;
}

interface Prechecked {
  readonly tx: Transaction;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly nonceHex: string;
  readonly size: number;
  /** What recovers the sender (txSignature). */
  readonly signed: { readonly digest: Uint8Array; readonly signature: Uint8Array };
}

/** A submission waiting for the end of its turn (see TxPool.submit). */
interface Arrival {
  readonly raw: Uint8Array;
  readonly resolve: (entry: PoolEntry) => void;
  readonly reject: (err: unknown) => void;
}

export interface TxPoolOptions {
  readonly chainId: string;
  /** The EIP-155 chain id Ethereum-signed transactions must name. */
  readonly ethereumChainId: number;
  /** How far above a sender's next pending Ethereum nonce a transaction is held (else "nonce too high"). */
  readonly maxEthNonceGap: number;
  /** A transaction's blockLimit must be in (height, height + blockLimitWindow]. */
  readonly blockLimitWindow: number;
  readonly maxTxBytes: number;
  readonly maxCount: number;
  readonly maxBytes: number;
  readonly maxPerSender: number;
  /** A transaction pending longer than this is evicted by a timer, whether or not blocks commit. */
  readonly pendingTtlMs: number;
}

/** Why a transaction left the pool without being committed (the label of the evictions metric). */
export const EvictReason = {
  /** Pending longer than pendingTtlMs. */
  PendingTtl: 'PENDING_TTL',
  /** Its blockLimit passed when a block committed. */
  BlockLimit: 'BLOCK_LIMIT_EXPIRED',
} as const;
export type EvictReasonValue = (typeof EvictReason)[keyof typeof EvictReason];

const REFUSAL_CODES = {
  account: TxRejectCode.AccountFrozen,
  deploy: TxRejectCode.DeployNotAllowed,
  pilot: TxRejectCode.PilotInactive,
} as const satisfies Record<AdmissionRefusal['code'], string>;

/** What the pool needs to know about the chain. */
export interface PoolChainView {
  height(): number;
  /** The tx_gas_limit in force for the next block. */
  txGasLimit(): number;
  /** The block_bytes_limit in force for the next block. */
  blockBytesLimit(): number;
  /** True if a transaction with this replay key (sender + nonce) is on chain within the replay window. */
  nonceOnChain(replayKey: string): boolean;
  txOnChain(hash: Uint8Array): boolean;
  /** Why the sender may not send this now (frozen account, deploy outside the allow-list, an inactive pilot's contract), or null. */
  admissionRefusal(sender: Uint8Array, to: Uint8Array | null): AdmissionRefusal | null;
  /** The sender's next Ethereum-type nonce in the head state. */
  ethNonce(address: Uint8Array): number;
  /** Why a private record (type 3) of `sender` cannot ride in the next block, or null (node/exec/private-record.ts). */
  privateRecordRefusal(tx: PrivateTx, sender: Uint8Array): string | null;
}

/** The pool's view of a real chain: what the node wires, and what tests over a real Chain use. */
export function poolChainViewOf(chain: Chain): PoolChainView {
  return {
    height: () => chain.head.number,
    txGasLimit: () => chain.systemConfig().txGasLimit,
    blockBytesLimit: () => chain.systemConfig().blockBytesLimit,
    nonceOnChain: (n) => chain.nonceOnChain(n),
    txOnChain: (h) => chain.txOnChain(h),
    admissionRefusal: (sender, to) => chain.admissionRefusal(sender, to),
    ethNonce: (address) => chain.ethNonce(address),
    privateRecordRefusal: (tx, sender) => chain.privateRecordRefusal(tx, sender),
  };
}

/**
 * Pending transactions, in arrival order. Admission does every check that does not need
 * execution — including the signature, whose recovered sender is cached so a block is
 * never re-verified by the node that admitted its transactions.
 */
export class TxPool {
  private readonly entries = new Map<string, PoolEntry>();
  /** Replay keys (sender + nonce) of the pending transactions. */
  private readonly nonces = new Set<string>();
  private readonly perSender = new Map<string, number>();
  /** Pending Ethereum transactions by sender (hex) and nonce: held out of order, handed out in order. */
  private readonly ethBySender = new Map<string, Map<number, PoolEntry>>();
  /** Hashes of transactions whose signatures are being checked right now. */
  private readonly reservedHashes = new Set<string>();
  /** Submissions of this turn not yet checked (see submit). */
  private arrivals: Arrival[] = [];
  private totalBytes = 0;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: TxPoolOptions,
    private readonly deps: {
      suite: CryptoSuite;
      chain: PoolChainView;
      recovery?: SignatureRecoveryPool;
      /** Told of each transaction evicted without being committed (the node counts them). */
      onEvicted?: (reason: EvictReasonValue, count: number) => void;
      /** Told of each transaction admitted (the RPC's newPendingTransactions subscriptions). */
      onAdmitted?: (entry: PoolEntry) => void;
      /** Counts admission toward the node's CPU breakdown. */
      cpu?: PhaseTimer;
    },
  ) {}

  /**
   * Evicts transactions pending longer than pendingTtlMs, checked a few times per TTL. Without
   * it a pool only drains when blocks commit: transactions no block takes (or a chain that
   * stopped committing) would hold the pool's capacity for good.
   */
  startExpiry(): void {
    if (this.expiryTimer) return;
    const every = Math.max(250, Math.min(Math.floor(this.opts.pendingTtlMs / 4), 30_000));
    this.expiryTimer = setInterval(() => this.evictOlderThan(Date.now() - this.opts.pendingTtlMs), every);
    this.expiryTimer.unref();
  }

  close(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Evicts every transaction admitted before `cutoff` (local clock); returns how many. */
  evictOlderThan(cutoff: number): number {
    let evicted = 0;
    // Arrival order is admission order, the oldest first (a clock stepped back only delays
    // an eviction to the next sweep after the entries ahead of it go).
    for (const e of [...this.entries.values()]) {
      if (e.admittedAt >= cutoff) break;
      this.remove(e.hashHex);
      evicted++;
    }
    if (evicted > 0) this.deps.onEvicted?.(EvictReason.PendingTtl, evicted);
    return evicted;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hashHex: string): boolean {
    return this.entries.has(hashHex);
  }

  /** Checks and admits an encoded transaction, recovering its signer inline. */
  add(raw: Uint8Array): PoolEntry {
    return this.timed(() => this.addNow(raw));
  }

  private addNow(raw: Uint8Array): PoolEntry {
    const pre = this.precheck(raw);
    const entry = this.withSender(pre, this.deps.suite.recoverSigner(pre.signed.digest, pre.signed.signature));
    this.checkReplay(entry);
    this.admit(entry);
    return entry;
  }

  /**
   * Checks and admits an encoded transaction with the signature recovered on the
   * recovery pool's worker threads. Rejects with TxRejectedError.
   *
   * Submissions of one turn (an RPC batch, a gossiped batch) are handled together: checked
   * in one go at the end of the turn, recovered as one batch, and admitted in one go once
   * their signers are known, in the order they came. Each go is one 'admission' section of
   * the CPU clock, not two per transaction.
   */
  async submit(raw: Uint8Array): Promise<PoolEntry> {
    const recovery = this.deps.recovery;
    if (!recovery) return this.add(raw);
    return new Promise((resolve, reject) => {
      this.arrivals.push({ raw, resolve, reject });
      if (this.arrivals.length === 1) queueMicrotask(() => this.checkArrivals(recovery));
    });
  }

  private checkArrivals(recovery: SignatureRecoveryPool): void {
    const arrivals = this.arrivals;
    this.arrivals = [];
    const checked: Array<{ readonly pre: Prechecked; readonly arrival: Arrival }> = [];
    this.timed(() => {
      for (const arrival of arrivals) {
        try {
          const pre = this.precheck(arrival.raw);
          // Reserve the hash so that a duplicate arriving while this one is being verified
          // is refused as a duplicate. The replay key needs the sender, so it is checked after.
          this.reservedHashes.add(pre.hashHex);
          checked.push({ pre, arrival });
        } catch (e) {
          arrival.reject(e);
        }
      }
    });
    if (checked.length === 0) return;
    recovery.recoverAll(checked.map((c) => c.pre.signed)).then(
      (pubs) =>
        this.timed(() => {
          for (let i = 0; i < checked.length; i++) {
            const { pre, arrival } = checked[i];
            this.reservedHashes.delete(pre.hashHex);
            try {
              const entry = this.withSender(pre, pubs[i]);
              this.checkReplay(entry);
              this.admit(entry);
              arrival.resolve(entry);
            } catch (e) {
              arrival.reject(e);
            }
          }
        }),
      (err) => {
        for (const { pre, arrival } of checked) {
          this.reservedHashes.delete(pre.hashHex);
          arrival.reject(err);
        }
      },
    );
  }

  private timed<T>(fn: () => T): T {
    return this.deps.cpu ? this.deps.cpu.run('admission', fn) : fn();
  }

  /**
   * Full admission check without admitting (signature included). Exposed for
   * transactions that arrive in a proposal from another node.
   */
  check(raw: Uint8Array): PoolEntry {
    const pre = this.precheck(raw);
    const entry = this.withSender(pre, this.deps.suite.recoverSigner(pre.signed.digest, pre.signed.signature));
    this.checkReplay(entry);
    return entry;
  }

  /**
   * Replay protection keys on the sender and the nonce: only the key's owner can use up a
   * nonce of theirs, so nobody can censor a pending transaction by taking its nonce first.
   */
  private checkReplay(e: PoolEntry): void {
    const refused = this.deps.chain.admissionRefusal(e.sender, e.tx.to);
    if (refused) throw new TxRejectedError(REFUSAL_CODES[refused.code], refused.message);
    if (e.tx.type === TxType.Private) {
      const problem = this.deps.chain.privateRecordRefusal(e.tx, e.sender);
      if (problem) throw new TxRejectedError(TxRejectCode.PrivateRecordRefused, problem);
    }
    if (e.tx.type === TxType.Ethereum) return this.checkEthNonce(e, e.tx.nonce);
    // A committed native transaction is caught here too, by its nonce: precheck refused it
    // if its blockLimit has passed, so it was committed within the replay window, which the
    // chain's nonce window covers. The ledger's index (a LevelDB read) is asked only then,
    // to tell the sender it is the very same transaction. (A committed Ethereum transaction
    // is refused by its nonce, "nonce too low", as geth does.)
    if (this.deps.chain.nonceOnChain(e.replayKey) && this.deps.chain.txOnChain(e.hash))
      throw new TxRejectedError(TxRejectCode.AlreadyOnChain, `transaction 0x${e.hashHex} is already on chain`);
    if (this.nonces.has(e.replayKey) || this.deps.chain.nonceOnChain(e.replayKey))
      throw new TxRejectedError(
        TxRejectCode.NonceReused,
        `nonce 0x${e.nonceHex} was already used by sender 0x${e.senderHex}`,
      );
  }

  /**
   * Ethereum's nonce rules, with geth's words (ethers and viem map them to their error
   * codes): used nonces are "too low"; one pending already cannot be replaced (gas prices
   * are ignored, so nothing outbids it); a nonce far past the sender's next is "too high".
   */
  private checkEthNonce(e: PoolEntry, nonce: number): void {
    const next = this.deps.chain.ethNonce(e.sender);
    if (nonce < next)
      throw new TxRejectedError(TxRejectCode.NonceTooLow, `nonce too low: next nonce ${next}, tx nonce ${nonce}`);
    if (this.nonces.has(e.replayKey))
      throw new TxRejectedError(
        TxRejectCode.ReplacementUnderpriced,
        `replacement transaction underpriced: sender 0x${e.senderHex} already has nonce ${nonce} pending, and gas prices are ignored`,
      );
    const pendingNext = this.pendingEthNonce(e.sender);
    if (nonce > pendingNext + this.opts.maxEthNonceGap)
      throw new TxRejectedError(
        TxRejectCode.NonceTooHigh,
        `nonce too high: next nonce ${pendingNext}, tx nonce ${nonce} (at most ${this.opts.maxEthNonceGap} ahead are held)`,
      );
  }

  /** The sender's next Ethereum nonce counting its pending transactions that are ready (no gap before them). */
  pendingEthNonce(address: Uint8Array): number {
    let n = this.deps.chain.ethNonce(address);
    const held = this.ethBySender.get(hexKey(address));
    while (held?.has(n)) n++;
    return n;
  }

  private withSender(pre: Prechecked, pub: Uint8Array | null): PoolEntry {
    if (!pub) throw new TxRejectedError(TxRejectCode.BadSignature, 'signature is invalid');
    const sender = this.deps.suite.addressFromPublicKey(pub);
    const { tx, hash, hashHex, nonceHex, size } = pre;
    const senderHex = hexKey(sender);
    return {
      tx,
      hash,
      hashHex,
      sender,
      senderHex,
      nonceHex,
      // Ethereum nonces are numbers, native ones 32 bytes: the two kinds of key never meet.
      replayKey: tx.type === TxType.Ethereum ? `${senderHex}#${tx.nonce}` : replayKeyOfHex(senderHex, nonceHex),
      size,
      admittedAt: Date.now(),
    };
  }

  /** Every check that does not need the signature. */
  private precheck(raw: Uint8Array): Prechecked {
    const { opts } = this;
    if (raw.length > opts.maxTxBytes)
      throw new TxRejectedError(
        TxRejectCode.TooLarge,
        `transaction is ${raw.length} bytes; the limit is ${opts.maxTxBytes}`,
      );
    const blockBytesLimit = this.deps.chain.blockBytesLimit();
    // Admitted, it would wait until it expired: no leader could put it in a block.
    if (raw.length > blockBytesLimit)
      throw new TxRejectedError(
        TxRejectCode.LargerThanBlock,
        `transaction is ${raw.length} bytes; block_bytes_limit is ${blockBytesLimit}, so no block can carry it`,
      );
    let tx: Transaction;
    try {
      tx = decodeTx(raw);
    } catch (e) {
      const msg = e instanceof CodecError ? e.message : String(e);
      throw new TxRejectedError(TxRejectCode.Malformed, `malformed transaction: ${msg}`);
    }
    if (tx.type === TxType.Ethereum) this.precheckEth(tx);
    else this.precheckNative(tx);
    const txGasLimit = this.deps.chain.txGasLimit();
    if (tx.gasLimit > txGasLimit)
      throw new TxRejectedError(
        TxRejectCode.GasLimitTooHigh,
        `gasLimit ${tx.gasLimit} exceeds tx_gas_limit ${txGasLimit}`,
      );
    const minGas = txIntrinsicGas(tx);
    if (tx.gasLimit < minGas)
      throw new TxRejectedError(
        TxRejectCode.GasLimitTooLow,
        `gasLimit ${tx.gasLimit} is below the intrinsic cost ${minGas}`,
      );
    const hash = txHash(this.deps.suite, tx);
    const hashHex = hexKey(hash);
    if (this.entries.has(hashHex) || this.reservedHashes.has(hashHex))
      throw new TxRejectedError(
        TxRejectCode.AlreadyKnown,
        // geth's words for the Ethereum type: tools match on them.
        tx.type === TxType.Ethereum ? 'already known' : `transaction 0x${hashHex} is already in the pool`,
      );
    let signed: Prechecked['signed'];
    try {
      signed = txSignature(this.deps.suite, tx);
    } catch (e) {
      throw new TxRejectedError(TxRejectCode.Malformed, (e as Error).message);
    }
    const nonceHex = tx.type === TxType.Ethereum ? tx.nonce.toString(16) : hexKey(tx.nonce);
    return { tx, hash, hashHex, nonceHex, size: raw.length, signed };
  }

  private precheckNative(tx: LingdingTx): void {
    const { opts } = this;
    if (tx.chainId !== opts.chainId)
      throw new TxRejectedError(
        TxRejectCode.WrongChain,
        `transaction is for chain '${tx.chainId}', this chain is '${opts.chainId}'`,
      );
    const height = this.deps.chain.height();
    if (tx.blockLimit <= height)
      throw new TxRejectedError(
        TxRejectCode.BlockLimitExpired,
        `blockLimit ${tx.blockLimit} has expired: chain height is ${height}`,
      );
    if (tx.blockLimit > height + opts.blockLimitWindow) {
      throw new TxRejectedError(
        TxRejectCode.BlockLimitTooFar,
        `blockLimit ${tx.blockLimit} is more than ${opts.blockLimitWindow} blocks above the chain height ${height}`,
      );
    }
  }

  /** No blockLimit for this type: the sequential nonce is its replay protection (checkEthNonce). */
  private precheckEth(tx: EthTx): void {
    if (tx.chainId !== this.opts.ethereumChainId)
      throw new TxRejectedError(
        TxRejectCode.WrongChain,
        `invalid chain id for signer: transaction is for chain id ${tx.chainId}, this chain is ${this.opts.ethereumChainId}`,
      );
    if (tx.value !== 0n)
      throw new TxRejectedError(
        TxRejectCode.InsufficientFunds,
        `insufficient funds for gas * price + value: this chain has no coin, so value must be 0 (got ${tx.value})`,
      );
  }

  private admit(e: PoolEntry): void {
    const { opts } = this;
    if (this.entries.size >= opts.maxCount)
      throw new TxRejectedError(TxRejectCode.PoolFull, `transaction pool is full (${opts.maxCount} transactions)`);
    if (this.totalBytes + e.size > opts.maxBytes)
      throw new TxRejectedError(TxRejectCode.PoolFull, `transaction pool is full (${opts.maxBytes} bytes)`);
    const n = this.perSender.get(e.senderHex) ?? 0;
    if (n >= opts.maxPerSender) {
      throw new TxRejectedError(
        TxRejectCode.SenderQuota,
        `sender 0x${e.senderHex} already has ${n} pending transactions (limit ${opts.maxPerSender})`,
      );
    }
    this.entries.set(e.hashHex, e);
    this.nonces.add(e.replayKey);
    if (e.tx.type === TxType.Ethereum) {
      const held = this.ethBySender.get(e.senderHex) ?? new Map<number, PoolEntry>();
      held.set(e.tx.nonce, e);
      this.ethBySender.set(e.senderHex, held);
    }
    this.perSender.set(e.senderHex, n + 1);
    this.totalBytes += e.size;
    this.deps.onAdmitted?.(e);
  }

  /**
   * Up to `max` pending transactions in arrival order, left in the pool. A sender's
   * Ethereum transactions come in nonce order, where its first one arrived, and only the
   * run without a gap from its next nonce in state: the rest could not run yet.
   */
  pending(max: number): PoolEntry[] {
    const out: PoolEntry[] = [];
    const ethSendersDone = new Set<string>();
    for (const e of this.entries.values()) {
      if (out.length >= max) break;
      if (e.tx.type !== TxType.Ethereum) {
        out.push(e);
        continue;
      }
      if (ethSendersDone.has(e.senderHex)) continue;
      ethSendersDone.add(e.senderHex);
      const held = this.ethBySender.get(e.senderHex)!;
      for (let n = this.deps.chain.ethNonce(e.sender); held.has(n) && out.length < max; n++) out.push(held.get(n)!);
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
      if (e.tx.type !== TxType.Ethereum && e.tx.blockLimit <= height) {
        this.remove(e.hashHex);
        expired++;
      }
    }
    // Ethereum transactions whose nonce the chain has passed (committed, here or through
    // another node's block with the same nonce) can never run.
    for (const held of [...this.ethBySender.values()]) {
      const first = held.values().next().value;
      if (!first) continue;
      const next = this.deps.chain.ethNonce(first.sender);
      for (const [n, e] of [...held]) if (n < next && this.remove(e.hashHex)) removed++;
    }
    if (expired > 0) this.deps.onEvicted?.(EvictReason.BlockLimit, expired);
    return { removed, expired };
  }

  private remove(hashHex: string): boolean {
    const e = this.entries.get(hashHex);
    if (!e) return false;
    this.entries.delete(hashHex);
    this.nonces.delete(e.replayKey);
    if (e.tx.type === TxType.Ethereum) {
      const held = this.ethBySender.get(e.senderHex);
      held?.delete(e.tx.nonce);
      if (held?.size === 0) this.ethBySender.delete(e.senderHex);
    }
    const n = (this.perSender.get(e.senderHex) ?? 1) - 1;
    if (n <= 0) this.perSender.delete(e.senderHex);
    else this.perSender.set(e.senderHex, n);
    this.totalBytes -= e.size;
    return true;
  }
}
