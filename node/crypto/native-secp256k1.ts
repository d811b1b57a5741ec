import { createRequire } from 'node:module';

/**
 * The libsecp256k1 addon from the `secp256k1` npm package (N-API, so one build serves
 * every Node version). Loaded lazily and optional: when the addon is missing or fails to
 * load, callers fall back to the portable @noble/curves implementation.
 */
export interface NativeSecp256k1 {
  /** Returns the 64-byte uncompressed public key (no prefix), or null if recovery fails. */
  recover(sig64: Uint8Array, recid: number, digest: Uint8Array): Uint8Array | null;
  /** RFC 6979 deterministic, low-s: the same 64 bytes and recovery id as @noble/curves gives. */
  sign(digest: Uint8Array, secretKey: Uint8Array): { signature: Uint8Array; recid: number };
  /** ECDH: the x-coordinate of secretKey × publicKey (33-byte compressed), or null for an invalid point. */
  ecdhX(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
}

let cached: NativeSecp256k1 | null | undefined;

export function loadNativeSecp256k1(): NativeSecp256k1 | null {
  if (cached !== undefined) return cached;
  if (process.env.LINGDING_NO_NATIVE_CRYPTO === '1') return (cached = null);
  try {
    const require = createRequire(import.meta.url);
    // The package's `bindings` entry is the compiled addon only; the default entry
    // silently falls back to elliptic.js, which we never want on the hot path.
    const lib = require('secp256k1/bindings') as {
      ecdsaRecover(
        sig: Uint8Array,
        recid: number,
        msg32: Uint8Array,
        compressed: boolean,
        out?: Uint8Array,
      ): Uint8Array;
      ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
      ecdh(
        pubkey: Uint8Array,
        seckey: Uint8Array,
        opts: { hashfn: (x: Uint8Array) => Uint8Array; xbuf: Uint8Array; ybuf: Uint8Array },
        out: Uint8Array,
      ): Uint8Array;
    };
    cached = {
      recover(sig64, recid, digest) {
        try {
          return lib.ecdsaRecover(sig64, recid, digest, false).subarray(1);
        } catch {
          return null;
        }
      },
      sign(digest, secretKey) {
        return lib.ecdsaSign(digest, secretKey);
      },
      ecdhX(secretKey, publicKey) {
        try {
          // The hash function gets the shared point's coordinates; keeping x is plain ECDH.
          const opts = { hashfn: (x: Uint8Array) => x, xbuf: new Uint8Array(32), ybuf: new Uint8Array(32) };
          return lib.ecdh(publicKey, secretKey, opts, new Uint8Array(32));
        } catch {
          return null;
        }
      },
    };
  } catch {
    cached = null;
  }
  return cached;
}
