import { keccak_256 } from '@noble/hashes/sha3.js';
import { allocBytes } from '../bytes/slab.js';
import { type CodeOf, LingdingError } from '../errors/index.js';

/**
 * The Solidity ABI for the flat parameter lists of built-in contracts: uintN/intN,
 * address, bool, bytesN, bytes and string (no arrays or tuples).
 *
 * Written here rather than calling ethers' AbiCoder on the execution path because ethers
 * builds a fresh coder tree for every call: on a block of 10,000 KVStore calls that was
 * over 2 s of a 9.5 s profile (`bench/single-node.ts`). ethers stays the reference:
 * `node/abi/codec.test.ts` checks this codec against it on random values.
 */
export type AbiType = string;
export type AbiValue = bigint | boolean | string | Uint8Array;

export const AbiErrorCode = {
  /** A type outside the supported flat subset. */
  UnsupportedType: 'UNSUPPORTED_TYPE',
  /** A value that does not fit its type (range, length, form). */
  BadValue: 'BAD_VALUE',
  /** Encoded bytes that do not decode as the types say. */
  Malformed: 'MALFORMED',
} as const;
export type AbiErrorCodeValue = CodeOf<typeof AbiErrorCode>;

export class AbiError extends LingdingError<AbiErrorCodeValue> {
  constructor(message: string, code: AbiErrorCodeValue = AbiErrorCode.BadValue) {
    super(code, message);
    this.name = 'AbiError';
  }
}

interface TypeInfo {
  readonly kind: 'uint' | 'int' | 'address' | 'bool' | 'fixedBytes' | 'bytes' | 'string';
  readonly bits: number; // uint/int width, or bytesN length
}

const typeCache = new Map<string, TypeInfo>();

function typeInfo(t: AbiType): TypeInfo {
  const hit = typeCache.get(t);
  if (hit) return hit;
  let info: TypeInfo | null = null;
  let m: RegExpExecArray | null;
  if (t === 'address') info = { kind: 'address', bits: 160 };
  else if (t === 'bool') info = { kind: 'bool', bits: 8 };
  else if (t === 'string') info = { kind: 'string', bits: 0 };
  else if (t === 'bytes') info = { kind: 'bytes', bits: 0 };
  else if ((m = /^(u?)int(\d*)$/.exec(t))) {
    const bits = m[2] ? Number(m[2]) : 256;
    if (bits >= 8 && bits <= 256 && bits % 8 === 0) info = { kind: m[1] ? 'uint' : 'int', bits };
  } else if ((m = /^bytes(\d+)$/.exec(t))) {
    const n = Number(m[1]);
    if (n >= 1 && n <= 32) info = { kind: 'fixedBytes', bits: n };
  }
  if (!info) throw new AbiError(`unsupported ABI type '${t}'`, AbiErrorCode.UnsupportedType);
  typeCache.set(t, info);
  return info;
}

const isDynamic = (i: TypeInfo) => i.kind === 'bytes' || i.kind === 'string';

/** The 4-byte selector of `name(type,...)`. */
export function selector(signature: string): Uint8Array {
  return keccak_256(new TextEncoder().encode(signature)).subarray(0, 4);
}

export function encodeAbi(types: readonly AbiType[], values: readonly AbiValue[]): Uint8Array {
  if (types.length !== values.length) throw new AbiError(`expected ${types.length} values, got ${values.length}`);
  // Sized first, then every word and tail written straight into the one output array: no
  // array per word or tail (this runs for every call, output and event of a built-in contract).
  const infos = types.map(typeInfo);
  const lengths: number[] = [];
  let size = 32 * types.length;
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i];
    if (!isDynamic(info)) continue;
    const v = values[i];
    let length: number;
    if (info.kind === 'string') {
      if (typeof v !== 'string') throw new AbiError('string parameter needs a string');
      length = Buffer.byteLength(v, 'utf8');
    } else {
      if (!(v instanceof Uint8Array)) throw new AbiError('bytes parameter needs a Uint8Array');
      length = v.length;
    }
    lengths.push(length);
    size += 32 + Math.ceil(length / 32) * 32;
  }
  const out = allocBytes(size); // zeroed: the padding is already there
  let tail = 32 * types.length;
  let dynamic = 0;
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i];
    if (!isDynamic(info)) {
      writeStatic(out, 32 * i, info, values[i], types[i]);
      continue;
    }
    const length = lengths[dynamic++];
    writeUint(out, 32 * i, BigInt(tail));
    writeUint(out, tail, BigInt(length));
    const v = values[i];
    if (info.kind === 'string') utf8Encoder.encodeInto(v as string, out.subarray(tail + 32, tail + 32 + length));
    else out.set(v as Uint8Array, tail + 32);
    tail += 32 + Math.ceil(length / 32) * 32;
  }
  return out;
}

/** Strict decoding: out-of-range offsets, lengths, dirty padding and bad values are errors. */
export function decodeAbi(types: readonly AbiType[], data: Uint8Array): AbiValue[] {
  const infos = types.map(typeInfo);
  if (data.length < 32 * types.length)
    throw new AbiError(`data too short: ${data.length} bytes for ${types.length} parameters`, AbiErrorCode.Malformed);
  return infos.map((info, i) => {
    const w = data.subarray(32 * i, 32 * i + 32);
    if (!isDynamic(info)) return readStatic(info, w, types[i]);
    const offset = toSafe(readUint(w), 'offset');
    if (offset + 32 > data.length)
      throw new AbiError(`parameter ${i}: offset ${offset} out of range`, AbiErrorCode.Malformed);
    const len = toSafe(readUint(data.subarray(offset, offset + 32)), 'length');
    if (offset + 32 + len > data.length)
      throw new AbiError(`parameter ${i}: length ${len} out of range`, AbiErrorCode.Malformed);
    if (info.kind === 'bytes') return data.slice(offset + 32, offset + 32 + len);
    try {
      return utf8Decoder.decode(data.subarray(offset + 32, offset + 32 + len));
    } catch {
      throw new AbiError(`parameter ${i}: string is not valid UTF-8`, AbiErrorCode.Malformed);
    }
  });
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Writes `n` as the 256-bit big-endian word at `out[at..at+32)`, which must be zero. Small
 * values (offsets, lengths, amounts: nearly all) are written with Number arithmetic: a
 * byte-wise BigInt loop allocates a BigInt per step, and a DataView would make V8 move the
 * bytes off its heap. Every ABI call and event of a system contract writes several words.
 */
function writeUint(out: Uint8Array, at: number, n: bigint): void {
  if (n <= SAFE) {
    let x = Number(n);
    for (let i = at + 31; x > 0; i--) {
      out[i] = x % 256;
      x = Math.floor(x / 256);
    }
    return;
  }
  let x = n;
  for (let i = at + 31; i >= at && x > 0n; i -= 4) {
    let chunk = Number(x & 0xffffffffn);
    for (let j = 0; j < 4; j++) {
      out[i - j] = chunk & 0xff;
      chunk >>>= 8;
    }
    x >>= 32n;
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Writes a static value's word at `out[at..at+32)`, which must be zero. */
function writeStatic(out: Uint8Array, at: number, info: TypeInfo, v: AbiValue, type: string): void {
  switch (info.kind) {
    case 'bool':
      if (typeof v !== 'boolean') throw new AbiError(`${type} needs a boolean`);
      out[at + 31] = v ? 1 : 0;
      return;
    case 'address': {
      const b = typeof v === 'string' ? hexToBytes(v) : v;
      if (!(b instanceof Uint8Array) || b.length !== 20) throw new AbiError('address needs 20 bytes');
      out.set(b, at + 12);
      return;
    }
    case 'fixedBytes': {
      if (!(v instanceof Uint8Array) || v.length !== info.bits) throw new AbiError(`${type} needs ${info.bits} bytes`);
      out.set(v, at);
      return;
    }
    case 'uint': {
      const n = toBigInt(v, type);
      if (n < 0n || n >= 1n << BigInt(info.bits)) throw new AbiError(`${type} value ${n} out of range`);
      writeUint(out, at, n);
      return;
    }
    case 'int': {
      const n = toBigInt(v, type);
      const half = 1n << BigInt(info.bits - 1);
      if (n < -half || n >= half) throw new AbiError(`${type} value ${n} out of range`);
      writeUint(out, at, n < 0n ? (1n << 256n) + n : n);
      return;
    }
    default:
      throw new AbiError(`unexpected ${type}`);
  }
}

function readStatic(info: TypeInfo, w: Uint8Array, type: string): AbiValue {
  switch (info.kind) {
    case 'bool': {
      const n = readUint(w);
      if (n > 1n) throw new AbiError(`${type}: not 0 or 1`, AbiErrorCode.Malformed);
      return n === 1n;
    }
    case 'address':
      if (w.subarray(0, 12).some((b) => b !== 0))
        throw new AbiError('address: dirty high bytes', AbiErrorCode.Malformed);
      return w.slice(12);
    case 'fixedBytes':
      if (w.subarray(info.bits).some((b) => b !== 0))
        throw new AbiError(`${type}: dirty padding`, AbiErrorCode.Malformed);
      return w.slice(0, info.bits);
    case 'uint': {
      const n = readUint(w);
      if (n >= 1n << BigInt(info.bits)) throw new AbiError(`${type}: value out of range`, AbiErrorCode.Malformed);
      return n;
    }
    case 'int': {
      const u = readUint(w);
      const n = u >= 1n << 255n ? u - (1n << 256n) : u;
      const half = 1n << BigInt(info.bits - 1);
      if (n < -half || n >= half) throw new AbiError(`${type}: value out of range`, AbiErrorCode.Malformed);
      return n;
    }
    default:
      throw new AbiError(`unexpected ${type}`, AbiErrorCode.Malformed);
  }
}

/** The word as an unsigned integer; one BigInt for a small value (see word). */
function readUint(w: Uint8Array): bigint {
  let high = 0;
  for (let i = 0; i < 26; i++) high |= w[i];
  if (high === 0) {
    // At most 6 bytes: exact as a Number.
    let x = 0;
    for (let i = 26; i < 32; i++) x = x * 256 + w[i];
    return BigInt(x);
  }
  let x = 0n;
  for (let i = 0; i < 32; i += 4)
    x = (x << 32n) | BigInt(((w[i] << 24) | (w[i + 1] << 16) | (w[i + 2] << 8) | w[i + 3]) >>> 0);
  return x;
}

function toSafe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new AbiError(`${what} too large`);
  return Number(n);
}

function toBigInt(v: AbiValue, type: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new AbiError(`${type} needs an integer (bigint)`);
}

function hexToBytes(h: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]*$/.test(h) || h.length % 2) throw new AbiError(`not hex: ${h}`);
  return new Uint8Array(Buffer.from(h.slice(2), 'hex'));
}
