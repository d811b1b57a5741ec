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
    // Small inputs are copied into one off-heap buffer: reading `.buffer` of a small array
    // V8 keeps on its heap (most hashed things: keys, leaves, 32-byte hashes) makes V8 move
    // it off the heap, an allocation per hash.
    const scratch = Buffer.allocUnsafeSlow(4096);
    cached = (data: Uint8Array) => {
      k.initialize(1088, 512); // keccak-256: rate 1088, capacity 512
      if (data.byteLength <= scratch.length) {
        scratch.set(data);
        k.absorb(scratch.subarray(0, data.byteLength));
      } else k.absorb(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      k.absorbLastFewBits(0x01); // original Keccak padding (not SHA-3's 0x06)
      // Copied out to a 32-byte array on V8's heap: cheaper to keep than the addon's buffer.
      const digest = new Uint8Array(32);
      digest.set(k.squeeze(32));
      return digest;
    };
  } catch {
    cached = null;
  }
  return cached;
}
