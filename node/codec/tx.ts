import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import type { CryptoSuite } from '../crypto/suite.js';

/**
 * Transactions are typed envelopes: the first array element is a type tag, so later
 * types (Ethereum-signed, system) are added by a new tag without changing the ledger.
 */
export const TxType = {
  /** Lingding's own transaction: chain id, random nonce, blockLimit window. */
  Native: 1,
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
}

export interface NativeTx extends NativeTxBody {
  readonly type: typeof TxType.Native;
  /** Suite-specific signature over signingHash(body). */
  readonly signature: Uint8Array;
}

export type Transaction = NativeTx;

function bodyFields(tx: NativeTxBody): Canonical[] {
  return [TxType.Native, tx.chainId, tx.nonce, tx.blockLimit, tx.to, tx.input, tx.gasLimit];
}

/** The bytes a sender signs: the canonical encoding of the body, type tag first. */
export function encodeTxBody(tx: NativeTxBody): Uint8Array {
  return encodeCanonical(bodyFields(tx));
}

export function encodeTx(tx: Transaction): Uint8Array {
  return encodeCanonical([...bodyFields(tx), tx.signature]);
}

export function txSigningHash(suite: CryptoSuite, tx: NativeTxBody): Uint8Array {
  return suite.hash(encodeTxBody(tx));
}

export function signTx(suite: CryptoSuite, body: NativeTxBody, secretKey: Uint8Array): NativeTx {
  const signature = suite.sign(txSigningHash(suite, body), secretKey);
  return { type: TxType.Native, ...body, signature };
}

/** Structural decoding: every field's type and length is checked; the signature is not. */
export function decodeTx(bytes: Uint8Array): Transaction {
  const v = decodeCanonical(bytes);
  return txFromCanonical(v);
}

export function txFromCanonical(v: Canonical): Transaction {
  if (!Array.isArray(v) || v.length === 0) throw new CodecError('transaction must be a non-empty array');
  const tag = v[0];
  if (tag !== TxType.Native) throw new CodecError(`unknown transaction type ${String(tag)}`);
  if (v.length !== 8) throw new CodecError(`native transaction must have 8 fields, got ${v.length}`);
  const [, chainId, nonce, blockLimit, to, input, gasLimit, signature] = v;
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
  return { type: TxType.Native, chainId, nonce, blockLimit, to, input, gasLimit, signature };
}

export function txToCanonical(tx: Transaction): Canonical {
  return [...bodyFields(tx), tx.signature];
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
