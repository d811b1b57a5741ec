import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { CryptoSuite, KeyPair } from './suite.js';
import { loadNativeSecp256k1, type NativeSecp256k1 } from './native-secp256k1.js';
import { type HashFn, keccak256 } from './wasm-keccak.js';

/**
 * secp256k1 + keccak-256. Signatures are 65 bytes r || s || v (v in {0,1}) with
 * low-s enforced, so a transaction has exactly one valid signature encoding.
 *
 * Recovery (the hot path: every transaction's sender) uses libsecp256k1 through the
 * `secp256k1` native addon when it loads, and @noble/curves otherwise. Both give the
 * same answers; `node/crypto/ecdsa.test.ts` checks that on random and malformed inputs.
 * Hashing runs on a small WebAssembly module (wasm-keccak.ts); `native: false` gives
 * @noble/hashes instead, for the tests that compare the two.
 */
export function createEcdsaSuite(opts: { native?: boolean } = {}): CryptoSuite {
  const native = opts.native === false ? null : loadNativeSecp256k1();
  const keccak = opts.native === false ? keccak_256 : keccak256;
  return new EcdsaSuite(native, keccak);
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

class EcdsaSuite implements CryptoSuite {
  readonly name = 'ecdsa' as const;
  readonly signatureLength = 65;
  constructor(
    private readonly native: NativeSecp256k1 | null,
    private readonly keccak: HashFn,
  ) {}

  get usesNative(): boolean {
    return this.native !== null;
  }

  hash(data: Uint8Array): Uint8Array {
    return this.keccak(data);
  }

  generateKeyPair(): KeyPair {
    return this.keyPairFromSecret(secp256k1.utils.randomSecretKey());
  }

  keyPairFromSecret(secretKey: Uint8Array): KeyPair {
    if (secretKey.length !== 32) throw new Error('secret key must be 32 bytes');
    if (!secp256k1.utils.isValidSecretKey(secretKey)) throw new Error('secret key is not a valid secp256k1 scalar');
    const publicKey = secp256k1.getPublicKey(secretKey, false).subarray(1);
    return { secretKey: Uint8Array.from(secretKey), publicKey, address: this.addressFromPublicKey(publicKey) };
  }

  addressFromPublicKey(publicKey: Uint8Array): Uint8Array {
    if (publicKey.length !== 64) throw new Error('public key must be 64 bytes (uncompressed, no prefix)');
    return this.keccak(publicKey).subarray(12);
  }

  sign(digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
    if (digest.length !== 32) throw new Error('digest must be 32 bytes');
    if (this.native) {
      // Consensus votes and tools sign often: libsecp256k1 is ~20x faster than noble here.
      const { signature, recid } = this.native.sign(digest, secretKey);
      const out = new Uint8Array(65);
      out.set(signature, 0);
      out[64] = recid;
      return out;
    }
    // noble: recovered format is v || r || s, low-s by default.
    const rec = secp256k1.sign(digest, secretKey, { prehash: false, format: 'recovered' });
    const out = new Uint8Array(65);
    out.set(rec.subarray(1, 65), 0);
    out[64] = rec[0];
    return out;
  }

  recoverSigner(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
    if (!isWellFormed(digest, signature)) return null;
    if (this.native) return this.native.recover(signature.subarray(0, 64), signature[64], digest);
    return nobleRecover(digest, signature);
  }

  verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
    const pub = this.recoverSigner(digest, signature);
    if (!pub || pub.length !== publicKey.length) return false;
    for (let i = 0; i < pub.length; i++) if (pub[i] !== publicKey[i]) return false;
    return true;
  }
}

/**
 * The checks both back ends share, so they can only differ on what the curve maths says:
 * 32-byte digest, 65-byte signature, v in {0,1}, r and s canonical.
 */
function isWellFormed(digest: Uint8Array, signature: Uint8Array): boolean {
  if (digest.length !== 32 || signature.length !== 65) return false;
  const v = signature[64];
  return (v === 0 || v === 1) && isCanonicalRS(signature);
}

/** r and s in [1, n) and s <= n/2 (low-s), checked identically for both back ends. */
function isCanonicalRS(sig: Uint8Array): boolean {
  const r = bytesToBigInt(sig.subarray(0, 32));
  const s = bytesToBigInt(sig.subarray(32, 64));
  return r > 0n && r < SECP256K1_N && s > 0n && s <= HALF_N;
}

function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return x;
}

/**
 * Pure-JS recovery with the same acceptance rules as `recoverSigner`: it returns null for
 * a high-s (malleable) signature, v outside {0,1}, or a digest/signature of the wrong
 * length, all of which @noble/curves alone would accept or pad.
 */
export function portableRecover(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
  return isWellFormed(digest, signature) ? nobleRecover(digest, signature) : null;
}

function nobleRecover(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
  try {
    const rec = new Uint8Array(65);
    rec[0] = signature[64];
    rec.set(signature.subarray(0, 64), 1);
    // Recover the point itself: `secp256k1.recoverPublicKey` returns the compressed
    // encoding, and decompressing that again costs a field square root per recovery.
    const point = secp256k1.Signature.fromBytes(rec, 'recovered').recoverPublicKey(digest);
    return point.toBytes(false).subarray(1);
  } catch {
    return null;
  }
}
