import { equalBytes } from '../../node/codec/canonical.js';

/**
 * The validators (sealers) in force at one height. Index = position in `publicKeys`;
 * every signed consensus message names its signer by that index. The node supplies a
 * set per height (`PbftCore.startHeight`) so governance can change it between heights.
 */
export interface ValidatorSet {
  /** 64-byte public keys, in sealer-list order. */
  readonly publicKeys: readonly Uint8Array[];
  /** n = publicKeys.length. */
  readonly size: number;
  /** Byzantine faults tolerated: f = floor((n - 1) / 3). */
  readonly faulty: number;
  /** Votes needed for a certificate: n - f (= 2f + 1 when n = 3f + 1). */
  readonly quorum: number;
  /** Position of `publicKey` in the set, or -1. */
  indexOf(publicKey: Uint8Array): number;
  /** FISCO-style rotation: validators[(height + view) % n]. */
  leader(height: number, view: number): number;
}

/** Byzantine faults n validators tolerate: f = floor((n - 1) / 3). The one place this is computed. */
export function faultTolerance(n: number): number {
  return Math.floor((n - 1) / 3);
}

/** Votes a certificate needs from n validators: n - f (= 2f + 1 when n = 3f + 1). */
export function quorumSize(n: number): number {
  return n - faultTolerance(n);
}

/** Largest validator set a message or certificate may name (bounds decoding work). */
export const MAX_VALIDATORS = 1024;

export function createValidatorSet(publicKeys: readonly Uint8Array[]): ValidatorSet {
  if (publicKeys.length === 0) throw new Error('validator set is empty');
  if (publicKeys.length > MAX_VALIDATORS)
    throw new Error(`validator set has ${publicKeys.length} members, at most ${MAX_VALIDATORS} allowed`);
  const keys = publicKeys.map((k) => Uint8Array.from(k));
  for (let i = 0; i < keys.length; i++) {
    for (let j = 0; j < i; j++) {
      if (equalBytes(keys[i], keys[j])) throw new Error(`validator ${i} repeats the public key of validator ${j}`);
    }
  }
  const size = keys.length;
  const faulty = faultTolerance(size);
  return {
    publicKeys: keys,
    size,
    faulty,
    // n - f: the most votes that can be awaited while f validators are silent, and any
    // two such sets share n - 2f >= f + 1 validators, so at least one honest one.
    quorum: size - faulty,
    indexOf(publicKey) {
      return keys.findIndex((k) => equalBytes(k, publicKey));
    },
    leader(height, view) {
      return (height + view) % size;
    },
  };
}
