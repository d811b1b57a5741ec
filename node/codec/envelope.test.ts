import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
  EnvelopeError,
  envelopeToCanonical,
  MAX_CIPHERTEXT_BYTES,
  MAX_RECIPIENTS,
  openRecord,
  sealRecord,
} from './envelope.js';
import { generateSupervisionKey, keyIdOf, type RandomSource, supervisionKeyFromSecret } from '../crypto/envelope.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Deterministic randomness: keccak256(seed ‖ counter), as long as asked. */
function fixedRandom(seed: number): RandomSource {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 32) {
      const block = keccak_256(encodeCanonical([seed, counter++]));
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    return out;
  };
}

const keys = Array.from({ length: 6 }, (_, i) => generateSupervisionKey(fixedRandom(1000 + i)));

function expectEnvelopeError(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    expect((e as EnvelopeError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('private record envelope', () => {
  it('every recipient opens what was sealed; a key that is not a recipient cannot', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }),
        fc.integer(),
        (pilotId, record, chosen, seed) => {
          const sealed = sealRecord({
            pilotId,
            record,
            recipients: chosen.map((i) => keys[i].publicKey),
            rng: fixedRandom(seed),
          });
          const envelope = decodeEnvelope(encodeEnvelope(sealed.envelope));
          expect(hex(sealed.commitment)).toBe(hex(keccak_256(new Uint8Array([...sealed.salt, ...record]))));
          for (const i of chosen) {
            const opened = openRecord(envelope, keys[i].secretKey);
            expect(hex(opened.record)).toBe(hex(record));
            expect(hex(opened.salt)).toBe(hex(sealed.salt));
            expect(hex(opened.commitment)).toBe(hex(sealed.commitment));
          }
          expectEnvelopeError(() => openRecord(envelope, keys[5].secretKey), 'NOT_A_RECIPIENT');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('tampering with any byte of the ciphertext, iv, commitment, pilot id or a wrapped key is detected', () => {
    const sealed = sealRecord({
      pilotId: 7,
      record: new TextEncoder().encode('invoice 42: 1000 HKD'),
      recipients: [keys[0].publicKey, keys[1].publicKey],
      rng: fixedRandom(1),
    });
    const e = sealed.envelope;
    const flip = (b: Uint8Array, at: number) => {
      const out = Uint8Array.from(b);
      out[at] ^= 0x01;
      return out;
    };
    const withEntry = (field: 'wrapIv' | 'wrappedKey' | 'ephemeralPublicKey', at: number): Envelope => ({
      ...e,
      recipients: [{ ...e.recipients[0], [field]: flip(e.recipients[0][field], at) }, e.recipients[1]],
    });
    const open = (x: Envelope) => () => openRecord(x, keys[0].secretKey);
    for (let at = 0; at < e.ciphertext.length; at++)
      expectEnvelopeError(open({ ...e, ciphertext: flip(e.ciphertext, at) }), 'BAD_CIPHERTEXT');
    for (let at = 0; at < e.iv.length; at++) expectEnvelopeError(open({ ...e, iv: flip(e.iv, at) }), 'BAD_CIPHERTEXT');
    // The commitment and the pilot id are the ciphertext's AAD: changing either fails the tag.
    for (let at = 0; at < 32; at++)
      expectEnvelopeError(open({ ...e, commitment: flip(e.commitment, at) }), 'BAD_CIPHERTEXT');
    expectEnvelopeError(open({ ...e, pilotId: 8 }), 'BAD_CIPHERTEXT');
    for (let at = 0; at < 48; at++) expectEnvelopeError(open(withEntry('wrappedKey', at)), 'BAD_WRAPPED_KEY');
    for (let at = 0; at < 12; at++) expectEnvelopeError(open(withEntry('wrapIv', at)), 'BAD_WRAPPED_KEY');
    for (let at = 0; at < 33; at++) expectEnvelopeError(open(withEntry('ephemeralPublicKey', at)), 'BAD_WRAPPED_KEY');
    // An entry moved under another key id does not open either (the key id is the wrap's AAD).
    const swapped: Envelope = {
      ...e,
      recipients: [
        { ...e.recipients[1], keyId: e.recipients[0].keyId },
        { ...e.recipients[0], keyId: e.recipients[1].keyId },
      ],
    };
    expectEnvelopeError(open(swapped), 'BAD_WRAPPED_KEY');
    // The untouched envelope still opens for both.
    expect(openRecord(e, keys[1].secretKey).record).toEqual(new TextEncoder().encode('invoice 42: 1000 HKD'));
  });

  it('refuses a commitment that is not keccak256(salt ‖ record) even when everything decrypts', () => {
    const sealed = sealRecord({ pilotId: 3, record: new Uint8Array([1, 2, 3]), recipients: [keys[0].publicKey] });
    // Re-encrypt under the record's own data key with another commitment in the AAD: only the
    // sender (who holds the data key) can make this, and opening must still refuse it.
    const badCommitment = new Uint8Array(32).fill(9);
    const ciphertext = gcm(sealed.dataKey, sealed.envelope.iv, encodeCanonical([3, badCommitment])).encrypt(
      encodeCanonical([sealed.salt, new Uint8Array([1, 2, 3])]),
    );
    expectEnvelopeError(
      () => openRecord({ ...sealed.envelope, commitment: badCommitment, ciphertext }, keys[0].secretKey),
      'COMMITMENT_MISMATCH',
    );
  });

  it('matches a known answer with fixed randomness, so the format cannot drift silently', () => {
    const sealed = sealRecord({
      pilotId: 1,
      record: new TextEncoder().encode('lingding'),
      recipients: [keys[0].publicKey],
      rng: fixedRandom(42),
    });
    expect(hex(keys[0].publicKey)).toMatchInlineSnapshot(
      `"02e66e6df3dbac276bebc6e175c7d6ada6bbc2560dc6112e6b2013280d1b6c9817"`,
    );
    expect(hex(keyIdOf(keys[0].publicKey))).toMatchInlineSnapshot(`"855c00127f6cc46e24a7448fdaf81f64a3dc2d50"`);
    expect(hex(sealed.commitment)).toMatchInlineSnapshot(
      `"d7a4802f12f06dca31c93189f8e161b97e3c9ea57eafe9cf8e2058286fe0b1b2"`,
    );
    expect(hex(encodeEnvelope(sealed.envelope))).toMatchInlineSnapshot(
      `"960101c420d7a4802f12f06dca31c93189f8e161b97e3c9ea57eafe9cf8e2058286fe0b1b2c40c2f4bfc6811c43facbd0a307fc43da8dfd23d68b23896b63b7fab865a81c0fca0d66f673432d7730352f0018f85d79aa8539832eb53b0168bb094ff3e93e1c84974327fec997cdd5f1f2d529194c414855c00127f6cc46e24a7448fdaf81f64a3dc2d50c4210213f098460ecf47ece9590a27b9407707ec365422ca0d73344164812fe3e9cd09c40c752cdbe88d0284c5d0c0e995c4304cdf44ac3ede6c3ddb861672f29d1d61c79d7c9b8e7eb00f4c5a9aa0260f51e1f7bd990cf663a2f9af80e138db4c8908"`,
    );
  });

  it('is exactly decision 6: ECDH x, HKDF-SHA256(salt = eph ‖ recipient, info lingding/ecies/v1), AES-256-GCM twice', () => {
    const record = new TextEncoder().encode('receivable #9');
    const { envelope, salt } = sealRecord({ pilotId: 4, record, recipients: [keys[2].publicKey], rng: fixedRandom(3) });
    const [entry] = envelope.recipients;
    expect(hex(entry.keyId)).toBe(hex(keccak_256(keys[2].publicKey).slice(12)));
    const shared = secp256k1.getSharedSecret(keys[2].secretKey, entry.ephemeralPublicKey, true).slice(1);
    const kek = hkdf(
      sha256,
      shared,
      new Uint8Array([...entry.ephemeralPublicKey, ...keys[2].publicKey]),
      new TextEncoder().encode('lingding/ecies/v1'),
      32,
    );
    const dataKey = gcm(kek, entry.wrapIv, entry.keyId).decrypt(entry.wrappedKey);
    const plaintext = gcm(dataKey, envelope.iv, encodeCanonical([4, envelope.commitment])).decrypt(envelope.ciphertext);
    expect(decodeCanonical(plaintext)).toEqual([salt, record]);
  });

  it('derives the key id as keccak256(compressed public key)[12:]', () => {
    const k = supervisionKeyFromSecret(new Uint8Array(32).fill(1));
    expect(hex(k.keyId)).toBe(hex(keccak_256(k.publicKey).slice(12)));
    expect(k.publicKey).toHaveLength(33);
  });

  it('seals once per distinct recipient key and refuses bad requests', () => {
    const sealed = sealRecord({
      pilotId: 1,
      record: new Uint8Array(1),
      recipients: [keys[0].publicKey, keys[0].publicKey],
    });
    expect(sealed.envelope.recipients).toHaveLength(1);
    expectEnvelopeError(() => sealRecord({ pilotId: 1, record: new Uint8Array(1), recipients: [] }), 'INVALID_REQUEST');
    expectEnvelopeError(
      () => sealRecord({ pilotId: 0, record: new Uint8Array(1), recipients: [keys[0].publicKey] }),
      'INVALID_REQUEST',
    );
    expectEnvelopeError(
      () => sealRecord({ pilotId: 1, record: new Uint8Array(1), recipients: [keys[0].publicKey.slice(1)] }),
      'BAD_PUBLIC_KEY',
    );
    expectEnvelopeError(
      () => sealRecord({ pilotId: 1, record: new Uint8Array(MAX_CIPHERTEXT_BYTES), recipients: [keys[0].publicKey] }),
      'TOO_LARGE',
    );
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => generateSupervisionKey(fixedRandom(i)).publicKey);
    expectEnvelopeError(() => sealRecord({ pilotId: 1, record: new Uint8Array(1), recipients: many }), 'TOO_LARGE');
    expect(
      sealRecord({ pilotId: 1, record: new Uint8Array(1), recipients: many.slice(0, MAX_RECIPIENTS) }).envelope
        .recipients,
    ).toHaveLength(MAX_RECIPIENTS);
  });

  it('decodeEnvelope refuses every malformed field with a CodecError', () => {
    const sealed = sealRecord({
      pilotId: 5,
      record: new Uint8Array(10),
      recipients: [keys[0].publicKey, keys[1].publicKey],
    });
    const good = envelopeToCanonical(sealed.envelope) as Canonical[];
    const entry = (good[5] as Canonical[])[0] as Canonical[];
    const withField = (i: number, v: Canonical) => good.map((x, j) => (j === i ? v : x));
    const withEntryField = (i: number, v: Canonical) => withField(5, [entry.map((x, j) => (j === i ? v : x))]);
    const bad: Canonical[] = [
      [...good, 1],
      good.slice(0, 5),
      withField(0, 2),
      withField(1, 0),
      withField(1, -1),
      withField(1, '1'),
      withField(2, new Uint8Array(31)),
      withField(3, new Uint8Array(16)),
      withField(4, new Uint8Array(15)),
      withField(4, new Uint8Array(MAX_CIPHERTEXT_BYTES + 1)),
      withField(4, 'ciphertext'),
      withField(5, []),
      withField(
        5,
        Array.from({ length: MAX_RECIPIENTS + 1 }, () => entry),
      ),
      withField(5, [entry, entry]),
      withField(5, [entry.slice(0, 3)]),
      withEntryField(0, new Uint8Array(32)),
      withEntryField(1, new Uint8Array(65)),
      withEntryField(2, new Uint8Array(16)),
      withEntryField(3, new Uint8Array(32)),
      withEntryField(3, null),
      'envelope',
    ];
    for (const v of bad) expect(() => decodeEnvelope(encodeCanonical(v))).toThrow(CodecError);
    expect(decodeCanonical(encodeEnvelope(decodeEnvelope(encodeCanonical(good))))).toEqual(good);
  });
});
