import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import { decodeEthTx, ETH_TX_TYPE, ethSignature, ethTxHash, type EthTx } from './eth-tx.js';
import { type Envelope, envelopeFromCanonical, envelopeToCanonical } from './envelope.js';
import { allocBytes } from '../bytes/slab.js';
import type { CryptoSuite } from '../crypto/suite.js';

export type { EthTx } from './eth-tx.js';

/**
 * Transactions are typed envelopes: the first array element is a type tag, so later
 * types (Ethereum-signed, system) are added by a new tag without changing the ledger.
 */
export const TxType = {
  /** Lingding's own transaction: chain id, random nonce, blockLimit window. */
  Native: 1,
  /**
   * Ethereum-signed (legacy EIP-155, EIP-2930, EIP-1559), stored as the exact signed bytes:
   * sequential per-sender nonce in world state, Ethereum chain id (docs/design-decisions.md).
   */
  Ethereum: ETH_TX_TYPE,
  /**
   * A native transaction that carries a private record's envelope, signed with the rest
   * (docs/design-decisions.md, Supervision 6): the same chain id, random nonce and blockLimit
   * rules as Native.
   */
  Private: 3,
} as const;
export type TxTypeTag = (typeof TxType)[keyof typeof TxType];

export const NONCE_LENGTH = 32;
export const ADDRESS_LENGTH = 20;

/** The fields a native transaction's signature covers. */
export interface NativeTxBody {
  readonly chainId: string;
  /** 32 random bytes; unique within the blockLimit window (replay protection). */
  readonly nonce: Uint8Array;
  /** Valid only while the chain height is below this number. */
  readonly blockLimit: number;
  /** Contract address, or null to deploy `input` as code. */
  readonly to: Uint8Array | null;
  readonly input: Uint8Array;
  readonly gasLimit: number;
  /** A private record (type 3); without one the transaction is a plain native one (type 1). */
  readonly envelope?: Envelope;
}

export interface NativeTx extends NativeTxBody {
  readonly type: typeof TxType.Native;
  readonly envelope?: undefined;
  /** Suite-specific signature over signingHash(body). */
  readonly signature: Uint8Array;
}

/** A native transaction with a private record's envelope, all of it signed. */
export interface PrivateTx extends NativeTxBody {
  readonly type: typeof TxType.Private;
  readonly envelope: Envelope;
  readonly signature: Uint8Array;
}

/** The transactions with Lingding's replay rules (random nonce, blockLimit window). */
export type LingdingTx = NativeTx | PrivateTx;
export type Transaction = LingdingTx | EthTx;

function bodyFields(tx: NativeTxBody): Canonical[] {
  const common = [tx.chainId, tx.nonce, tx.blockLimit, tx.to, tx.input, tx.gasLimit];
  return tx.envelope ? [TxType.Private, ...common, envelopeToCanonical(tx.envelope)] : [TxType.Native, ...common];
}

/** The bytes a sender signs: the canonical encoding of the body, type tag first. */
export function encodeTxBody(tx: NativeTxBody): Uint8Array {
  return encodeCanonical(bodyFields(tx));
}

/**
 * Encodings and hashes of transactions this process already encoded, decoded or hashed.
 * A transaction passes through admission, block building or execution, the merkle roots
 * and the ledger, and each used to encode and hash it again; transactions are immutable
 * values, so the first result stands. Weak: an entry lives as long as its transaction.
 */
const encodings = new WeakMap<Transaction, Uint8Array>();
const hashes = new WeakMap<CryptoSuite, WeakMap<Transaction, Uint8Array>>();

export function encodeTx(tx: Transaction): Uint8Array {
  let bytes = encodings.get(tx);
  if (!bytes) {
    bytes = encodeCanonical(txToCanonical(tx));
    encodings.set(tx, bytes);
  }
  return bytes;
}

/**
 * THE hash of a transaction, wherever one is needed (pool, ledger index, receipts root,
 * RPC): the suite's hash of the canonical encoding for native transactions; keccak-256 of
 * the signed bytes for Ethereum ones, which is what Ethereum tools compute and wait on.
 */
export function txHash(suite: CryptoSuite, tx: Transaction): Uint8Array {
  let bySuite = hashes.get(suite);
  if (!bySuite) {
    bySuite = new WeakMap();
    hashes.set(suite, bySuite);
  }
  let hash = bySuite.get(tx);
  if (!hash) {
    hash = tx.type === TxType.Ethereum ? ethTxHash(suite, tx) : suite.hash(encodeTx(tx));
    bySuite.set(tx, hash);
  }
  return hash;
}

/**
 * The digest and signature bytes that recover a transaction's sender through the suite
 * (suite.recoverSigner or the recovery worker pool). Throws a CodecError for an Ethereum
 * transaction on a suite other than ecdsa.
 */
export function txSignature(suite: CryptoSuite, tx: Transaction): { digest: Uint8Array; signature: Uint8Array } {
  return tx.type === TxType.Ethereum
    ? ethSignature(suite, tx)
    : { digest: suite.hash(signedBytes(tx)), signature: tx.signature };
}

/**
 * encodeTxBody(tx), cut from the transaction's own encoding where this process has it (a
 * decoded one always does) rather than encoded again: the body is the same array without
 * its last item, the signature. Both arrays are short (8 or 9 items, 7 or 8 in the body),
 * so each header is one byte, the count.
 */
function signedBytes(tx: LingdingTx): Uint8Array {
  const whole = encodings.get(tx);
  if (!whole) return encodeTxBody(tx);
  const sigLength = tx.signature.length;
  const sigStart = whole.length - binHeaderLength(sigLength) - sigLength;
  const body = allocBytes(sigStart);
  body[0] = whole[0] - 1;
  body.set(whole.subarray(1, sigStart), 1);
  return body;
}

/** The header bytes of a canonical byte string of `length` bytes (bin8, bin16, bin32). */
function binHeaderLength(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

export function txSigningHash(suite: CryptoSuite, tx: NativeTxBody): Uint8Array {
  return suite.hash(encodeTxBody(tx));
}

export function signTx(
  suite: CryptoSuite,
  body: NativeTxBody & { envelope?: undefined },
  secretKey: Uint8Array,
): NativeTx;
export function signTx(suite: CryptoSuite, body: NativeTxBody, secretKey: Uint8Array): LingdingTx;
export function signTx(suite: CryptoSuite, body: NativeTxBody, secretKey: Uint8Array): LingdingTx {
  const signature = suite.sign(txSigningHash(suite, body), secretKey);
  return body.envelope
    ? { ...body, type: TxType.Private, envelope: body.envelope, signature }
    : { ...body, type: TxType.Native, envelope: undefined, signature };
}

/** Structural decoding: every field's type and length is checked; the signature is not. */
export function decodeTx(bytes: Uint8Array): Transaction {
  const tx = txFromCanonical(decodeCanonical(bytes));
  // decodeCanonical proved the bytes are the transaction's one encoding; a copy, as the
  // caller's buffer is theirs.
  const own = allocBytes(bytes.length);
  own.set(bytes);
  encodings.set(tx, own);
  return tx;
}

export function txFromCanonical(v: Canonical): Transaction {
  if (!Array.isArray(v) || v.length === 0) throw new CodecError('transaction must be a non-empty array');
  const tag = v[0];
  if (tag === TxType.Ethereum) {
    if (v.length !== 2 || !(v[1] instanceof Uint8Array))
      throw new CodecError('Ethereum transaction must be [2, signed bytes]');
    return decodeEthTx(v[1]);
  }
  if (tag !== TxType.Native && tag !== TxType.Private) throw new CodecError(`unknown transaction type ${String(tag)}`);
  const fields = tag === TxType.Private ? 9 : 8;
  if (v.length !== fields)
    throw new CodecError(
      `${tag === TxType.Private ? 'private' : 'native'} transaction must have ${fields} fields, got ${v.length}`,
    );
  const [, chainId, nonce, blockLimit, to, input, gasLimit] = v;
  const signature = v[fields - 1];
  if (typeof chainId !== 'string' || chainId.length === 0 || chainId.length > 64)
    throw new CodecError('chainId must be a string of 1..64 characters');
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH)
    throw new CodecError(`nonce must be ${NONCE_LENGTH} bytes`);
  if (!isUint(blockLimit)) throw new CodecError('blockLimit must be a non-negative integer');
  if (to !== null && (!(to instanceof Uint8Array) || to.length !== ADDRESS_LENGTH))
    throw new CodecError(`to must be null or ${ADDRESS_LENGTH} bytes`);
  if (!(input instanceof Uint8Array)) throw new CodecError('input must be bytes');
  if (!isUint(gasLimit)) throw new CodecError('gasLimit must be a non-negative integer');
  if (!(signature instanceof Uint8Array)) throw new CodecError('signature must be bytes');
  const body = { chainId, nonce, blockLimit, to, input, gasLimit, signature };
  if (tag === TxType.Native) return { type: TxType.Native, ...body };
  return { type: TxType.Private, ...body, envelope: envelopeFromCanonical(v[7]) };
}

export function txToCanonical(tx: Transaction): Canonical {
  return tx.type === TxType.Ethereum ? [TxType.Ethereum, tx.raw] : [...bodyFields(tx), tx.signature];
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
