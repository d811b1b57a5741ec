/**
 * One interface for the chain's cryptography. The suite is fixed at genesis:
 * `ecdsa` (secp256k1 + keccak-256, Ethereum addresses) now, `sm` (SM2 + SM3) later.
 * Everything that hashes or signs consensus data goes through a CryptoSuite, never
 * a concrete curve, so the second suite drops in without touching the ledger.
 */
export type SuiteName = 'ecdsa' | 'sm';

export interface KeyPair {
  /** 32-byte secret scalar. */
  readonly secretKey: Uint8Array;
  /** Uncompressed public key without the 0x04 prefix (64 bytes). */
  readonly publicKey: Uint8Array;
  /** 20-byte account address derived from the public key. */
  readonly address: Uint8Array;
}

export interface CryptoSuite {
  readonly name: SuiteName;
  /** Length in bytes of a signature produced by `sign`. */
  readonly signatureLength: number;
  hash(data: Uint8Array): Uint8Array;
  generateKeyPair(): KeyPair;
  keyPairFromSecret(secretKey: Uint8Array): KeyPair;
  addressFromPublicKey(publicKey: Uint8Array): Uint8Array;
  /** Signs a 32-byte digest. */
  sign(digest: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * Returns the signer's public key (64 bytes) if `signature` is a valid signature of
   * `digest`, or null. For ecdsa this is public-key recovery; suites without
   * recovery carry the public key inside the signature bytes.
   */
  recoverSigner(digest: Uint8Array, signature: Uint8Array): Uint8Array | null;
  /** Verifies a signature against a known public key (64 bytes). */
  verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}
