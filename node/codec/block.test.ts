import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';
import {
  BLOCK_VERSION,
  HASH_LENGTH,
  ReceiptStatus,
  blockHash,
  certFromCanonical,
  certToCanonical,
  decodeBlock,
  decodeReceipt,
  encodeBlock,
  encodeHeader,
  encodeReceipt,
  headerFromCanonical,
  headerToCanonical,
  encodeReceipts,
  receiptLeaf,
  receiptToCanonical,
  splitEncodedBlock,
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type Receipt,
} from './block.js';
import { TxType, encodeTx, type NativeTx } from './tx.js';
import { createEcdsaSuite } from '../crypto/ecdsa.js';

const hash32 = fc.uint8Array({ minLength: HASH_LENGTH, maxLength: HASH_LENGTH });
const bytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 });

const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  version: fc.constantFrom(BLOCK_VERSION, 2),
  parentHash: hash32,
  number: fc.maxSafeNat(),
  // Real timestamps (ms) are all above 2^32, where the uint64 form is used.
  timestamp: fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 4_000_000_000_000 }), fc.maxSafeNat()),
  proposer: fc.nat(100),
  txRoot: hash32,
  receiptRoot: hash32,
  stateRoot: hash32,
  gasUsed: fc.maxSafeNat(),
  view: fc.maxSafeNat(),
});

const txArb: fc.Arbitrary<NativeTx> = fc.record({
  type: fc.constant(TxType.Native),
  chainId: fc.string({ minLength: 1, maxLength: 20 }),
  nonce: hash32,
  blockLimit: fc.maxSafeNat(),
  to: fc.option(bytes20, { nil: null }),
  input: fc.uint8Array({ maxLength: 64 }),
  gasLimit: fc.maxSafeNat(),
  signature: fc.uint8Array({ minLength: 65, maxLength: 65 }),
});

const blockArb: fc.Arbitrary<Block> = fc.record({ header: headerArb, transactions: fc.array(txArb, { maxLength: 4 }) });

const receiptArb: fc.Arbitrary<Receipt> = fc.record({
  status: fc.constantFrom(...Object.values(ReceiptStatus)),
  gasUsed: fc.maxSafeNat(),
  output: fc.uint8Array({ maxLength: 64 }),
  logs: fc.array(
    fc.record({ address: bytes20, topics: fc.array(hash32, { maxLength: 4 }), data: fc.uint8Array({ maxLength: 64 }) }),
    { maxLength: 3 },
  ),
  contractAddress: fc.option(bytes20, { nil: null }),
  message: fc.string({ maxLength: 40 }),
});

const certArb: fc.Arbitrary<CommitCertificate> = fc.record({
  view: fc.maxSafeNat(),
  signatures: fc.array(fc.tuple(fc.nat(100), fc.uint8Array({ minLength: 65, maxLength: 65 })), { maxLength: 7 }),
});

describe('block, receipt and certificate codecs', () => {
  it('round-trips arbitrary blocks', () => {
    fc.assert(
      fc.property(blockArb, (b) => {
        const bytes = encodeBlock(b);
        expect(decodeBlock(bytes)).toEqual(b);
        expect(encodeBlock(decodeBlock(bytes))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips arbitrary headers, and the block hash is over the canonical header bytes', () => {
    const suite = createEcdsaSuite();
    fc.assert(
      fc.property(headerArb, (h) => {
        const back = headerFromCanonical(decodeCanonical(encodeHeader(h)));
        expect(back).toEqual(h);
        expect(blockHash(suite, back)).toEqual(suite.hash(encodeCanonical(headerToCanonical(h))));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips arbitrary receipts', () => {
    fc.assert(
      fc.property(receiptArb, (r) => {
        expect(decodeReceipt(encodeReceipt(r))).toEqual(r);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips arbitrary commit certificates', () => {
    fc.assert(
      fc.property(certArb, (c) => {
        const back = certFromCanonical(decodeCanonical(encodeCanonical(certToCanonical(c))));
        expect(back).toEqual(c);
      }),
      { numRuns: 200 },
    );
  });

  it('changes the block hash when any header field changes', () => {
    const suite = createEcdsaSuite();
    fc.assert(
      fc.property(headerArb, headerArb, (a, b) => {
        const same = Buffer.from(encodeHeader(a)).equals(Buffer.from(encodeHeader(b)));
        expect(Buffer.from(blockHash(suite, a)).equals(Buffer.from(blockHash(suite, b)))).toBe(same);
      }),
      { numRuns: 100 },
    );
  });

  const goodHeader = (): Canonical[] => [
    1,
    new Uint8Array(32),
    1,
    1_700_000_000_000,
    0,
    new Uint8Array(32),
    new Uint8Array(32),
    new Uint8Array(32),
    0,
    0,
  ];
  const goodReceipt = (): Canonical[] => [
    0,
    21000,
    new Uint8Array(0),
    [[new Uint8Array(20), [new Uint8Array(32)], new Uint8Array(0)]],
    null,
    '',
  ];

  it.each<[string, () => Canonical, RegExp]>([
    ['a header with 9 fields', () => goodHeader().slice(0, 9), /10 fields/],
    [
      'a header with a 31-byte parentHash',
      () => Object.assign(goodHeader(), { 1: new Uint8Array(31) }),
      /parentHash must be 32 bytes/,
    ],
    [
      'a header with a negative number',
      () => Object.assign(goodHeader(), { 2: -1 }),
      /number must be a non-negative integer/,
    ],
    [
      'a header with a string stateRoot',
      () => Object.assign(goodHeader(), { 7: 'root' }),
      /stateRoot must be 32 bytes/,
    ],
  ])('rejects %s', (_name, make, message) => {
    expect(() => headerFromCanonical(make())).toThrow(CodecError);
    expect(() => headerFromCanonical(make())).toThrow(message);
  });

  it.each<[string, () => Canonical, RegExp]>([
    ['a receipt with 5 fields', () => goodReceipt().slice(0, 5), /6 fields/],
    ['an unknown receipt status', () => Object.assign(goodReceipt(), { 0: 99 }), /unknown receipt status 99/],
    ['a string output', () => Object.assign(goodReceipt(), { 2: 'out' }), /output must be bytes/],
    ['a log that is not a triple', () => Object.assign(goodReceipt(), { 3: [[new Uint8Array(20)]] }), /log malformed/],
    [
      'a log topic that is not bytes',
      () => Object.assign(goodReceipt(), { 3: [[new Uint8Array(20), [7], new Uint8Array(0)]] }),
      /topics must be bytes/,
    ],
    ['a string contractAddress', () => Object.assign(goodReceipt(), { 4: 'addr' }), /contractAddress/],
    ['a non-string message', () => Object.assign(goodReceipt(), { 5: 5 }), /message must be a string/],
  ])('rejects %s', (_name, make, message) => {
    const bytes = encodeCanonical(make());
    expect(() => decodeReceipt(bytes)).toThrow(CodecError);
    expect(() => decodeReceipt(bytes)).toThrow(message);
  });

  it('rejects blocks whose shape or transactions are malformed', () => {
    expect(() => decodeBlock(encodeCanonical([goodHeader()]))).toThrow(/block must be/);
    expect(() => decodeBlock(encodeCanonical([goodHeader(), [[TxType.Native]]]))).toThrow(/8 fields/);
    expect(() => certFromCanonical([1, [[0, 'sig']]])).toThrow(/certificate signature 0 malformed/);
    expect(() => certFromCanonical([-1, []])).toThrow(/certificate view/);
  });

  it('encodes a receipt exactly as its canonical form', () => {
    fc.assert(
      fc.property(receiptArb, (r) => {
        expect(encodeReceipt(r)).toEqual(encodeCanonical(receiptToCanonical(r)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('splitEncodedBlock', () => {
  const splitsBack = (b: Block) => {
    const { header, txs } = splitEncodedBlock(encodeBlock(b));
    expect(Buffer.from(header).equals(Buffer.from(encodeHeader(b.header)))).toBe(true);
    expect(txs).toHaveLength(b.transactions.length);
    txs.forEach((raw, i) => {
      expect(Buffer.from(raw).equals(Buffer.from(encodeTx(b.transactions[i])))).toBe(true);
    });
  };

  it('gives the header bytes and each transaction bytes of any encoded block', () => {
    // Past 15 transactions the array header takes its 16-bit form.
    fc.assert(
      fc.property(blockArb, fc.array(txArb, { maxLength: 20 }), (b, txs) => splitsBack({ ...b, transactions: txs })),
      {
        numRuns: 50,
      },
    );
    // …and past 65,535 its 32-bit form.
    const [header, tx] = [fc.sample(headerArb, 1)[0], fc.sample(txArb, 1)[0]];
    splitsBack({ header, transactions: Array.from({ length: 70_000 }, () => tx) });
  });

  it('refuses framing that is not canonical, and bytes that are no block, with a CodecError only', () => {
    const header = fc.sample(headerArb, 1)[0];
    const b = encodeBlock({ header, transactions: fc.sample(txArb, 2) });
    const headerEnd = 1 + encodeHeader(header).length;
    const bad = [
      new Uint8Array(0),
      b.subarray(0, b.length - 1), // truncated
      Uint8Array.from([...b, 0xc0]), // trailing byte
      Uint8Array.from([0x93, ...b.subarray(1)]), // three items
      // The transactions' array length in the 16-bit form where the fixed form fits.
      Uint8Array.from([...b.subarray(0, headerEnd), 0xdc, 0, 2, ...b.subarray(headerEnd + 1)]),
    ];
    for (const bytes of bad) expect(() => splitEncodedBlock(bytes)).toThrow(CodecError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(255), (noise, at, byte) => {
        const mutated = Uint8Array.from(b);
        mutated[at % mutated.length] = byte;
        for (const bytes of [noise, mutated]) {
          try {
            splitEncodedBlock(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('receipt encodings built from parts', () => {
  it('give the same bytes as encoding the whole structure', () => {
    fc.assert(
      fc.property(fc.array(receiptArb, { maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (rs, h) => {
        const whole = encodeCanonical(rs.map(receiptToCanonical));
        expect(Buffer.from(encodeReceipts(rs)).equals(Buffer.from(whole))).toBe(true);
        for (const r of rs)
          expect(Buffer.from(receiptLeaf(h, r)).equals(Buffer.from(encodeCanonical([h, receiptToCanonical(r)])))).toBe(
            true,
          );
      }),
      { numRuns: 100 },
    );
  });
});
