import { Packr } from 'msgpackr';

/**
 * The canonical encoding: msgpack restricted to a small value model so that every
 * value has exactly one byte form. Everything hashed or signed goes through here.
 *
 *   - arrays (fixed field order; no maps, so no key-order ambiguity)
 *   - safe integers (msgpack's smallest integer form; no floats, ever)
 *   - byte strings (msgpack bin), UTF-8 strings, booleans, null
 *
 * Decoding is strict: the bytes must re-encode to themselves, which rejects
 * non-minimal integers, floats, maps, trailing bytes and other malleable forms.
 */
export type Canonical = null | boolean | number | string | Uint8Array | readonly Canonical[];

const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  variableMapSize: true,
  useFloat32: 0,
  // Any 64-bit integer decodes to a number; the re-encode check rejects unsafe ones.
  int64AsType: 'number',
  mapsAsObjects: true,
});

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export function encodeCanonical(value: Canonical): Uint8Array {
  assertCanonical(value, '$');
  return packr.pack(widenLargeIntegers(value));
}

/**
 * msgpackr writes integers beyond 32 bits as float64; the canonical form wants msgpack's
 * uint64/int64 there, which msgpackr writes for bigints. Arrays are copied only when
 * they hold such an integer.
 */
function widenLargeIntegers(v: Canonical): unknown {
  if (typeof v === 'number') return v > 0xffffffff || v < -0x80000000 ? BigInt(v) : v;
  if (Array.isArray(v)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const w = widenLargeIntegers(v[i]);
      if (w !== v[i]) {
        copy ??= v.slice();
        copy[i] = w;
      }
    }
    return copy ?? v;
  }
  return v;
}

export function decodeCanonical(bytes: Uint8Array): Canonical {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('input is not a byte array');
  if (bytes.length === 0) throw new CodecError('empty input');
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (e) {
    throw new CodecError(`malformed msgpack: ${(e as Error).message}`);
  }
  assertCanonical(value, '$');
  const again = packr.pack(widenLargeIntegers(value));
  if (!equalBytes(again, bytes)) throw new CodecError('non-canonical encoding (trailing bytes or non-minimal form)');
  return value;
}

function assertCanonical(v: unknown, path: string): asserts v is Canonical {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new CodecError(`${path}: ${v} is not a safe integer (floats are not canonical)`);
    return;
  }
  if (v instanceof Uint8Array) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) assertCanonical(v[i], `${path}[${i}]`);
    return;
  }
  throw new CodecError(`${path}: type ${describe(v)} is not allowed in canonical encoding`);
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return v?.constructor?.name ?? 'object';
  return typeof v;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
