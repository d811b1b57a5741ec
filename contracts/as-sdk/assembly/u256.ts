/**
 * Unsigned 256-bit integers for ABI `uint256` amounts, as four 64-bit limbs (least
 * significant first). Arithmetic is checked like Solidity 0.8: overflow and underflow
 * revert instead of wrapping, so a token cannot mint from an underflowed balance.
 * Integer-only by construction: the VM refuses floating point.
 */
import { revert } from "./revert";

// 64x64 -> 128-bit product of a and b as [lo, hi], from 32-bit halves (wasm MVP has no mulh).
function mulWide(a: u64, b: u64, out: StaticArray<u64>): void {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  out[0] = (mid << 32) | (p00 & 0xffffffff);
  out[1] = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

export class u256 {
  constructor(
    public a0: u64 = 0,
    public a1: u64 = 0,
    public a2: u64 = 0,
    public a3: u64 = 0,
  ) {}

  static get Zero(): u256 {
    return new u256();
  }

  static get One(): u256 {
    return new u256(1);
  }

  static get Max(): u256 {
    return new u256(u64.MAX_VALUE, u64.MAX_VALUE, u64.MAX_VALUE, u64.MAX_VALUE);
  }

  static fromU64(v: u64): u256 {
    return new u256(v);
  }

  /** Reads 32 big-endian bytes at `ptr` (an ABI word). */
  static fromWord(ptr: usize): u256 {
    return new u256(bswap<u64>(load<u64>(ptr, 24)), bswap<u64>(load<u64>(ptr, 16)), bswap<u64>(load<u64>(ptr, 8)), bswap<u64>(load<u64>(ptr)));
  }

  /** Writes 32 big-endian bytes at `ptr`. */
  toWord(ptr: usize): void {
    store<u64>(ptr, bswap<u64>(this.a3));
    store<u64>(ptr, bswap<u64>(this.a2), 8);
    store<u64>(ptr, bswap<u64>(this.a1), 16);
    store<u64>(ptr, bswap<u64>(this.a0), 24);
  }

  isZero(): bool {
    return (this.a0 | this.a1 | this.a2 | this.a3) == 0;
  }

  /** The value as u64; reverts if it does not fit. */
  toU64(): u64 {
    if ((this.a1 | this.a2 | this.a3) != 0) revert("u256: value does not fit in u64");
    return this.a0;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `b`. */
  cmp(b: u256): i32 {
    if (this.a3 != b.a3) return this.a3 < b.a3 ? -1 : 1;
    if (this.a2 != b.a2) return this.a2 < b.a2 ? -1 : 1;
    if (this.a1 != b.a1) return this.a1 < b.a1 ? -1 : 1;
    if (this.a0 != b.a0) return this.a0 < b.a0 ? -1 : 1;
    return 0;
  }

  @operator("==") static eq(a: u256, b: u256): bool { return a.cmp(b) == 0; }
  @operator("!=") static ne(a: u256, b: u256): bool { return a.cmp(b) != 0; }
  @operator("<") static lt(a: u256, b: u256): bool { return a.cmp(b) < 0; }
  @operator("<=") static le(a: u256, b: u256): bool { return a.cmp(b) <= 0; }
  @operator(">") static gt(a: u256, b: u256): bool { return a.cmp(b) > 0; }
  @operator(">=") static ge(a: u256, b: u256): bool { return a.cmp(b) >= 0; }

  @operator("+") static add(a: u256, b: u256): u256 {
    const r0 = a.a0 + b.a0;
    let c: u64 = r0 < a.a0 ? 1 : 0;
    const s1 = a.a1 + b.a1, r1 = s1 + c;
    c = (s1 < a.a1 ? 1 : 0) | (r1 < s1 ? 1 : 0);
    const s2 = a.a2 + b.a2, r2 = s2 + c;
    c = (s2 < a.a2 ? 1 : 0) | (r2 < s2 ? 1 : 0);
    const s3 = a.a3 + b.a3, r3 = s3 + c;
    if (s3 < a.a3 || r3 < s3) revert("u256: addition overflow");
    return new u256(r0, r1, r2, r3);
  }

  @operator("-") static sub(a: u256, b: u256): u256 {
    if (a < b) revert("u256: subtraction underflow");
    const r0 = a.a0 - b.a0;
    let w: u64 = a.a0 < b.a0 ? 1 : 0;
    const d1 = a.a1 - b.a1, r1 = d1 - w;
    w = (a.a1 < b.a1 ? 1 : 0) | (d1 < w ? 1 : 0);
    const d2 = a.a2 - b.a2, r2 = d2 - w;
    w = (a.a2 < b.a2 ? 1 : 0) | (d2 < w ? 1 : 0);
    return new u256(r0, r1, r2, a.a3 - b.a3 - w);
  }

  @operator("*") static mul(a: u256, b: u256): u256 {
    const x = [a.a0, a.a1, a.a2, a.a3], y = [b.a0, b.a1, b.a2, b.a3];
    const r = new StaticArray<u64>(8);
    const p = new StaticArray<u64>(2);
    for (let i = 0; i < 4; i++) {
      let carry: u64 = 0;
      for (let j = 0; j < 4; j++) {
        mulWide(unchecked(x[i]), unchecked(y[j]), p);
        // r[i+j] + lo + carry, with the carries folded into hi (cannot overflow: hi <= 2^64-2).
        const s = r[i + j] + p[0];
        let hi = p[1] + (s < p[0] ? 1 : 0);
        const t = s + carry;
        hi += t < s ? 1 : 0;
        r[i + j] = t;
        carry = hi;
      }
      r[i + 4] = carry;
    }
    if ((r[4] | r[5] | r[6] | r[7]) != 0) revert("u256: multiplication overflow");
    return new u256(r[0], r[1], r[2], r[3]);
  }
}
