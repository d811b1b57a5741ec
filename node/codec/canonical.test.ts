import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { CodecError, MAX_CANONICAL_DEPTH, decodeCanonical, encodeCanonical, type Canonical } from './canonical.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Integers at every msgpack form boundary, plus the safe-integer extremes. */
const BOUNDARY_INTS = [
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53 - 1),
];

const intArb = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(...BOUNDARY_INTS));
const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Long enough for str8 / str16 headers.
  fc.string({ unit: 'grapheme', minLength: 30, maxLength: 400 }),
);
const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 250, maxLength: 300 }));
const scalarArb: fc.Arbitrary<Canonical> = fc.oneof(fc.constant(null), fc.boolean(), intArb, stringArb, bytesArb);

const canonicalArb: fc.Arbitrary<Canonical> = fc.letrec<{ value: Canonical }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 6 }),
    // Occasionally long enough for an array16 header.
    fc.array(scalarArb, { minLength: 16, maxLength: 20 }),
  ),
})).value;

/** A mutation to apply to valid encoded bytes. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
);

type Mutation = { kind: string; at?: number; byte?: number; extra?: Uint8Array };

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : (m.at ?? 0) % bytes.length;
  switch (m.kind) {
    case 'set': {
      const out = Uint8Array.from(bytes);
      out[at] = m.byte!;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), m.byte!, ...bytes.subarray(at)]);
    default:
      return Uint8Array.from([...bytes, ...m.extra!]);
  }
}

/** The codec's contract for any input: a CodecError, or a value that encodes back to exactly these bytes. */
function expectStrict(bytes: Uint8Array): void {
  let value: Canonical;
  try {
    value = decodeCanonical(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return;
  }
  expect(toHex(encodeCanonical(value))).toBe(toHex(bytes));
}

/**
 * The reader decodeCanonical replaced, kept as an oracle: msgpackr decodes anything msgpack,
 * then a value is accepted only if it is in the canonical model and re-encodes to the input.
 */
const unpackr = new Unpackr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  int64AsType: 'number',
  mapsAsObjects: true,
  copyBuffers: true,
});
function referenceDecode(bytes: Uint8Array): { value: unknown } | null {
  try {
    const value = unpackr.unpack(new Uint8Array(bytes));
    return toHex(encodeCanonical(value as Canonical)) === toHex(bytes) ? { value } : null;
  } catch {
    return null;
  }
}
function expectSameAsReference(bytes: Uint8Array): void {
  const ref = referenceDecode(bytes);
  let ours: { value: unknown } | null;
  try {
    ours = { value: decodeCanonical(bytes) };
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    ours = null;
  }
  expect(ours === null, `accepts ${toHex(bytes)}`).toBe(ref === null);
  if (ours && ref) expect(ours.value).toEqual(ref.value);
}

describe('canonical codec', () => {
  it('accepts exactly what the msgpackr-based reader it replaced accepted, with the same values', () => {
    fc.assert(
      fc.property(canonicalArb, mutationArb, (v, m) => expectSameAsReference(mutate(encodeCanonical(v), m))),
      {
        numRuns: 1500,
      },
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), expectSameAsReference), { numRuns: 3000 });
    for (const n of BOUNDARY_INTS) expectSameAsReference(encodeCanonical(n));
  });

  it('round-trips arbitrary canonical values', () => {
    fc.assert(
      fc.property(canonicalArb, (v) => {
        const bytes = encodeCanonical(v);
        const back = decodeCanonical(bytes);
        expect(back).toEqual(v);
        expect(toHex(encodeCanonical(back))).toBe(toHex(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('writes the same bytes as msgpackr for every value msgpackr encodes minimally', () => {
    // Only positive integers >= 2^32 differ: msgpackr writes int64 there, we write uint64.
    const packr = new Packr({ useRecords: false, moreTypes: false, bundleStrings: false, useFloat32: 0 });
    const small = (v: Canonical): boolean =>
      typeof v === 'number' ? v < 2 ** 32 && v >= -(2 ** 31) : Array.isArray(v) ? v.every(small) : true;
    fc.assert(
      fc.property(canonicalArb.filter(small), (v) => {
        expect(toHex(encodeCanonical(v))).toBe(toHex(packr.pack(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('uses the smallest integer form at every boundary, uint64 for large positives', () => {
    expect(toHex(encodeCanonical(127))).toBe('7f');
    expect(toHex(encodeCanonical(128))).toBe('cc80');
    expect(toHex(encodeCanonical(65536))).toBe('ce00010000');
    expect(toHex(encodeCanonical(2 ** 32))).toBe('cf0000000100000000');
    expect(toHex(encodeCanonical(2 ** 53 - 1))).toBe('cf001fffffffffffff');
    expect(toHex(encodeCanonical(-32))).toBe('e0');
    expect(toHex(encodeCanonical(-33))).toBe('d0df');
    expect(toHex(encodeCanonical(-(2 ** 31) - 1))).toBe('d3ffffffff7fffffff');
    expect(toHex(encodeCanonical(-(2 ** 53 - 1)))).toBe('d3ffe0000000000001');
    expect(toHex(encodeCanonical(-0))).toBe('00');
    for (const n of BOUNDARY_INTS) expect(decodeCanonical(encodeCanonical(n))).toBe(n);
  });

  it('rejects any mutation, truncation or extension of valid bytes unless the result is itself canonical', () => {
    fc.assert(
      fc.property(canonicalArb, mutationArb, (v, m) => expectStrict(mutate(encodeCanonical(v), m))),
      { numRuns: 1500 },
    );
  });

  it('rejects or strictly round-trips arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), expectStrict), { numRuns: 1500 });
  });

  it.each([
    ['float64 1.5', 'cb3ff8000000000000', /type 0xcb is not canonical/],
    ['float64 holding an integer', 'cb3ff0000000000000', /type 0xcb is not canonical/],
    ['float32', 'ca3f800000', /type 0xca is not canonical/],
    ['empty map', '80', /type 0x80 is not canonical/],
    ['map inside array', '9181a16101', /\$\[0\]: msgpack type 0x81/],
    ['trailing byte', '9101ff', /malformed msgpack|non-canonical/],
    ['uint8 for a fixint', 'cc05', /non-canonical/],
    ['uint16 for a uint8', 'cd00ff', /non-canonical/],
    ['uint64 for a small int', 'cf0000000000000005', /non-canonical/],
    ['int8 for a positive', 'd005', /non-canonical/],
    ['int64 for a large positive', 'd30000000100000000', /non-canonical/],
    ['uint64 beyond 2^53', 'cf0020000000000000', /not a safe integer/],
    ['str8 for a fixstr', 'd90161', /non-canonical/],
    ['bin16 for a bin8', 'c5000100', /non-canonical/],
    ['array16 for a fixarray', 'dc0001c0', /non-canonical/],
    ['invalid UTF-8 in a string', 'a2c328', /non-canonical/],
    ['overlong UTF-8', 'a2c0af', /not valid UTF-8/],
    ['an encoded surrogate (CESU-8)', 'a3eda080', /not valid UTF-8/],
    ['a deep path', '9290919181a16101', /\$\[1\]\[0\]\[0\]: msgpack type 0x81/],
    ['int64 below -(2^53 - 1)', 'd3ffe0000000000000', /not a safe integer/],
    ['msgpack ext', 'd4010a', /type 0xd4 is not canonical/],
    ['msgpack timestamp', 'd6ff00000001', /type 0xd6 is not canonical/],
    ['reserved 0xc1', 'c1', /0xc1 is never used/],
    ['huge array length', 'ddffffffff', /malformed msgpack/],
    ['huge bin length', 'c6ffffffff00', /malformed msgpack/],
  ])('rejects %s', (_name, h, message) => {
    expect(() => decodeCanonical(hex(h))).toThrow(CodecError);
    expect(() => decodeCanonical(hex(h))).toThrow(message);
  });

  it('rejects empty and non-byte input', () => {
    expect(() => decodeCanonical(new Uint8Array(0))).toThrow(/empty input/);
    expect(() => decodeCanonical('c0' as unknown as Uint8Array)).toThrow(/not a byte array/);
  });

  it('rejects hostile nesting with a CodecError', () => {
    expect(() => decodeCanonical(hex('91'.repeat(100_000) + 'c0'))).toThrow(CodecError);
    expect(() => decodeCanonical(hex('91'.repeat(MAX_CANONICAL_DEPTH + 1) + 'c0'))).toThrow(/nested deeper/);
    let deep: Canonical = null;
    for (let i = 0; i < MAX_CANONICAL_DEPTH; i++) deep = [deep];
    expect(decodeCanonical(encodeCanonical(deep))).toEqual(deep);
    expect(() => encodeCanonical([deep])).toThrow(/nested deeper/);
  });

  it.each([
    ['undefined', undefined, /\$: type undefined/],
    ['a float', 1.5, /floats are not canonical/],
    ['NaN', NaN, /not a safe integer/],
    ['an unsafe integer', 2 ** 53, /not a safe integer/],
    ['a bigint', 5n, /type bigint/],
    ['a map', new Map(), /type Map/],
    ['an object', { a: 1 }, /type Object/],
    ['a Date', new Date(0), /type Date/],
    ['undefined inside an array', [1, [2, undefined]], /\$\[1\]\[1\]: type undefined/],
    ['a lone surrogate', 'a\uD800b', /lone UTF-16 surrogate/],
  ])('refuses to encode %s', (_name, v, message) => {
    expect(() => encodeCanonical(v as Canonical)).toThrow(CodecError);
    expect(() => encodeCanonical(v as Canonical)).toThrow(message);
  });

  it('decodes byte strings as fresh copies, not views into the input', () => {
    const bytes = new Uint8Array(encodeCanonical([new Uint8Array([1, 2, 3])])); // an array of its own
    const [b] = decodeCanonical(bytes) as [Uint8Array];
    expect(b.buffer).not.toBe(bytes.buffer);
    bytes.fill(0);
    expect([...b]).toEqual([1, 2, 3]);
  });

  it('leaves the input array untouched (no cached properties added to it)', () => {
    const bytes = encodeCanonical([1, 'two', new Uint8Array([3])]);
    decodeCanonical(bytes);
    expect(Object.getOwnPropertyNames(bytes).filter((k) => !/^\d+$/.test(k))).toEqual([]);
  });

  it('returns independent results from consecutive encodes', () => {
    const a = encodeCanonical('first');
    const b = encodeCanonical('second');
    expect(decodeCanonical(a)).toBe('first');
    expect(decodeCanonical(b)).toBe('second');
  });
});
