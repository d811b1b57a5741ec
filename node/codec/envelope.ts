import { keccak_256 } from '@noble/hashes/sha3.js';
import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import {
  aesGcmOpen,
  aesGcmSeal,
  DATA_KEY_LENGTH,
  EnvelopeError,
  EnvelopeErrorCode,
  GCM_TAG_LENGTH,
  IV_LENGTH,
  KEY_ID_LENGTH,
  PUBLIC_KEY_LENGTH,
  type RandomSource,
  supervisionKeyFromSecret,
  type SupervisionKeyPair,
  systemRandom,
  unwrapDataKey,
  WRAPPED_KEY_LENGTH,
  wrapDataKey,
  type WrappedKey,
} from '../crypto/envelope.js';

export { EnvelopeError, EnvelopeErrorCode, keyIdOf, type RandomSource, type WrappedKey } from '../crypto/envelope.js';

/**
 * A private record's envelope (docs/design-decisions.md, Supervision 6): canonical msgpack
 * `[1, pilotId, commitment(32), iv(12), ciphertext, recipients]`, each recipient
 * `[keyId(20), ephemeralPublicKey(33), wrapIv(12), wrappedKey(48)]`. The record is encrypted
 * under a fresh data key with AES-256-GCM, AAD = canonical `[pilotId, commitment]`; the
 * plaintext is canonical `[salt(32), record]` and `commitment = keccak256(salt ‖ record)`.
 * The cryptographic primitives are node/crypto/envelope.ts.
 */
export const ENVELOPE_VERSION = 1;
export const MAX_RECIPIENTS = 32;
export const MAX_CIPHERTEXT_BYTES = 64 * 1024;
export const COMMITMENT_LENGTH = 32;
export const SALT_LENGTH = 32;

export interface Envelope {
  readonly pilotId: number;
  readonly commitment: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly recipients: readonly WrappedKey[];
}

export function envelopeToCanonical(e: Envelope): Canonical {
  return [
    ENVELOPE_VERSION,
    e.pilotId,
    e.commitment,
    e.iv,
    e.ciphertext,
    e.recipients.map((r) => [r.keyId, r.ephemeralPublicKey, r.wrapIv, r.wrappedKey]),
  ];
}

export function encodeEnvelope(e: Envelope): Uint8Array {
  return encodeCanonical(envelopeToCanonical(e));
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return envelopeFromCanonical(decodeCanonical(bytes));
}

const isBytes = (x: unknown, length: number): x is Uint8Array => x instanceof Uint8Array && x.length === length;

/**
 * Every bound of the format is checked here, so a decoded envelope is one the chain can store
 * and a regulator node can try to open: exact lengths, at most 32 recipients, 64 KiB of
 * ciphertext, and no key id twice (which entry would a regulator's be?).
 */
export function envelopeFromCanonical(v: Canonical): Envelope {
  if (!Array.isArray(v) || v.length !== 6) throw new CodecError('envelope must be an array of 6 fields');
  const [version, pilotId, commitment, iv, ciphertext, recipients] = v;
  if (version !== ENVELOPE_VERSION) throw new CodecError(`unknown envelope version ${String(version)}`);
  if (typeof pilotId !== 'number' || !Number.isSafeInteger(pilotId) || pilotId < 1)
    throw new CodecError('envelope pilotId must be a positive integer');
  if (!isBytes(commitment, COMMITMENT_LENGTH))
    throw new CodecError(`envelope commitment must be ${COMMITMENT_LENGTH} bytes`);
  if (!isBytes(iv, IV_LENGTH)) throw new CodecError(`envelope iv must be ${IV_LENGTH} bytes`);
  if (
    !(ciphertext instanceof Uint8Array) ||
    ciphertext.length < GCM_TAG_LENGTH ||
    ciphertext.length > MAX_CIPHERTEXT_BYTES
  )
    throw new CodecError(`envelope ciphertext must be ${GCM_TAG_LENGTH}..${MAX_CIPHERTEXT_BYTES} bytes`);
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS)
    throw new CodecError(`envelope must have 1..${MAX_RECIPIENTS} recipients`);
  const seen = new Set<string>();
  const entries = recipients.map((r: Canonical, i: number): WrappedKey => {
    if (!Array.isArray(r) || r.length !== 4)
      throw new CodecError(`envelope recipient ${i} must be an array of 4 fields`);
    const [keyId, ephemeralPublicKey, wrapIv, wrappedKey] = r;
    if (!isBytes(keyId, KEY_ID_LENGTH))
      throw new CodecError(`envelope recipient ${i}: keyId must be ${KEY_ID_LENGTH} bytes`);
    if (!isBytes(ephemeralPublicKey, PUBLIC_KEY_LENGTH))
      throw new CodecError(`envelope recipient ${i}: ephemeral public key must be ${PUBLIC_KEY_LENGTH} bytes`);
    if (!isBytes(wrapIv, IV_LENGTH)) throw new CodecError(`envelope recipient ${i}: wrapIv must be ${IV_LENGTH} bytes`);
    if (!isBytes(wrappedKey, WRAPPED_KEY_LENGTH))
      throw new CodecError(`envelope recipient ${i}: wrapped key must be ${WRAPPED_KEY_LENGTH} bytes`);
    const id = Buffer.from(keyId).toString('hex');
    if (seen.has(id)) throw new CodecError(`envelope recipient ${i}: key id 0x${id} appears twice`);
    seen.add(id);
    return { keyId, ephemeralPublicKey, wrapIv, wrappedKey };
  });
  return { pilotId, commitment, iv, ciphertext, recipients: entries };
}

/** keccak256(salt ‖ record): what a contract sees through payloadCommitment(). */
export function recordCommitment(salt: Uint8Array, record: Uint8Array): Uint8Array {
  const h = keccak_256.create();
  h.update(salt);
  h.update(record);
  return h.digest();
}

function recordAad(pilotId: number, commitment: Uint8Array): Uint8Array {
  return encodeCanonical([pilotId, commitment]);
}

export interface SealRequest {
  readonly pilotId: number;
  readonly record: Uint8Array;
  /** 33-byte compressed secp256k1 public keys; one given twice gets one entry. */
  readonly recipients: readonly Uint8Array[];
  readonly rng?: RandomSource;
}

export interface SealedRecord {
  readonly envelope: Envelope;
  readonly commitment: Uint8Array;
  /** Kept by the sender: with the record it proves the commitment. */
  readonly salt: Uint8Array;
  /** The record's data key, for a sender that wants to disclose this one record later. */
  readonly dataKey: Uint8Array;
}

/** Encrypts a record for its recipients (client side: the CLI, SDK users, tests). */
export function sealRecord(req: SealRequest): SealedRecord {
  const rng = req.rng ?? systemRandom;
  if (!Number.isSafeInteger(req.pilotId) || req.pilotId < 1)
    throw new EnvelopeError(EnvelopeErrorCode.InvalidRequest, 'pilotId must be a positive integer', {
      pilotId: req.pilotId,
    });
  const unique = new Map<string, Uint8Array>();
  for (const pk of req.recipients) unique.set(Buffer.from(pk).toString('hex'), pk);
  if (unique.size === 0 || unique.size > MAX_RECIPIENTS)
    throw new EnvelopeError(
      unique.size === 0 ? EnvelopeErrorCode.InvalidRequest : EnvelopeErrorCode.TooLarge,
      `a record needs 1..${MAX_RECIPIENTS} recipients, got ${unique.size}`,
      {
        recipients: unique.size,
      },
    );
  const salt = rng(SALT_LENGTH);
  const commitment = recordCommitment(salt, req.record);
  const plaintext = encodeCanonical([salt, req.record]);
  if (plaintext.length + GCM_TAG_LENGTH > MAX_CIPHERTEXT_BYTES)
    throw new EnvelopeError(
      EnvelopeErrorCode.TooLarge,
      `the record is ${req.record.length} bytes; an envelope carries at most ${MAX_CIPHERTEXT_BYTES} bytes of ciphertext`,
      { bytes: req.record.length },
    );
  const dataKey = rng(DATA_KEY_LENGTH);
  const iv = rng(IV_LENGTH);
  const ciphertext = aesGcmSeal(dataKey, iv, plaintext, recordAad(req.pilotId, commitment));
  const recipients = [...unique.values()].map((pk) => wrapDataKey(dataKey, pk, rng));
  return { envelope: { pilotId: req.pilotId, commitment, iv, ciphertext, recipients }, commitment, salt, dataKey };
}

export interface OpenedRecord {
  readonly record: Uint8Array;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
}

/**
 * Opens an envelope with a recipient's secret key, or throws an EnvelopeError saying why not:
 * NOT_A_RECIPIENT, BAD_WRAPPED_KEY, BAD_CIPHERTEXT or COMMITMENT_MISMATCH.
 */
export function openRecord(envelope: Envelope, secretKey: Uint8Array | SupervisionKeyPair): OpenedRecord {
  // A key pair saves deriving the public key per record (a regulator node opens every one).
  const key = secretKey instanceof Uint8Array ? supervisionKeyFromSecret(secretKey) : secretKey;
  const entry = envelope.recipients.find((r) => Buffer.from(r.keyId).equals(key.keyId));
  if (!entry)
    throw new EnvelopeError(EnvelopeErrorCode.NotARecipient, 'the envelope has no entry for this key', {
      keyId: `0x${Buffer.from(key.keyId).toString('hex')}`,
    });
  const dataKey = unwrapDataKey(entry, key);
  const plaintext = aesGcmOpen(
    dataKey,
    envelope.iv,
    envelope.ciphertext,
    recordAad(envelope.pilotId, envelope.commitment),
  );
  if (plaintext === null)
    throw new EnvelopeError(EnvelopeErrorCode.BadCiphertext, 'the record does not decrypt under its data key');
  let salt: Uint8Array;
  let record: Uint8Array;
  try {
    const v = decodeCanonical(plaintext);
    if (!Array.isArray(v) || v.length !== 2 || !isBytes(v[0], SALT_LENGTH) || !(v[1] instanceof Uint8Array))
      throw new CodecError('plaintext must be [salt(32), record]');
    [salt, record] = v as [Uint8Array, Uint8Array];
  } catch {
    throw new EnvelopeError(EnvelopeErrorCode.BadCiphertext, 'the decrypted plaintext is not [salt(32), record bytes]');
  }
  if (!Buffer.from(recordCommitment(salt, record)).equals(envelope.commitment))
    throw new EnvelopeError(
      EnvelopeErrorCode.CommitmentMismatch,
      'keccak256(salt ‖ record) is not the envelope commitment',
    );
  return { record, salt, commitment: envelope.commitment };
}
