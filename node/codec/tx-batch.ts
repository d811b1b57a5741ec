import { allocBytes } from '../bytes/slab.js';
import { CodecError, CodecErrorCode } from './canonical.js';

/**
 * The gossip message of a batch of encoded transactions: the canonical msgpack array of
 * byte strings (exactly what encodeCanonical writes for a Uint8Array[]), read and written
 * here rather than by decodeCanonical. A gossiped batch holds thousands of transactions,
 * which decodeCanonical would copy out one by one; here each transaction is a view of the
 * received message (the pool copies what it keeps), and the form is checked while reading.
 */

/** The canonical bytes of `raws` as a msgpack array of byte strings. */
export function encodeTxBatch(raws: readonly Uint8Array[]): Uint8Array {
  let size = headerSize(raws.length, true);
  for (const r of raws) size += headerSize(r.length, false) + r.length;
  const out = allocBytes(size);
  let pos = writeHeader(out, 0, raws.length, true);
  for (const r of raws) {
    pos = writeHeader(out, pos, r.length, false);
    out.set(r, pos);
    pos += r.length;
  }
  return out;
}

/**
 * The transactions of a batch, each a view of `bytes` (valid while `bytes` is unchanged).
 * Throws a CodecError unless `bytes` is exactly one canonical msgpack array of byte strings:
 * non-minimal headers, other types, truncation and trailing bytes are refused.
 */
export function decodeTxBatch(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw new CodecError('empty input');
  const t = bytes[0];
  let count: number;
  let pos: number;
  if (t >= 0x90 && t <= 0x9f) {
    count = t & 0x0f;
    pos = 1;
  } else if (t === 0xdc) {
    count = readLength(bytes, 1, 2);
    pos = 3;
    if (count < 16) throw notMinimal('array');
  } else if (t === 0xdd) {
    count = readLength(bytes, 1, 4);
    pos = 5;
    if (count < 0x10000) throw notMinimal('array');
  } else {
    throw new CodecError('transaction batch must be an array of byte strings');
  }
  // Every item takes at least two bytes: a count the input cannot hold is refused before
  // anything is built for it.
  if (count > (bytes.length - pos) / 2) throw new CodecError('truncated transaction batch');
  const out = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    if (pos >= bytes.length) throw new CodecError('truncated transaction batch');
    const b = bytes[pos];
    let len: number;
    if (b === 0xc4) {
      len = readLength(bytes, pos + 1, 1);
      pos += 2;
    } else if (b === 0xc5) {
      len = readLength(bytes, pos + 1, 2);
      pos += 3;
      if (len < 0x100) throw notMinimal('byte string');
    } else if (b === 0xc6) {
      len = readLength(bytes, pos + 1, 4);
      pos += 5;
      if (len < 0x10000) throw notMinimal('byte string');
    } else {
      throw new CodecError('transaction batch must be an array of byte strings');
    }
    if (pos + len > bytes.length) throw new CodecError('truncated transaction batch');
    out[i] = bytes.subarray(pos, pos + len);
    pos += len;
  }
  if (pos !== bytes.length)
    throw new CodecError('non-canonical encoding (trailing bytes or non-minimal form)', CodecErrorCode.NotCanonical);
  return out;
}

function readLength(bytes: Uint8Array, at: number, width: 1 | 2 | 4): number {
  if (at + width > bytes.length) throw new CodecError('truncated transaction batch');
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + bytes[at + i];
  return n;
}

function notMinimal(what: string): CodecError {
  return new CodecError(`non-canonical ${what} length header`, CodecErrorCode.NotCanonical);
}

/** Header bytes of an array (fixarray, array16, array32) or a byte string (bin8, bin16, bin32). */
function headerSize(len: number, array: boolean): number {
  if (len > 0xffffffff) throw new CodecError(`length ${len} exceeds the msgpack limit`, CodecErrorCode.NotCanonical);
  if (array) return len < 16 ? 1 : len < 0x10000 ? 3 : 5;
  return len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
}

function writeHeader(out: Uint8Array, pos: number, len: number, array: boolean): number {
  if (array && len < 16) {
    out[pos] = 0x90 | len;
    return pos + 1;
  }
  if (!array && len < 0x100) {
    out[pos] = 0xc4;
    out[pos + 1] = len;
    return pos + 2;
  }
  if (len < 0x10000) {
    out[pos] = array ? 0xdc : 0xc5;
    out[pos + 1] = len >>> 8;
    out[pos + 2] = len & 0xff;
    return pos + 3;
  }
  out[pos] = array ? 0xdd : 0xc6;
  out[pos + 1] = len >>> 24;
  out[pos + 2] = (len >>> 16) & 0xff;
  out[pos + 3] = (len >>> 8) & 0xff;
  out[pos + 4] = len & 0xff;
  return pos + 5;
}
