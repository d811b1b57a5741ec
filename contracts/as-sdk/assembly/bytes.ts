/** Byte-array helpers shared by the codec, storage and events. */

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** `s` decoded as UTF-8 (invalid sequences become U+FFFD, as in the host's debug_log). */
export function fromUtf8(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  memory.copy(out.dataStart, a.dataStart, <usize>a.length);
  memory.copy(out.dataStart + <usize>a.length, b.dataStart, <usize>b.length);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): bool {
  return a.length == b.length && memory.compare(a.dataStart, b.dataStart, <usize>a.length) == 0;
}

/** A copy of `len` bytes at `ptr` (static data, host output buffers). */
export function copyFrom(ptr: usize, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

/** A 20-byte account or contract address. */
export class Address {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array = new Uint8Array(20)) {
    if (bytes.length != 20) throw new Error("Address: expected 20 bytes");
    this.bytes = bytes;
  }

  static zero(): Address {
    return new Address();
  }

  isZero(): bool {
    const p = this.bytes.dataStart;
    return (load<u64>(p) | load<u64>(p, 8) | load<u32>(p, 16)) == 0;
  }

  equals(other: Address): bool {
    return bytesEqual(this.bytes, other.bytes);
  }

  @operator("==") static eq(a: Address, b: Address): bool {
    return a.equals(b);
  }

  @operator("!=") static ne(a: Address, b: Address): bool {
    return !a.equals(b);
  }
}

/** A 32-byte value: a hash, a document digest, an ABI `bytes32`. */
export class Bytes32 {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array = new Uint8Array(32)) {
    if (bytes.length != 32) throw new Error("Bytes32: expected 32 bytes");
    this.bytes = bytes;
  }

  isZero(): bool {
    const p = this.bytes.dataStart;
    return (load<u64>(p) | load<u64>(p, 8) | load<u64>(p, 16) | load<u64>(p, 24)) == 0;
  }

  equals(other: Bytes32): bool {
    return bytesEqual(this.bytes, other.bytes);
  }

  @operator("==") static eq(a: Bytes32, b: Bytes32): bool {
    return a.equals(b);
  }

  @operator("!=") static ne(a: Bytes32, b: Bytes32): bool {
    return !a.equals(b);
  }
}
