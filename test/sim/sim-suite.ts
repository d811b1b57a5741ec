import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes, hexKey } from '../../node/codec/hex.js';
import { equalBytes } from '../../node/codec/canonical.js';
import type { CryptoSuite, KeyPair } from '../../node/crypto/suite.js';

/**
 * A cheap deterministic stand-in for the ecdsa suite, for most simulation seeds: a
 * "signature" is publicKey || keccak(secret || digest), checked through a registry of
 * the keys this suite created. Unforgeable inside the simulation (byzantine nodes never
 * read the registry), about fifty times cheaper to sign than secp256k1. NOT crypto.
 */
export function createSimSuite(): CryptoSuite {
  const secrets = new Map<string, Uint8Array>();
  const mac = (secret: Uint8Array, digest: Uint8Array): Uint8Array => keccak_256(concatBytes(secret, digest));
  const suite: CryptoSuite = {
    name: 'ecdsa',
    signatureLength: 96,
    hash: (data) => keccak_256(data),
    generateKeyPair() {
      throw new Error('the simulation suite derives keys from seeded secrets only');
    },
    keyPairFromSecret(secretKey: Uint8Array): KeyPair {
      const publicKey = concatBytes(
        keccak_256(concatBytes(new Uint8Array([1]), secretKey)),
        keccak_256(concatBytes(new Uint8Array([2]), secretKey)),
      );
      secrets.set(hexKey(publicKey), Uint8Array.from(secretKey));
      return { secretKey: Uint8Array.from(secretKey), publicKey, address: suite.addressFromPublicKey(publicKey) };
    },
    addressFromPublicKey: (publicKey) => keccak_256(publicKey).subarray(12),
    sign(digest, secretKey) {
      const publicKey = suite.keyPairFromSecret(secretKey).publicKey;
      return concatBytes(publicKey, mac(secretKey, digest));
    },
    recoverSigner(digest, signature) {
      if (signature.length !== 96) return null;
      const publicKey = signature.subarray(0, 64);
      const secret = secrets.get(hexKey(publicKey));
      return secret && equalBytes(mac(secret, digest), signature.subarray(64)) ? Uint8Array.from(publicKey) : null;
    },
    verify(digest, signature, publicKey) {
      const signer = suite.recoverSigner(digest, signature);
      return signer !== null && equalBytes(signer, publicKey);
    },
  };
  return suite;
}

/**
 * The real suite with verification results memoised by (publicKey, digest, signature):
 * in a simulation every validator checks the same signatures, so each is computed once.
 * Same answers as the wrapped suite by construction.
 */
export function withVerifyCache(inner: CryptoSuite): CryptoSuite {
  const cache = new Map<string, boolean>();
  return {
    name: inner.name,
    signatureLength: inner.signatureLength,
    hash: (d) => inner.hash(d),
    generateKeyPair: () => inner.generateKeyPair(),
    keyPairFromSecret: (s) => inner.keyPairFromSecret(s),
    addressFromPublicKey: (p) => inner.addressFromPublicKey(p),
    sign: (d, s) => inner.sign(d, s),
    recoverSigner: (d, s) => inner.recoverSigner(d, s),
    verify(digest, signature, publicKey) {
      const key = hexKey(publicKey) + hexKey(digest) + hexKey(signature);
      let ok = cache.get(key);
      if (ok === undefined) cache.set(key, (ok = inner.verify(digest, signature, publicKey)));
      return ok;
    },
  };
}
