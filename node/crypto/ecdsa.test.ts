import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SigningKey, computeAddress } from 'ethers';
import { createEcdsaSuite, portableRecover } from './ecdsa.js';
import { loadNativeSecp256k1 } from './native-secp256k1.js';
import { createSuite } from './index.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

const native = createEcdsaSuite();
const portable = createEcdsaSuite({ native: false });
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
const fromHex = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));

function scalarBytes(x: bigint): Uint8Array {
  return fromHex(x.toString(16).padStart(64, '0'));
}

function withRS(sig: Uint8Array, r: bigint | null, s: bigint | null): Uint8Array {
  const out = Uint8Array.from(sig);
  if (r !== null) out.set(scalarBytes(r), 0);
  if (s !== null) out.set(scalarBytes(s), 32);
  return out;
}

/** All three recovery paths must agree: both null, or the same key. */
function expectAgreement(digest: Uint8Array, sig: Uint8Array): Uint8Array | null {
  const a = native.recoverSigner(digest, sig);
  const b = portable.recoverSigner(digest, sig);
  const c = portableRecover(digest, sig);
  expect(hex(a)).toBe(hex(b));
  expect(hex(c)).toBe(hex(b));
  return b;
}

const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => {
  const d = BigInt('0x' + Buffer.from(k).toString('hex'));
  return d > 0n && d < N;
});
const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('ecdsa suite', () => {
  it.skipIf(process.env.LINGDING_NO_NATIVE_CRYPTO === '1')(
    'loads the native libsecp256k1 addon (so the fast path is really exercised)',
    () => {
      // The suite falls back silently when the addon is missing; this says so loudly.
      expect(loadNativeSecp256k1()).not.toBeNull();
    },
  );

  it('derives Ethereum addresses (known test vector)', () => {
    const kp = native.keyPairFromSecret(fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'));
    expect(hex(kp.address)).toBe('2c7536e3605d9c16a7a3d7b1898e529396a65c23');
    expect(kp.publicKey).toHaveLength(64);
  });

  it('hashes with keccak-256 (not SHA3-256)', () => {
    expect(hex(native.hash(new Uint8Array(0)))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });

  it('signs and recovers, and agrees with ethers.js on keys, addresses and signatures', () => {
    fc.assert(
      fc.property(secretArb, digestArb, (secret, digest) => {
        const kp = native.keyPairFromSecret(secret);
        const sig = native.sign(digest, secret);
        expect(sig).toHaveLength(65);
        expect(BigInt('0x' + Buffer.from(sig.subarray(32, 64)).toString('hex')) <= HALF_N).toBe(true);
        expect(hex(expectAgreement(digest, sig))).toBe(hex(kp.publicKey));
        expect(native.verify(digest, sig, kp.publicKey)).toBe(true);
        expect(portable.verify(digest, sig, kp.publicKey)).toBe(true);

        const ethSig = '0x' + Buffer.from(sig.subarray(0, 64)).toString('hex') + (27 + sig[64]).toString(16);
        const ethPub = SigningKey.recoverPublicKey(digest, ethSig);
        expect(ethPub.slice(4)).toBe(hex(kp.publicKey));
        expect(computeAddress(ethPub).toLowerCase()).toBe('0x' + hex(kp.address));
        // RFC 6979 deterministic nonces: ethers produces the very same signature.
        expect(new SigningKey(secret).sign(digest).serialized.slice(0, 130)).toBe(ethSig.slice(0, 130));
        // libsecp256k1 and noble sign the same bytes, recovery id included.
        expect(hex(portable.sign(digest, secret))).toBe(hex(sig));
      }),
      { numRuns: 25 },
    );
  });

  it('does not verify against another key or digest', () => {
    const a = native.generateKeyPair();
    const b = native.generateKeyPair();
    const digest = native.hash(new TextEncoder().encode('pay 100'));
    const sig = native.sign(digest, a.secretKey);
    expect(native.verify(digest, sig, b.publicKey)).toBe(false);
    expect(native.verify(native.hash(new TextEncoder().encode('pay 101')), sig, a.publicKey)).toBe(false);
    expect(native.verify(digest, sig, a.publicKey.subarray(1))).toBe(false);
  });

  it('native and portable agree on malformed signatures: bad v, r or s out of range, high s', () => {
    fc.assert(
      fc.property(secretArb, digestArb, (secret, digest) => {
        const sig = native.sign(digest, secret);
        const s = BigInt('0x' + Buffer.from(sig.subarray(32, 64)).toString('hex'));
        const flipV = Uint8Array.from(sig);
        flipV[64] ^= 1;
        const cases: Uint8Array[] = [
          ...[2, 3, 27, 28, 255].map((v) => Object.assign(Uint8Array.from(sig), { 64: v })),
          withRS(sig, 0n, null),
          withRS(sig, null, 0n),
          withRS(sig, N, null),
          withRS(sig, N + 1n, null),
          withRS(sig, (1n << 256n) - 1n, null),
          withRS(sig, null, N),
          withRS(sig, null, HALF_N + 1n),
          // The malleable twin (r, n - s, v ^ 1) is a valid signature by the same key: refused.
          Object.assign(withRS(sig, null, N - s), { 64: sig[64] ^ 1 }),
          flipV,
          sig.subarray(0, 64),
          Uint8Array.from([...sig, 0]),
        ];
        for (const c of cases) {
          const key = expectAgreement(digest, c);
          if (c !== flipV) expect(key).toBeNull();
        }
        expect(native.recoverSigner(digest.subarray(0, 31), sig)).toBeNull();
        expect(portableRecover(digest.subarray(0, 31), sig)).toBeNull();
        expect(portableRecover(Uint8Array.from([...digest, 0]), sig)).toBeNull();
      }),
      { numRuns: 25 },
    );
  });

  it('native and portable agree on random signature bytes', () => {
    fc.assert(
      fc.property(
        digestArb,
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.constantFrom(0, 1),
        (digest, rs, v) => {
          // Random r, s with a valid v: roughly half have an r that is no curve point's x.
          expectAgreement(digest, Uint8Array.from([...rs, v]));
          // Force s low so more cases reach the curve maths rather than the range check.
          const low = Uint8Array.from([...rs, v]);
          low[32] &= 0x7f;
          expectAgreement(digest, low);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects invalid secret keys', () => {
    expect(() => native.keyPairFromSecret(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => native.keyPairFromSecret(new Uint8Array(32))).toThrow(/valid secp256k1 scalar/);
    expect(() => native.keyPairFromSecret(scalarBytes(N))).toThrow(/valid secp256k1 scalar/);
    expect(() => native.sign(new Uint8Array(31), native.generateKeyPair().secretKey)).toThrow(/32 bytes/);
  });

  it('createSuite names the suites', () => {
    expect(createSuite('ecdsa').name).toBe('ecdsa');
    expect(() => createSuite('rsa' as never)).toThrow(/unknown crypto suite/);
  });
});

describe('WebAssembly keccak-256', () => {
  it('agrees with @noble/hashes on random inputs of every block-boundary length, and past the module memory', async () => {
    const { createWasmKeccak256 } = await import('./wasm-keccak.js');
    const { keccak_256 } = await import('@noble/hashes/sha3.js');
    const fcm = (await import('fast-check')).default;
    const wasm = createWasmKeccak256();
    const same = (d: Uint8Array) => Buffer.from(wasm(d)).equals(Buffer.from(keccak_256(d)));
    // Block boundaries (136-byte rate) and the 64 KiB page's input area (65,008 bytes a chunk).
    for (const len of [0, 1, 31, 32, 135, 136, 137, 271, 272, 1000, 65007, 65008, 65009, 65536, 200_000]) {
      const d = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff);
      expect(same(d), `length ${len}`).toBe(true);
    }
    fcm.assert(fcm.property(fcm.uint8Array({ maxLength: 600 }), same), { numRuns: 300 });
    // Views into larger buffers hash only their own bytes; a digest is not overwritten by the next hash.
    const big = new Uint8Array(100).fill(9);
    const first = wasm(big.subarray(10, 20));
    expect(Buffer.from(first).equals(Buffer.from(keccak_256(big.slice(10, 20))))).toBe(true);
    wasm(new Uint8Array(5));
    expect(Buffer.from(first).equals(Buffer.from(keccak_256(big.slice(10, 20))))).toBe(true);
  });
});
