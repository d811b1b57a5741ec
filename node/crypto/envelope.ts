import { readFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, getCiphers, randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { writeSecretFile } from './keystore.js';
import { loadNativeSecp256k1 } from './native-secp256k1.js';
import { type CodeOf, LingdingError } from '../errors/index.js';

/**
 * The cryptography of private records (docs/design-decisions.md, Supervision 5-6): supervision
 * key pairs, the key id, AES-256-GCM, and the ECIES wrap of a record's data key for one
 * recipient. The envelope's byte format, sealing and opening a whole record live one layer up,
 * in node/codec/envelope.ts, because they need the canonical encoding (this layer may not
 * import the codec). Everything here is fixed by the decision, not by the chain's crypto suite:
 * private payloads need `ecdsa` until the `sm` suite brings SM2/SM4.
 */
export const EnvelopeErrorCode = {
  /** No recipient entry carries the key id of the secret key given. */
  NotARecipient: 'NOT_A_RECIPIENT',
  /** The recipient entry for this key does not decrypt (tampered, or wrapped for another key). */
  BadWrappedKey: 'BAD_WRAPPED_KEY',
  /** The record's ciphertext does not decrypt under the unwrapped data key, or its plaintext is malformed. */
  BadCiphertext: 'BAD_CIPHERTEXT',
  /** The plaintext opens but keccak256(salt ‖ record) is not the envelope's commitment. */
  CommitmentMismatch: 'COMMITMENT_MISMATCH',
  /** A recipient public key that is not a 33-byte compressed secp256k1 point. */
  BadPublicKey: 'BAD_PUBLIC_KEY',
  /** A record too large for the envelope's ciphertext bound, or too many recipients. */
  TooLarge: 'TOO_LARGE',
  /** A seal request without recipients or with a pilot id that is not a positive integer. */
  InvalidRequest: 'INVALID_REQUEST',
  /** A supervision key file that cannot be read or is not one. */
  BadKeyFile: 'BAD_KEY_FILE',
} as const;
export type EnvelopeErrorCodeValue = CodeOf<typeof EnvelopeErrorCode>;

export class EnvelopeError extends LingdingError<EnvelopeErrorCodeValue> {
  constructor(code: EnvelopeErrorCodeValue, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, message, details);
    this.name = 'EnvelopeError';
  }
}

export const PUBLIC_KEY_LENGTH = 33;
export const KEY_ID_LENGTH = 20;
export const IV_LENGTH = 12;
export const DATA_KEY_LENGTH = 32;
export const GCM_TAG_LENGTH = 16;
/** The data key encrypted under the key-encryption key, with its tag. */
export const WRAPPED_KEY_LENGTH = DATA_KEY_LENGTH + GCM_TAG_LENGTH;
const ECIES_INFO = new TextEncoder().encode('lingding/ecies/v1');

/** Where a sealer's randomness comes from; tests pass a fixed one (known-answer vectors). */
export type RandomSource = (length: number) => Uint8Array;
export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** keyId = keccak256(compressedPublicKey)[12:], as an address is of an account key. */
export function keyIdOf(compressedPublicKey: Uint8Array): Uint8Array {
  return keccak_256(compressedPublicKey).slice(32 - KEY_ID_LENGTH);
}

/** Whether the bytes are a 33-byte compressed point on secp256k1. */
export function isSupervisionPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  try {
    secp256k1.Point.fromBytes(publicKey).assertValidity();
    return true;
  } catch {
    return false;
  }
}

export interface SupervisionKeyPair {
  readonly secretKey: Uint8Array;
  /** 33-byte compressed public key: what genesis `regulators[].supervisionKey` and kind 33 carry. */
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
}

export function supervisionKeyFromSecret(secretKey: Uint8Array): SupervisionKeyPair {
  if (!secp256k1.utils.isValidSecretKey(secretKey))
    throw new EnvelopeError(EnvelopeErrorCode.BadKeyFile, 'not a valid secp256k1 secret key');
  const publicKey = secp256k1.getPublicKey(secretKey, true);
  return { secretKey: Uint8Array.from(secretKey), publicKey, keyId: keyIdOf(publicKey) };
}

export function generateSupervisionKey(rng: RandomSource = systemRandom): SupervisionKeyPair {
  return supervisionKeyFromSecret(randomScalar(rng));
}

/** A secret scalar drawn from `rng`, redrawn in the (negligible) case it is out of range. */
function randomScalar(rng: RandomSource): Uint8Array {
  for (;;) {
    const k = rng(32);
    if (secp256k1.utils.isValidSecretKey(k)) return k;
  }
}

/*
 * The hot path (a regulator node opens every record of every block) uses libsecp256k1 for ECDH
 * (the addon signature recovery uses; OpenSSL's generic curve code is as slow as @noble) and
 * Node's OpenSSL for AES-GCM, when they load; @noble is the portable fallback. They compute the
 * same bytes (envelope.test.ts compares them, and the codec's known-answer test pins the
 * format); with @noble alone opening a record cost ~3 ms, too slow for a regulator node to
 * keep up with a busy chain (bench/supervision.ts).
 */
const NATIVE_GCM = getCiphers().includes('aes-256-gcm');

export function aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (!NATIVE_GCM) return gcm(key, iv, aad).encrypt(plaintext);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return new Uint8Array(Buffer.concat([body, c.getAuthTag()]));
}

/** The plaintext, or null when the tag does not verify (wrong key, tampered bytes). */
export function aesGcmOpen(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  try {
    if (!NATIVE_GCM) return gcm(key, iv, aad).decrypt(ciphertext);
    if (ciphertext.length < GCM_TAG_LENGTH) return null;
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(ciphertext.subarray(ciphertext.length - GCM_TAG_LENGTH));
    return new Uint8Array(
      Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - GCM_TAG_LENGTH)), d.final()]),
    );
  } catch {
    return null;
  }
}

/** One recipient's entry of an envelope: the data key wrapped for its supervision (or party) key. */
export interface WrappedKey {
  readonly keyId: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  readonly wrapIv: Uint8Array;
  readonly wrappedKey: Uint8Array;
}

/**
 * The key-encryption key: HKDF-SHA256 of the ECDH shared x-coordinate, salted with both public
 * keys so that a key agreed for one recipient is never reused for another.
 */
function keyEncryptionKey(shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array) {
  const salt = new Uint8Array(PUBLIC_KEY_LENGTH * 2);
  salt.set(ephemeralPublicKey, 0);
  salt.set(recipientPublicKey, PUBLIC_KEY_LENGTH);
  return hkdf(sha256, shared, salt, ECIES_INFO, 32);
}

/** ECDH's shared point, compressed; its x-coordinate is bytes 1..33. */
export function sharedX(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const native = loadNativeSecp256k1();
  if (!native) return secp256k1.getSharedSecret(secretKey, publicKey, true).slice(1);
  const x = native.ecdhX(secretKey, publicKey);
  // The caller turns an invalid point into BAD_WRAPPED_KEY, as it does @noble's throw.
  if (!x) throw new EnvelopeError(EnvelopeErrorCode.BadWrappedKey, 'not a point on secp256k1');
  return x;
}

/** ECIES: wraps `dataKey` for `recipientPublicKey` with a fresh ephemeral key pair. */
export function wrapDataKey(dataKey: Uint8Array, recipientPublicKey: Uint8Array, rng: RandomSource): WrappedKey {
  if (!isSupervisionPublicKey(recipientPublicKey))
    throw new EnvelopeError(
      EnvelopeErrorCode.BadPublicKey,
      'a recipient key must be a 33-byte compressed secp256k1 public key',
    );
  const ephemeralSecret = randomScalar(rng);
  const ephemeralPublicKey = secp256k1.getPublicKey(ephemeralSecret, true);
  const kek = keyEncryptionKey(sharedX(ephemeralSecret, recipientPublicKey), ephemeralPublicKey, recipientPublicKey);
  const keyId = keyIdOf(recipientPublicKey);
  const wrapIv = rng(IV_LENGTH);
  return { keyId, ephemeralPublicKey, wrapIv, wrappedKey: aesGcmSeal(kek, wrapIv, dataKey, keyId) };
}

/** The data key of an entry wrapped for `key`, or a BAD_WRAPPED_KEY error. */
export function unwrapDataKey(entry: WrappedKey, key: SupervisionKeyPair): Uint8Array {
  let kek: Uint8Array;
  try {
    kek = keyEncryptionKey(sharedX(key.secretKey, entry.ephemeralPublicKey), entry.ephemeralPublicKey, key.publicKey);
  } catch {
    // The ephemeral key is not a point on the curve: only tampering makes that.
    throw new EnvelopeError(
      EnvelopeErrorCode.BadWrappedKey,
      'the recipient entry carries an invalid ephemeral public key',
    );
  }
  const dataKey = aesGcmOpen(kek, entry.wrapIv, entry.wrappedKey, entry.keyId);
  if (dataKey === null || dataKey.length !== DATA_KEY_LENGTH)
    throw new EnvelopeError(EnvelopeErrorCode.BadWrappedKey, 'the wrapped data key does not decrypt with this key');
  return dataKey;
}

/**
 * A supervision key file: JSON with the secret and, for the operator's eyes, the public key
 * and key id (checked against the secret on read, so a hand-edited file cannot lie). Written
 * mode 0600 through the keystore's secret-file helper; unencrypted like a node key, because a
 * regulator node opens records unattended.
 */
export interface SupervisionKeyFile {
  readonly type: 'lingding-supervision-key';
  readonly version: 1;
  readonly publicKey: string;
  readonly keyId: string;
  readonly secretKey: string;
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

export function writeSupervisionKeyFile(path: string, key: SupervisionKeyPair, overwrite = false): void {
  const file: SupervisionKeyFile = {
    type: 'lingding-supervision-key',
    version: 1,
    publicKey: hex(key.publicKey),
    keyId: hex(key.keyId),
    secretKey: hex(key.secretKey),
  };
  writeSecretFile(path, `${JSON.stringify(file, null, 2)}\n`, overwrite);
}

export function readSupervisionKeyFile(path: string): SupervisionKeyPair {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EnvelopeError(
      EnvelopeErrorCode.BadKeyFile,
      `cannot read supervision key ${path}: ${(e as Error).message}`,
      {
        path,
      },
    );
  }
  const f = parsed as Partial<SupervisionKeyFile> | null;
  const isHex = (s: unknown, bytes: number) =>
    typeof s === 'string' && new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(s);
  if (f?.type !== 'lingding-supervision-key' || f.version !== 1 || !isHex(f.secretKey, 32))
    throw new EnvelopeError(EnvelopeErrorCode.BadKeyFile, `${path} is not a supervision key file (version 1)`, {
      path,
    });
  const key = supervisionKeyFromSecret(new Uint8Array(Buffer.from((f.secretKey as string).slice(2), 'hex')));
  if (f.publicKey !== undefined && f.publicKey.toLowerCase() !== hex(key.publicKey))
    throw new EnvelopeError(EnvelopeErrorCode.BadKeyFile, `${path}: publicKey does not belong to the secret key`, {
      path,
    });
  return key;
}
