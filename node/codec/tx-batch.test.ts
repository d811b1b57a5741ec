import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, hostileBytes } from '../../test/helpers/fuzz.js';
import { CodecError, decodeCanonical, encodeCanonical } from './canonical.js';
import { decodeTxBatch, encodeTxBatch } from './tx-batch.js';

/** Lengths on both sides of every header boundary (bin8/16/32, fixarray/array16). */
const rawArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(255, 256, 65535, 65536).map((n) => new Uint8Array(n).fill(n & 0xff)),
);
const batchArb = fc.oneof(
  fc.array(rawArb, { maxLength: 20 }),
  fc.constantFrom(15, 16, 17).map((n) => Array.from({ length: n }, (_, i) => Uint8Array.of(i))),
);
/** Small batches for mutation (the mutator copies byte by byte); bin16 headers included. */
const smallBatchArb = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(255, 256).map((n) => new Uint8Array(n)),
  ),
  { maxLength: 17 },
);

/** What the general canonical decoder says of a batch: its items, or null if refused. */
function canonicalBatch(bytes: Uint8Array): Uint8Array[] | null {
  try {
    const v = decodeCanonical(bytes);
    return Array.isArray(v) && v.every((x) => x instanceof Uint8Array) ? (v as Uint8Array[]) : null;
  } catch (e) {
    if (e instanceof CodecError) return null;
    throw e;
  }
}

function decodedOrNull(bytes: Uint8Array): Uint8Array[] | null {
  try {
    return decodeTxBatch(bytes);
  } catch (e) {
    if (e instanceof CodecError) return null;
    throw e;
  }
}

describe('transaction batch codec', () => {
  it('encodes exactly as the canonical encoder does, and decodes back to views of the input', () => {
    fc.assert(
      fc.property(batchArb, (raws) => {
        const bytes = encodeTxBatch(raws);
        expect(Buffer.from(bytes).equals(Buffer.from(encodeCanonical(raws)))).toBe(true);
        const back = decodeTxBatch(bytes);
        expect(back.map((r) => Buffer.from(r).toString('hex'))).toEqual(
          raws.map((r) => Buffer.from(r).toString('hex')),
        );
        for (const r of back) expect(r.buffer).toBe(bytes.buffer);
      }),
      fuzzParams(200),
    );
  });

  it('fuzz: accepts exactly what the canonical decoder accepts as an array of byte strings, with the same items', () => {
    const hostile = hostileBytes(smallBatchArb.map(encodeTxBatch));
    fc.assert(
      fc.property(hostile, (bytes) => {
        const expected = canonicalBatch(bytes);
        const got = decodedOrNull(bytes);
        if (expected === null) expect(got).toBeNull();
        else
          expect(got?.map((r) => Buffer.from(r).toString('hex'))).toEqual(
            expected.map((r) => Buffer.from(r).toString('hex')),
          );
      }),
      fuzzParams(2000),
    );
  });

  it('refuses non-minimal headers, other types, truncation and trailing bytes', () => {
    const refused = [
      [],
      [0xc0], // nil
      [0x91, 0xa1, 0x61], // an array holding a string
      [0xdc, 0x00, 0x01, 0xc4, 0x00], // array16 for one item
      [0x91, 0xc5, 0x00, 0x01, 0x07], // bin16 for one byte
      [0x91, 0xc6, 0x00, 0x00, 0x00, 0x01, 0x07], // bin32 for one byte
      [0x92, 0xc4, 0x00], // one item short
      [0x91, 0xc4, 0x02, 0x07], // a byte string past the end
      [0x91, 0xc4, 0x00, 0x00], // trailing byte
      [0xdd, 0xff, 0xff, 0xff, 0xff], // a count the input cannot hold
    ];
    for (const b of refused) expect(() => decodeTxBatch(Uint8Array.from(b)), JSON.stringify(b)).toThrow(CodecError);
    expect(decodeTxBatch(Uint8Array.of(0x90))).toEqual([]);
  });
});
