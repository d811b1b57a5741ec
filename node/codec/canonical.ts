import { type CodeOf, LingdingError } from '../errors/index.js';
import { allocBytes } from '../bytes/slab.js';

/**
 * The canonical encoding: msgpack restricted to a small value model so that every
 * value has exactly one byte form. Everything hashed or signed goes through here.
 *
 *   - arrays (fixed field order; no maps, so no key-order ambiguity)
 *   - safe integers (msgpack's smallest integer form; no floats, ever)
 *   - byte strings (msgpack bin), UTF-8 strings, booleans, null
 *
 * Decoding is strict: only the one encoding of a value is read (decodeCanonical), so
 * non-minimal integers, floats, maps, invalid UTF-8, trailing bytes and other malleable
 * forms are refused.
 */
export type Canonical = null | boolean | number | string | Uint8Array | readonly Canonical[];

export const CodecErrorCode = {
  /** Bytes that do not decode, or decode to the wrong shape for what they should be. */
  Malformed: 'MALFORMED',
  /** A value outside the canonical model, or bytes that are not its one encoding. */
  NotCanonical: 'NOT_CANONICAL',
} as const;
export type CodecErrorCodeValue = CodeOf<typeof CodecErrorCode>;

/** Bytes or values that the canonical codec (or a structure decoded with it) refuses. */
export class CodecError extends LingdingError<CodecErrorCodeValue> {
  constructor(message: string, code: CodecErrorCodeValue = CodecErrorCode.Malformed) {
    super(code, message);
    this.name = 'CodecError';
  }
}

/**
 * Writes the canonical bytes. Hand-written rather than msgpackr's `pack` because
 * msgpackr writes positive integers >= 2^32 as int64 (0xd3) where every other msgpack
 * encoder (and the minimal form) uses uint64 (0xcf); block timestamps in milliseconds
 * are all in that range, so an SDK in another language would hash headers differently.
 * The output is otherwise byte-identical to msgpackr's (the codec tests check that),
 * and it is an exact-length array of its own (a part of a slab no one else is given, see
 * slab.ts) rather than a view into the scratch buffer the next encode overwrites.
 */
export function encodeCanonical(value: Canonical): Uint8Array {
  writer.pos = 0;
  try {
    writeValue(value, 0);
  } catch (e) {
    if (e === NOT_CANONICAL) assertCanonical(value, '$'); // throws the detailed, path-naming error
    throw e;
  }
  const out = allocBytes(writer.pos);
  out.set(writer.buf.subarray(0, writer.pos));
  if (writer.buf.length > MAX_KEPT_SCRATCH) resetWriter(); // don't pin one huge block's buffer forever
  return out;
}

/** Deeper nesting than any hashed structure uses; bounds recursion on hostile input. */
export const MAX_CANONICAL_DEPTH = 256;

const NOT_CANONICAL = new CodecError('value is not canonical', CodecErrorCode.NotCanonical);
const textEncoder = new TextEncoder();

/** One growable scratch buffer reused by every encode (results are copied out). */
const writer = {
  buf: new Uint8Array(0),
  view: new DataView(new ArrayBuffer(0)),
  pos: 0,
};
const MAX_KEPT_SCRATCH = 1 << 20;
resetWriter();

function resetWriter(): void {
  writer.buf = new Uint8Array(8192);
  writer.view = new DataView(writer.buf.buffer);
}

function ensure(n: number): void {
  const need = writer.pos + n;
  if (need <= writer.buf.length) return;
  let size = writer.buf.length * 2;
  while (size < need) size *= 2;
  const next = new Uint8Array(size);
  next.set(writer.buf.subarray(0, writer.pos));
  writer.buf = next;
  writer.view = new DataView(next.buffer);
}

function writeValue(v: unknown, depth: number): void {
  if (v === null) {
    ensure(1);
    writer.buf[writer.pos++] = 0xc0;
  } else if (typeof v === 'boolean') {
    ensure(1);
    writer.buf[writer.pos++] = v ? 0xc3 : 0xc2;
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw NOT_CANONICAL;
    writeInteger(v);
  } else if (typeof v === 'string') {
    if (LONE_SURROGATE.test(v)) throw NOT_CANONICAL;
    // UTF-8 is at most 3 bytes per UTF-16 unit; write the header for the real length.
    const max = v.length * 3;
    ensure(5 + max);
    const len = v.length < 64 ? utf8Length(v) : Buffer.byteLength(v, 'utf8');
    writeLengthHeader(len, 0xa0, 32, 0xd9, 0xda, 0xdb);
    const { written } = textEncoder.encodeInto(v, writer.buf.subarray(writer.pos, writer.pos + len));
    writer.pos += written;
  } else if (v instanceof Uint8Array) {
    ensure(5 + v.length);
    writeLengthHeader(v.length, -1, 0, 0xc4, 0xc5, 0xc6);
    writer.buf.set(v, writer.pos);
    writer.pos += v.length;
  } else if (Array.isArray(v)) {
    if (depth >= MAX_CANONICAL_DEPTH) throw NOT_CANONICAL;
    ensure(5);
    writeLengthHeader(v.length, 0x90, 16, -1, 0xdc, 0xdd);
    for (let i = 0; i < v.length; i++) writeValue(v[i], depth + 1);
  } else {
    throw NOT_CANONICAL;
  }
}

/** msgpack's smallest integer form: fixint, then uint8..uint64 or int8..int64. */
function writeInteger(v: number): void {
  ensure(9);
  const b = writer.buf;
  const dv = writer.view;
  let p = writer.pos;
  if (v >= 0) {
    if (v < 0x80) b[p++] = v;
    else if (v < 0x100) (b[p++] = 0xcc), (b[p++] = v);
    else if (v < 0x10000) (b[p++] = 0xcd), dv.setUint16(p, v), (p += 2);
    else if (v < 0x100000000) (b[p++] = 0xce), dv.setUint32(p, v), (p += 4);
    else (b[p++] = 0xcf), dv.setUint32(p, Math.floor(v / 0x100000000)), dv.setUint32(p + 4, v >>> 0), (p += 8);
  } else {
    if (v >= -32) b[p++] = v & 0xff;
    else if (v >= -0x80) (b[p++] = 0xd0), dv.setInt8(p, v), (p += 1);
    else if (v >= -0x8000) (b[p++] = 0xd1), dv.setInt16(p, v), (p += 2);
    else if (v >= -0x80000000) (b[p++] = 0xd2), dv.setInt32(p, v), (p += 4);
    else (b[p++] = 0xd3), dv.setInt32(p, Math.floor(v / 0x100000000)), dv.setUint32(p + 4, v >>> 0), (p += 8);
  }
  writer.pos = p;
}

/** fix / 8-bit / 16-bit / 32-bit length headers; -1 marks a form the type lacks. */
function writeLengthHeader(len: number, fix: number, fixLimit: number, t8: number, t16: number, t32: number): void {
  const b = writer.buf;
  if (fix >= 0 && len < fixLimit) b[writer.pos++] = fix | len;
  else if (t8 >= 0 && len < 0x100) (b[writer.pos++] = t8), (b[writer.pos++] = len);
  else if (len < 0x10000) (b[writer.pos++] = t16), writer.view.setUint16(writer.pos, len), (writer.pos += 2);
  else if (len <= 0xffffffff) (b[writer.pos++] = t32), writer.view.setUint32(writer.pos, len), (writer.pos += 4);
  else throw new CodecError(`length ${len} exceeds the msgpack limit`, CodecErrorCode.NotCanonical);
}

/** Byte length of a short, well-formed string without a native call. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff)
      (n += 4), i++; // a surrogate pair (lone ones were rejected)
    else n += 3;
  }
  return n;
}

/**
 * A lone UTF-16 surrogate has no UTF-8 form: encoders silently write U+FFFD, so two
 * different strings would hash the same. With the u flag a valid pair is one code point
 * and never matches.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Reads the one value whose canonical encoding is `bytes`, refusing anything else: each
 * item's form is checked against what encodeCanonical would write for its value (the
 * smallest integer and length forms, UTF-8 that round-trips, no other msgpack types), so
 * a value that decodes re-encodes to exactly these bytes. Byte strings are copied out
 * (into slab parts): a decoded 32-byte hash must not keep a whole message or block alive,
 * nor change with it.
 */
export function decodeCanonical(bytes: Uint8Array): Canonical {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('input is not a byte array');
  if (bytes.length === 0) throw new CodecError('empty input');
  const r: Reader = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    pos: 0,
    at: [],
  };
  const value = readItem(r, 0);
  if (r.pos !== bytes.length)
    throw new CodecError(
      `non-canonical encoding: ${bytes.length - r.pos} trailing bytes after the value`,
      CodecErrorCode.NotCanonical,
    );
  return value;
}

interface Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  /** The index at each level of the arrays being read: an error names its path from it. */
  readonly at: number[];
}

/** Where the reader is, as `$[1][0]`: built only for an error message. */
function pathOf(r: Reader): string {
  return `$${r.at.map((i) => `[${i}]`).join('')}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function notMinimal(r: Reader, what: string): CodecError {
  return new CodecError(`${pathOf(r)}: non-canonical encoding (${what})`, CodecErrorCode.NotCanonical);
}

/** Advances past `n` bytes, refusing to run past the end. Returns where they start. */
function take(r: Reader, n: number): number {
  const at = r.pos;
  if (n > r.bytes.length - at) throw new CodecError('malformed msgpack: truncated item');
  r.pos = at + n;
  return at;
}

function readItem(r: Reader, depth: number): Canonical {
  const t = r.bytes[take(r, 1)];
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t >= 0xa0 && t <= 0xbf) return readString(r, t & 0x1f);
  if (t >= 0x90 && t <= 0x9f) return readArray(r, t & 0x0f, depth);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcc:
      return minimalInt(r, r.view.getUint8(take(r, 1)), 0x80, Number.MAX_SAFE_INTEGER);
    case 0xcd:
      return minimalInt(r, r.view.getUint16(take(r, 2)), 0x100, Number.MAX_SAFE_INTEGER);
    case 0xce:
      return minimalInt(r, r.view.getUint32(take(r, 4)), 0x10000, Number.MAX_SAFE_INTEGER);
    case 0xcf: {
      const at = take(r, 8);
      const hi = r.view.getUint32(at);
      // Beyond 2^53 - 1 is not a safe integer (and would not be exact as a number).
      if (hi >= 0x200000) throw notSafe(r);
      return minimalInt(r, hi * 0x100000000 + r.view.getUint32(at + 4), 0x100000000, Number.MAX_SAFE_INTEGER);
    }
    case 0xd0:
      return minimalInt(r, r.view.getInt8(take(r, 1)), Number.MIN_SAFE_INTEGER, -33);
    case 0xd1:
      return minimalInt(r, r.view.getInt16(take(r, 2)), Number.MIN_SAFE_INTEGER, -0x81);
    case 0xd2:
      return minimalInt(r, r.view.getInt32(take(r, 4)), Number.MIN_SAFE_INTEGER, -0x8001);
    case 0xd3: {
      const at = take(r, 8);
      const hi = r.view.getInt32(at);
      if (hi < -0x200000) throw notSafe(r);
      return minimalInt(r, hi * 0x100000000 + r.view.getUint32(at + 4), Number.MIN_SAFE_INTEGER, -0x80000001);
    }
    case 0xd9:
      return readString(r, r.view.getUint8(take(r, 1)), 32);
    case 0xda:
      return readString(r, r.view.getUint16(take(r, 2)), 0x100);
    case 0xdb:
      return readString(r, r.view.getUint32(take(r, 4)), 0x10000);
    case 0xc4:
      return readBytes(r, r.view.getUint8(take(r, 1)), 0);
    case 0xc5:
      return readBytes(r, r.view.getUint16(take(r, 2)), 0x100);
    case 0xc6:
      return readBytes(r, r.view.getUint32(take(r, 4)), 0x10000);
    case 0xdc:
      return readArray(r, r.view.getUint16(take(r, 2)), depth, 16);
    case 0xdd:
      return readArray(r, r.view.getUint32(take(r, 4)), depth, 0x10000);
    case 0xc1:
      throw new CodecError('malformed msgpack: 0xc1 is never used');
    default:
      // Maps, floats and extension types: msgpack, but outside the canonical model.
      throw new CodecError(
        `${pathOf(r)}: msgpack type 0x${t.toString(16)} is not canonical`,
        CodecErrorCode.NotCanonical,
      );
  }
}

function notSafe(r: Reader): CodecError {
  return new CodecError(`${pathOf(r)}: integer is not a safe integer`, CodecErrorCode.NotCanonical);
}

/** An integer read from a form that is its smallest only for values in [min, max]. */
function minimalInt(r: Reader, v: number, min: number, max: number): number {
  if (v < Number.MIN_SAFE_INTEGER) throw notSafe(r);
  if (v < min || v > max) throw notMinimal(r, `${v} written in a larger integer form than its own`);
  return v;
}

/** `minLen`: the shortest length this header form is used for (shorter ones have a smaller form). */
function readString(r: Reader, len: number, minLen = 0): string {
  if (len < minLen) throw notMinimal(r, `string of ${len} bytes with a longer length header`);
  const at = take(r, len);
  const b = r.bytes;
  // ASCII, the common case, without the decoder's native call.
  if (len <= 64) {
    let ascii = true;
    for (let i = at; i < at + len; i++) if (b[i] >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, b.subarray(at, at + len) as unknown as number[]);
  }
  try {
    // Fatal decoding refuses what has no single reading: invalid or overlong sequences and
    // encoded surrogates. Valid UTF-8 re-encodes to itself.
    return strictUtf8.decode(b.subarray(at, at + len));
  } catch {
    throw notMinimal(r, 'string is not valid UTF-8');
  }
}

function readBytes(r: Reader, len: number, minLen: number): Uint8Array {
  if (len < minLen) throw notMinimal(r, `byte string of ${len} bytes with a longer length header`);
  const at = take(r, len);
  const out = allocBytes(len);
  out.set(r.bytes.subarray(at, at + len));
  return out;
}

function readArray(r: Reader, count: number, depth: number, minCount = 0): Canonical[] {
  if (count < minCount) throw notMinimal(r, `array of ${count} items with a longer length header`);
  if (depth >= MAX_CANONICAL_DEPTH)
    throw new CodecError(`${pathOf(r)}: arrays nested deeper than ${MAX_CANONICAL_DEPTH}`, CodecErrorCode.NotCanonical);
  // Every item is at least one byte: a count beyond what is left is truncated input, refused
  // before an array that size is made.
  if (count > r.bytes.length - r.pos) throw new CodecError('malformed msgpack: truncated array');
  const out: Canonical[] = new Array(count);
  const level = r.at.length;
  for (let i = 0; i < count; i++) {
    r.at[level] = i;
    out[i] = readItem(r, depth + 1);
  }
  r.at.length = level;
  return out;
}

function assertCanonical(v: unknown, path: string, depth = 0): asserts v is Canonical {
  if (v === null || typeof v === 'boolean') return;
  if (typeof v === 'string') {
    if (LONE_SURROGATE.test(v))
      throw new CodecError(
        `${path}: string has a lone UTF-16 surrogate (not valid Unicode)`,
        CodecErrorCode.NotCanonical,
      );
    return;
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v))
      throw new CodecError(
        `${path}: ${v} is not a safe integer (floats are not canonical)`,
        CodecErrorCode.NotCanonical,
      );
    return;
  }
  if (v instanceof Uint8Array) return;
  if (Array.isArray(v)) {
    if (depth >= MAX_CANONICAL_DEPTH)
      throw new CodecError(`${path}: arrays nested deeper than ${MAX_CANONICAL_DEPTH}`, CodecErrorCode.NotCanonical);
    for (let i = 0; i < v.length; i++) assertCanonical(v[i], `${path}[${i}]`, depth + 1);
    return;
  }
  throw new CodecError(
    `${path}: type ${describe(v)} is not allowed in canonical encoding`,
    CodecErrorCode.NotCanonical,
  );
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

/**
 * Where the msgpack item starting at `pos` ends, without decoding it: lengths are read,
 * contents skipped. Only the forms the canonical model uses are known (nil, booleans,
 * integers, strings, byte strings, arrays); anything else, or an item running past the
 * end, is a CodecError. Says nothing of whether the item is canonical: callers that split
 * a structure this way check each part (block.ts splitEncodedBlock).
 */
export function canonicalItemEnd(bytes: Uint8Array, pos: number, depth = 0): number {
  if (depth > MAX_CANONICAL_DEPTH) throw new CodecError('arrays nested too deep', CodecErrorCode.NotCanonical);
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new CodecError('truncated msgpack item');
  };
  need(1);
  const t = bytes[pos];
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sized = (headerBytes: number, len: number) => {
    need(headerBytes + len);
    return pos + headerBytes + len;
  };
  const array = (headerBytes: number, count: number) => {
    need(headerBytes);
    let p = pos + headerBytes;
    for (let i = 0; i < count; i++) p = canonicalItemEnd(bytes, p, depth + 1);
    return p;
  };
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return pos + 1;
  if (t >= 0xa0 && t <= 0xbf) return sized(1, t & 0x1f);
  if (t >= 0x90 && t <= 0x9f) return array(1, t & 0x0f);
  switch (t) {
    case 0xcc:
    case 0xd0:
      return sized(1, 1);
    case 0xcd:
    case 0xd1:
      return sized(1, 2);
    case 0xce:
    case 0xd2:
      return sized(1, 4);
    case 0xcf:
    case 0xd3:
      return sized(1, 8);
    case 0xd9:
    case 0xc4:
      need(2);
      return sized(2, bytes[pos + 1]);
    case 0xda:
    case 0xc5:
      need(3);
      return sized(3, view().getUint16(pos + 1));
    case 0xdb:
    case 0xc6:
      need(5);
      return sized(5, view().getUint32(pos + 1));
    case 0xdc:
      need(3);
      return array(3, view().getUint16(pos + 1));
    case 0xdd:
      need(5);
      return array(5, view().getUint32(pos + 1));
    default:
      throw new CodecError(`msgpack type 0x${t.toString(16)} is not canonical`, CodecErrorCode.NotCanonical);
  }
}

/** The minimal msgpack array header for `count` items (what encodeCanonical writes). */
export function canonicalArrayHeader(count: number): Uint8Array {
  if (count < 16) return Uint8Array.of(0x90 | count);
  if (count < 0x10000) return Uint8Array.of(0xdc, count >> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff);
}
