/**
 * The Solidity ABI codec: call data, return data, event data and storage values all use
 * it, so ethers.js (or web3j) can talk to contracts. Supported types and their ABI names:
 *
 *   bool -> bool, u8/u16/u32/u64 -> uintN, i8/i16/i32/i64 -> intN, u256 -> uint256,
 *   Address -> address, Bytes32 -> bytes32, Uint8Array -> bytes, string -> string
 *
 * `read<T>()`/`write<T>()` pick the encoding at compile time; an unsupported T is a
 * compile error. Decoding is strict like Solidity's: a word that is out of range for its
 * type (dirty high bytes, a bool other than 0/1) reverts.
 */
import { Address, Bytes32, copyFrom, fromUtf8, utf8 } from "./bytes";
import { revert } from "./revert";
import { u256 } from "./u256";

const WORD: i32 = 32;

/** Reads ABI-encoded values in order from `data`, whose encoding starts at `base`. */
export class AbiDecoder {
  private pos: i32;

  constructor(private readonly data: Uint8Array, private readonly base: i32 = 0) {
    this.pos = base;
  }

  read<T>(): T {
    if (isString<T>()) return changetype<T>(fromUtf8(this.dynamic()));
    if (isManaged<T>() && idof<T>() == idof<Uint8Array>()) return changetype<T>(this.dynamic());
    return readWord<T>(this.word());
  }

  /** The next head word's address; reverts if the data ends before it. */
  private word(): usize {
    const at = this.pos;
    if (at + WORD > this.data.length) revert("abi: call data too short");
    this.pos = at + WORD;
    return this.data.dataStart + <usize>at;
  }

  /** bytes or string: the head holds the offset (from `base`) of a length word and the data. */
  private dynamic(): Uint8Array {
    const offset = readUint(this.word(), 32);
    const start = <u64>this.base + offset;
    if (start + WORD > <u64>this.data.length) revert("abi: call data too short");
    const lenWord = this.data.dataStart + <usize>start;
    if ((load<u64>(lenWord) | load<u64>(lenWord, 8) | load<u64>(lenWord, 16) | load<u32>(lenWord, 24)) != 0) revert("abi: length out of range");
    const len = <u64>bswap<u32>(load<u32>(lenWord, 28));
    if (start + WORD + len > <u64>this.data.length) revert("abi: call data too short");
    return copyFrom(lenWord + WORD, <i32>len);
  }
}

/** Builds an ABI encoding (a tuple of values): static values in the head, dynamic ones after it. */
export class AbiEncoder {
  private heads: Array<Uint8Array> = [];
  /** Per head: the tail (length + padded data) of a dynamic value, or null for a static one. */
  private tails: Array<Uint8Array | null> = [];

  write<T>(v: T): AbiEncoder {
    if (isString<T>()) this.dynamic(utf8(changetype<string>(v)));
    else if (isManaged<T>() && idof<T>() == idof<Uint8Array>()) this.dynamic(changetype<Uint8Array>(v));
    else {
      const w = new Uint8Array(WORD);
      writeWord<T>(w.dataStart, v);
      this.heads.push(w);
      this.tails.push(null);
    }
    return this;
  }

  /** The encoding, after an optional prefix (a 4-byte selector for call data). */
  finish(prefix: Uint8Array | null = null): Uint8Array {
    const prefixLen = prefix !== null ? prefix.length : 0;
    let size = prefixLen + this.heads.length * WORD;
    for (let i = 0; i < this.tails.length; i++) {
      const t = this.tails[i];
      if (t !== null) size += t.length;
    }
    const out = new Uint8Array(size);
    if (prefix !== null) memory.copy(out.dataStart, prefix.dataStart, <usize>prefixLen);
    let headAt = prefixLen;
    let tailAt = this.heads.length * WORD;
    for (let i = 0; i < this.heads.length; i++) {
      const t = this.tails[i];
      if (t !== null) {
        store<u64>(out.dataStart + <usize>headAt, bswap<u64>(<u64>tailAt), 24);
        memory.copy(out.dataStart + <usize>(prefixLen + tailAt), t.dataStart, <usize>t.length);
        tailAt += t.length;
      } else {
        memory.copy(out.dataStart + <usize>headAt, this.heads[i].dataStart, WORD);
      }
      headAt += WORD;
    }
    return out;
  }

  private dynamic(data: Uint8Array): void {
    const tail = new Uint8Array(WORD + ((data.length + 31) & ~31));
    store<u64>(tail.dataStart, bswap<u64>(<u64>data.length), 24);
    memory.copy(tail.dataStart + WORD, data.dataStart, <usize>data.length);
    this.heads.push(new Uint8Array(WORD));
    this.tails.push(tail);
  }
}

/**
 * Whether T is encoded as one 32-byte word in place (every supported type but bytes and
 * string). The answer is a compile-time constant, so callers' other branches fold away.
 */
// @ts-ignore: decorator
@inline export function isStaticAbi<T>(): bool {
  return !isString<T>() && !(isManaged<T>() && idof<T>() == idof<Uint8Array>());
}

/**
 * Writes `v`'s ABI word at `ptr`, all 32 bytes (so a reused scratch word needs no clearing).
 * Only for static types (see isStaticAbi).
 */
export function writeWord<T>(ptr: usize, v: T): void {
  if (isBoolean<T>()) writeUint(ptr, v ? 1 : 0);
  else if (isInteger<T>()) {
    if (isSigned<T>()) {
      const fill: u64 = <i64>v < 0 ? u64.MAX_VALUE : 0;
      store<u64>(ptr, fill);
      store<u64>(ptr, fill, 8);
      store<u64>(ptr, fill, 16);
      store<u64>(ptr, bswap<u64>(<u64><i64>v), 24);
    } else writeUint(ptr, <u64>v);
  } else if (isManaged<T>()) {
    if (idof<T>() == idof<u256>()) changetype<u256>(v).toWord(ptr);
    else if (idof<T>() == idof<Address>()) {
      store<u64>(ptr, 0);
      store<u32>(ptr, 0, 8);
      memory.copy(ptr + 12, changetype<Address>(v).bytes.dataStart, 20);
    } else if (idof<T>() == idof<Bytes32>()) memory.copy(ptr, changetype<Bytes32>(v).bytes.dataStart, WORD);
    else ERROR("writeWord: unsupported type");
  } else ERROR("writeWord: unsupported type");
}

/**
 * Decodes a static T from the word at `ptr`, as strictly as Solidity: a word out of range
 * for its type (dirty high bytes, a bool other than 0/1) reverts.
 */
export function readWord<T>(ptr: usize): T {
  if (isBoolean<T>()) {
    const v = readUint(ptr, 8);
    if (v > 1) revert("abi: invalid bool");
    return <T>(v == 1);
  }
  if (isInteger<T>()) {
    if (isSigned<T>()) return <T>readInt(ptr, sizeof<T>() * 8);
    return <T>readUint(ptr, sizeof<T>() * 8);
  }
  if (isManaged<T>()) {
    if (idof<T>() == idof<u256>()) return changetype<T>(u256.fromWord(ptr));
    if (idof<T>() == idof<Address>()) {
      if ((load<u64>(ptr) | load<u32>(ptr, 8)) != 0) revert("abi: invalid address");
      return changetype<T>(new Address(copyFrom(ptr + 12, 20)));
    }
    if (idof<T>() == idof<Bytes32>()) return changetype<T>(new Bytes32(copyFrom(ptr, WORD)));
  }
  ERROR("readWord: unsupported type");
  return unreachable();
}

/** The word at `p` as an unsigned integer of `bits` (at most 64); every bit above them must be zero. */
function readUint(p: usize, bits: i32): u64 {
  const v = bswap<u64>(load<u64>(p, 24));
  // A wasm shift counts modulo 64, so a 64-bit value has no high bits to test in its last eight bytes.
  const high: u64 = bits == 64 ? 0 : v >> <u64>bits;
  if ((load<u64>(p) | load<u64>(p, 8) | load<u64>(p, 16) | high) != 0) revert("abi: integer out of range");
  return v;
}

/** The word at `p` as a signed integer of `bits`, sign-extended: every byte above must copy the sign. */
function readInt(p: usize, bits: i32): i64 {
  const v = <i64>bswap<u64>(load<u64>(p, 24));
  const extended = bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
  const fill: u64 = extended < 0 ? u64.MAX_VALUE : 0;
  if (load<u64>(p) != fill || load<u64>(p, 8) != fill || load<u64>(p, 16) != fill) revert("abi: integer out of range");
  if (extended != v) revert("abi: integer out of range");
  return extended;
}

/** Writes `v` as a big-endian word at `ptr`, all 32 bytes. */
function writeUint(ptr: usize, v: u64): void {
  store<u64>(ptr, 0);
  store<u64>(ptr, 0, 8);
  store<u64>(ptr, 0, 16);
  store<u64>(ptr, bswap<u64>(v), 24);
}

/** The ABI encoding of one value: the storage value format and the indexed-topic word. */
export function encodeOne<T>(v: T): Uint8Array {
  if (!isStaticAbi<T>()) return new AbiEncoder().write<T>(v).finish();
  const out = new Uint8Array(WORD);
  writeWord<T>(out.dataStart, v);
  return out;
}

export function decodeOne<T>(data: Uint8Array): T {
  return new AbiDecoder(data).read<T>();
}
