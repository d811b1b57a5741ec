import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import { encodeEnvelope, openRecord, sealRecord } from './envelope.js';
import { buildSignedTx } from './tx-builder.js';
import { generateSupervisionKey } from '../crypto/envelope.js';
import {
  ADDRESS_LENGTH,
  NONCE_LENGTH,
  TxType,
  decodeTx,
  encodeTx,
  encodeTxBody,
  signTx,
  txFromCanonical,
  txHash,
  txSignature,
  txSigningHash,
  txToCanonical,
  type NativeTx,
  type NativeTxBody,
  type PrivateTx,
} from './tx.js';
import { createEcdsaSuite } from '../crypto/ecdsa.js';
import { Transaction, Wallet, getBytes } from 'ethers';
import { toHex } from './hex.js';

const txBodyArb: fc.Arbitrary<NativeTxBody & { envelope?: undefined }> = fc.record({
  chainId: fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }).filter((s) => s.length <= 64),
  nonce: fc.uint8Array({ minLength: NONCE_LENGTH, maxLength: NONCE_LENGTH }),
  blockLimit: fc.maxSafeNat(),
  to: fc.option(fc.uint8Array({ minLength: ADDRESS_LENGTH, maxLength: ADDRESS_LENGTH }), { nil: null }),
  input: fc.uint8Array({ maxLength: 200 }),
  gasLimit: fc.maxSafeNat(),
});

const txArb: fc.Arbitrary<NativeTx> = fc
  .tuple(txBodyArb, fc.uint8Array({ maxLength: 80 }))
  .map(([body, signature]) => ({ type: TxType.Native, ...body, signature }));

const valid = (): Canonical[] => [
  TxType.Native,
  'lingding-test',
  new Uint8Array(NONCE_LENGTH).fill(7),
  100,
  new Uint8Array(ADDRESS_LENGTH).fill(1),
  new Uint8Array([1, 2, 3]),
  1_000_000,
  new Uint8Array(65),
];

function withField(i: number, v: Canonical): Canonical[] {
  const f = valid();
  f[i] = v;
  return f;
}

describe('transaction codec', () => {
  it('round-trips arbitrary transactions', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const bytes = encodeTx(tx);
        expect(decodeTx(bytes)).toEqual(tx);
        expect(txFromCanonical(txToCanonical(tx))).toEqual(tx);
      }),
      { numRuns: 300 },
    );
  });

  it('signs the body only: the signature is not part of the signing hash', () => {
    const suite = createEcdsaSuite();
    const kp = suite.generateKeyPair();
    fc.assert(
      fc.property(txBodyArb, (body) => {
        const tx = signTx(suite, body, kp.secretKey);
        const decoded = decodeTx(encodeTx(tx)) as NativeTx;
        expect(encodeTxBody(decoded)).toEqual(encodeTxBody(body));
        expect(suite.recoverSigner(txSigningHash(suite, decoded), decoded.signature)).toEqual(kp.publicKey);
      }),
      { numRuns: 30 },
    );
  });

  it("gives a decoded transaction's signing hash from its bytes, as encoding its body gives it (signatures of any length)", () => {
    const suite = createEcdsaSuite();
    const longSigTx = fc
      .tuple(txBodyArb, fc.constantFrom(0, 255, 256, 300, 65535, 65536))
      .map(([body, n]): NativeTx => ({ type: TxType.Native, ...body, signature: new Uint8Array(n).fill(3) }));
    fc.assert(
      fc.property(fc.oneof(txArb, longSigTx), (tx) => {
        const decoded = decodeTx(encodeTx(tx));
        expect(txSignature(suite, decoded).digest).toEqual(txSigningHash(suite, tx));
      }),
      { numRuns: 200 },
    );
    // Private transactions: 'signs the envelope with the body' recovers one decoded from its bytes.
  });

  it('accepts a deployment (to = null) and the bounds of every field', () => {
    const tx = decodeTx(encodeCanonical(withField(4, null)));
    expect(tx.to).toBeNull();
    expect(decodeTx(encodeCanonical(withField(1, 'x'.repeat(64)))).chainId).toHaveLength(64);
    expect((decodeTx(encodeCanonical(withField(3, 0))) as NativeTx).blockLimit).toBe(0);
    expect(decodeTx(encodeCanonical(withField(6, Number.MAX_SAFE_INTEGER))).gasLimit).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each<[string, Canonical, RegExp]>([
    ['a non-array', 5, /non-empty array/],
    ['an empty array', [], /non-empty array/],
    ['an unknown type tag', withField(0, 4), /unknown transaction type 4/],
    ['a string type tag', withField(0, '1'), /unknown transaction type/],
    ['too few fields', valid().slice(0, 7), /8 fields, got 7/],
    ['too many fields', [...valid(), null], /8 fields, got 9/],
    ['a numeric chainId', withField(1, 1), /chainId/],
    ['an empty chainId', withField(1, ''), /chainId/],
    ['a 65-character chainId', withField(1, 'x'.repeat(65)), /chainId/],
    ['a short nonce', withField(2, new Uint8Array(31)), /nonce must be 32 bytes/],
    ['a long nonce', withField(2, new Uint8Array(33)), /nonce must be 32 bytes/],
    ['a string nonce', withField(2, 'n'.repeat(32)), /nonce must be 32 bytes/],
    ['a negative blockLimit', withField(3, -1), /blockLimit/],
    ['a null blockLimit', withField(3, null), /blockLimit/],
    ['a bytes blockLimit', withField(3, new Uint8Array(8)), /blockLimit/],
    ['a 19-byte to', withField(4, new Uint8Array(19)), /to must be null or 20 bytes/],
    ['a string to', withField(4, '0x' + '11'.repeat(20)), /to must be null or 20 bytes/],
    ['a string input', withField(5, 'calldata'), /input must be bytes/],
    ['a null input', withField(5, null), /input must be bytes/],
    ['a negative gasLimit', withField(6, -5), /gasLimit/],
    ['a boolean gasLimit', withField(6, true), /gasLimit/],
    ['a missing signature', withField(7, null), /signature must be bytes/],
    ['a string signature', withField(7, 'sig'), /signature must be bytes/],
  ])('rejects %s', (_name, v, message) => {
    const bytes = encodeCanonical(v);
    expect(() => decodeTx(bytes)).toThrow(CodecError);
    expect(() => decodeTx(bytes)).toThrow(message);
  });

  it('rejects non-canonical bytes before looking at fields', () => {
    const bytes = encodeTx(txFromCanonical(valid()));
    expect(() => decodeTx(Uint8Array.from([...bytes, 0]))).toThrow(CodecError);
  });

  it('never throws anything but CodecError on mutated transactions', () => {
    fc.assert(
      fc.property(txArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (tx, at, byte) => {
        const bytes = encodeTx(tx);
        bytes[at % bytes.length] = byte;
        let back: NativeTx;
        try {
          back = decodeTx(bytes) as NativeTx;
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
          return;
        }
        expect(encodeTx(back)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Ethereum transactions in the ledger codec', () => {
  const suite = createEcdsaSuite();
  const wallet = new Wallet(`0x${'22'.repeat(32)}`);
  const signedEth = (nonce: number) => {
    const tx = Transaction.from({
      type: 2,
      chainId: 77,
      nonce,
      gasLimit: 50_000,
      to: `0x${'33'.repeat(20)}`,
      data: '0x01',
    });
    tx.signature = wallet.signingKey.sign(tx.unsignedHash);
    return tx;
  };

  it('are [2, signed bytes] on the ledger; txHash is Ethereum’s hash and txSignature recovers the wallet', () => {
    const eth = signedEth(3);
    const raw = getBytes(eth.serialized);
    const bytes = encodeCanonical([TxType.Ethereum, raw]);
    const tx = decodeTx(bytes);
    expect(tx.type).toBe(TxType.Ethereum);
    expect(encodeTx(tx)).toEqual(bytes);
    expect(txToCanonical(tx)).toEqual([TxType.Ethereum, raw]);
    expect(toHex(txHash(suite, tx))).toBe(eth.hash);
    const { digest, signature } = txSignature(suite, tx);
    expect(toHex(suite.addressFromPublicKey(suite.recoverSigner(digest, signature)!))).toBe(
      wallet.address.toLowerCase(),
    );
  });

  it('native txHash is unchanged: the suite hash of the canonical encoding', () => {
    expect(txHash(suite, txFromCanonical(valid()))).toEqual(suite.hash(encodeCanonical(valid())));
  });

  it.each([
    ['extra fields', [TxType.Ethereum, new Uint8Array([0xc0]), 1], /must be \[2, signed bytes\]/],
    ['a string payload', [TxType.Ethereum, 'f8'], /must be \[2, signed bytes\]/],
    [
      'bytes that are not an Ethereum transaction',
      [TxType.Ethereum, Uint8Array.of(0x05, 0xc0)],
      /unknown transaction type 0x05/,
    ],
  ] as const)('refuses %s', (_name, v, message) => {
    expect(() => decodeTx(encodeCanonical(v as unknown as Canonical))).toThrow(CodecError);
    expect(() => decodeTx(encodeCanonical(v as unknown as Canonical))).toThrow(message);
  });
});

describe('private transactions (type 3)', () => {
  const suite = createEcdsaSuite();
  const signer = suite.generateKeyPair();
  const regulator = generateSupervisionKey();
  const sealed = sealRecord({ pilotId: 2, record: new Uint8Array([7, 7]), recipients: [regulator.publicKey] });
  const built = buildSignedTx(
    suite,
    {
      chainId: 'lingding-test',
      height: 10,
      to: new Uint8Array(20).fill(1),
      input: new Uint8Array([1]),
      envelope: sealed.envelope,
    },
    signer.secretKey,
  );

  it('is [3, chainId, nonce, blockLimit, to, input, gasLimit, envelope, signature] and round-trips', () => {
    expect(built.tx.type).toBe(TxType.Private);
    const v = decodeCanonical(built.raw) as Canonical[];
    expect(v).toHaveLength(9);
    expect(v[0]).toBe(3);
    expect(encodeCanonical(v[7])).toEqual(encodeEnvelope(sealed.envelope));
    const tx = decodeTx(built.raw);
    expect(encodeTx(tx)).toEqual(built.raw);
    expect(txHash(suite, tx)).toEqual(built.hash);
    expect(openRecord((tx as PrivateTx).envelope, regulator.secretKey).record).toEqual(new Uint8Array([7, 7]));
  });

  it('signs the envelope with the body: another envelope recovers another sender', () => {
    const tx = decodeTx(built.raw) as PrivateTx;
    const recovered = (t: PrivateTx) => {
      const { digest, signature } = txSignature(suite, t);
      return toHex(suite.addressFromPublicKey(suite.recoverSigner(digest, signature)!));
    };
    expect(recovered(tx)).toBe(toHex(signer.address));
    const other = sealRecord({
      pilotId: 2,
      record: new Uint8Array([7, 7]),
      recipients: [regulator.publicKey],
    }).envelope;
    expect(recovered({ ...tx, envelope: other })).not.toBe(toHex(signer.address));
    // Without its envelope the same fields are a different (native) transaction.
    expect(txSigningHash(suite, { ...tx, envelope: undefined })).not.toEqual(txSigningHash(suite, tx));
  });

  it('refuses a type-3 transaction with a missing or malformed envelope', () => {
    const v = decodeCanonical(built.raw) as Canonical[];
    const envelope = v[7] as Canonical[];
    expect(() => decodeTx(encodeCanonical([...v.slice(0, 7), v[8]]))).toThrow(/private transaction must have 9 fields/);
    expect(() => decodeTx(encodeCanonical([...v.slice(0, 7), null, v[8]]))).toThrow(CodecError);
    expect(() => decodeTx(encodeCanonical([...v.slice(0, 7), [...envelope.slice(0, 5), []], v[8]]))).toThrow(
      /1\.\.32 recipients/,
    );
    // A native transaction does not take an envelope field.
    expect(() => decodeTx(encodeCanonical([1, ...v.slice(1)]))).toThrow(/native transaction must have 8 fields/);
  });
});
