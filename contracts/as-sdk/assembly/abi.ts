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
    if (isBoolean<T>()) return <T>this.bool();
    if (isInteger<T>()) {
      if (isSigned<T>()) return <T>this.int(sizeof<T>() * 8);
      return <T>this.uint(sizeof<T>() * 8);
    }
    if (isString<T>()) return changetype<T>(fromUtf8(this.dynamic()));
    if (isManaged<T>()) {
      if (idof<T>() == idof<u256>()) return changetype<T>(u256.fromWord(this.word()));
      if (idof<T>() == idof<Address>()) return changetype<T>(this.address());
      if (idof<T>() == idof<Bytes32>()) return changetype<T>(new Bytes32(copyFrom(this.word(), WORD)));
      if (idof<T>() == idof<Uint8Array>()) return changetype<T>(this.dynamic());
    }
    ERROR("AbiDecoder.read: unsupported type");
    return unreachable();
  }

  /** The next head word's address; reverts if the data ends before it. */
  private word(): usize {
    const at = this.pos;
    if (at + WORD > this.data.length) revert("abi: call data too short");
    this.pos = at + WORD;
    return this.data.dataStart + <usize>at;
  }

  private bool(): bool {
    const v = this.uint(8);
    if (v > 1) revert("abi: invalid bool");
    return v == 1;
  }

  private uint(bits: i32): u64 {
    const p = this.word();
    // All bytes above the type's width must be zero.
    const width = bits / 8;
    for (let i = 0; i < WORD - width; i++) if (load<u8>(p + <usize>i) != 0) revert("abi: integer out of range");
    return bswap<u64>(load<u64>(p, 24));
  }

  private int(bits: i32): i64 {
    const p = this.word();
    const v = <i64>bswap<u64>(load<u64>(p, 24));
    // Sign-extended from `bits`: every byte above must copy the sign.
    const extended = bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
    const fill: u8 = extended < 0 ? 0xff : 0;
    for (let i = 0; i < 24; i++) if (load<u8>(p + <usize>i) != fill) revert("abi: integer out of range");
    if (extended != v) revert("abi: integer out of range");
    return extended;
  }

  private address(): Address {
    const p = this.word();
    for (let i = 0; i < 12; i++) if (load<u8>(p + <usize>i) != 0) revert("abi: invalid address");
    return new Address(copyFrom(p + 12, 20));
  }

  /** bytes or string: the head holds the offset (from `base`) of a length word and the data. */
  private dynamic(): Uint8Array {
    const offset = this.uint(32);
    const start = <u64>this.base + offset;
    if (start + WORD > <u64>this.data.length) revert("abi: call data too short");
    const lenWord = this.data.dataStart + <usize>start;
    for (let i = 0; i < 28; i++) if (load<u8>(lenWord + <usize>i) != 0) revert("abi: length out of range");
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
    if (isBoolean<T>()) this.uint(v ? 1 : 0);
    else if (isInteger<T>()) {
      if (isSigned<T>()) this.int(<i64>v);
      else this.uint(<u64>v);
    } else if (isString<T>()) this.dynamic(utf8(changetype<string>(v)));
    else if (isManaged<T>()) {
      if (idof<T>() == idof<u256>()) {
        const w = new Uint8Array(WORD);
        changetype<u256>(v).toWord(w.dataStart);
        this.head(w);
      } else if (idof<T>() == idof<Address>()) {
        const w = new Uint8Array(WORD);
        memory.copy(w.dataStart + 12, changetype<Address>(v).bytes.dataStart, 20);
        this.head(w);
      } else if (idof<T>() == idof<Bytes32>()) this.head(copyFrom(changetype<Bytes32>(v).bytes.dataStart, WORD));
      else if (idof<T>() == idof<Uint8Array>()) this.dynamic(changetype<Uint8Array>(v));
      else ERROR("AbiEncoder.write: unsupported type");
    } else ERROR("AbiEncoder.write: unsupported type");
    return this;
  }

  /** The encoding, after an optional prefix (a 4-byte selector for call data). */
  finish(prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
    let size = prefix.length + this.heads.length * WORD;
    for (let i = 0; i < this.tails.length; i++) {
      const t = this.tails[i];
      if (t !== null) size += t.length;
    }
    const out = new Uint8Array(size);
    memory.copy(out.dataStart, prefix.dataStart, <usize>prefix.length);
    let headAt = prefix.length;
    let tailAt = this.heads.length * WORD;
    for (let i = 0; i < this.heads.length; i++) {
      const t = this.tails[i];
      if (t !== null) {
        writeUint(out.dataStart + <usize>headAt, <u64>tailAt);
        memory.copy(out.dataStart + <usize>(prefix.length + tailAt), t.dataStart, <usize>t.length);
        tailAt += t.length;
      } else {
        memory.copy(out.dataStart + <usize>headAt, this.heads[i].dataStart, WORD);
      }
      headAt += WORD;
    }
    return out;
  }

  private head(word: Uint8Array): void {
    this.heads.push(word);
    this.tails.push(null);
  }

  private uint(v: u64): void {
    const w = new Uint8Array(WORD);
    writeUint(w.dataStart, v);
    this.head(w);
  }

  private int(v: i64): void {
    const w = new Uint8Array(WORD);
    if (v < 0) memory.fill(w.dataStart, 0xff, 24);
    writeUint(w.dataStart, <u64>v);
    this.head(w);
  }

  private dynamic(data: Uint8Array): void {
    const tail = new Uint8Array(WORD + ((data.length + 31) & ~31));
    writeUint(tail.dataStart, <u64>data.length);
    memory.copy(tail.dataStart + WORD, data.dataStart, <usize>data.length);
    this.heads.push(new Uint8Array(WORD));
    this.tails.push(tail);
  }
}

/** Writes `v` as the low 8 bytes of the big-endian word at `ptr` (the rest is left as is). */
function writeUint(ptr: usize, v: u64): void {
  store<u64>(ptr, bswap<u64>(v), 24);
}

/** The ABI encoding of one value: the storage value format and the indexed-topic word. */
export function encodeOne<T>(v: T): Uint8Array {
  return new AbiEncoder().write<T>(v).finish();
}

export function decodeOne<T>(data: Uint8Array): T {
  return new AbiDecoder(data).read<T>();
}
