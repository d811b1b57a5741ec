import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * Keccak-256 through the `keccak` package's N-API addon (the XKCP reference code), about
 * 3x faster than the portable @noble/hashes on this machine for the 32–2,000-byte inputs a
 * block hashes thousands of times. Optional: null when the addon is missing, and the
 * suite then uses @noble/hashes. `node/crypto/ecdsa.test.ts` checks both agree.
 */
export type HashFn = (data: Uint8Array) => Uint8Array;

interface KeccakAddon {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

let cached: HashFn | null | undefined;

export function loadNativeKeccak256(): HashFn | null {
  if (cached !== undefined) return cached;
  if (process.env.LINGDING_NO_NATIVE_CRYPTO === '1' || process.env.LINGDING_NO_NATIVE_KECCAK === '1')
    return (cached = null);
  try {
    const require = createRequire(import.meta.url);
    // The raw addon, not the package's stream wrapper: one hash is a few microseconds and
    // the wrapper's stream machinery would cost more than the hash.
    const Addon = require('node-gyp-build')(dirname(require.resolve('keccak/package.json'))) as new () => KeccakAddon;
    if (typeof Addon !== 'function') return (cached = null);
    // One sponge, re-initialised per hash (initialize resets its whole state): allocating a
    // native object per hash cost a third of the time of hashing 64 bytes. Safe because a
    // hash runs to completion synchronously, and each worker thread loads its own module.
    const k = new Addon();
    cached = (data: Uint8Array) => {
      k.initialize(1088, 512); // keccak-256: rate 1088, capacity 512
      k.absorb(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      k.absorbLastFewBits(0x01); // original Keccak padding (not SHA-3's 0x06)
      const out = k.squeeze(32);
      return new Uint8Array(out.buffer, out.byteOffset, 32);
    };
  } catch {
    cached = null;
  }
  return cached;
}
