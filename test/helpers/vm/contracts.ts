/** WAT building blocks shared by the VM tests and the VM benchmark. */
import { HOST_FUNCTIONS } from '../../../node/vm/index.js';

const typeName = (t: number) => (t === 0x7f ? 'i32' : 'i64');

/** Import declarations for every `lingding` v1 function, each bound to `$name`. */
export const HOST_IMPORTS = Object.entries(HOST_FUNCTIONS)
  .map(([name, t]) => {
    const params = t.params.length ? ` (param ${t.params.map(typeName).join(' ')})` : '';
    const results = t.results.length ? ` (result ${t.results.map(typeName).join(' ')})` : '';
    return `(import "lingding" "${name}" (func $${name}${params}${results}))`;
  })
  .join('\n  ');

/** Bytes as a WAT string literal body ("\\08\\c3..."). */
export function watBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => '\\' + b.toString(16).padStart(2, '0')).join('');
}

/** Solidity's Error(string) revert data. */
export function errorString(reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason);
  const padded = Math.ceil(text.length / 32) * 32;
  const out = new Uint8Array(4 + 32 + 32 + padded);
  out.set([0x08, 0xc3, 0x79, 0xa0]);
  out[4 + 31] = 0x20;
  new DataView(out.buffer).setUint32(4 + 32 + 28, text.length);
  out.set(text, 4 + 64);
  return out;
}

/** Compute-heavy: `n` rounds (n from the first 4 input bytes) of a 64-bit mixing function over a 1 KiB buffer. */
export const COMPUTE_WAT = `(module
  ${HOST_IMPORTS}
  (memory (export "memory") 1)
  (func $mix (param $x i64) (param $i i64) (result i64)
    (i64.xor (i64.mul (local.get $x) (i64.const 0x9E3779B97F4A7C15)) (i64.rotl (local.get $i) (i64.const 13))))
  (func $round (param $x i64) (param $n i64) (result i64) (local $i i64)
    (loop $l
      (local.set $x (call $mix (local.get $x) (local.get $i)))
      (local.set $x (i64.add (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (if (i64.eqz (i64.and (local.get $x) (i64.const 15)))
        (then (local.set $x (i64.add (local.get $x) (i64.load (i32.const 1024))))))
      (i64.store (i32.add (i32.const 2048) (i32.wrap_i64 (i64.shl (i64.and (local.get $i) (i64.const 127)) (i64.const 3)))) (local.get $x))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $x))
  (func (export "call")
    (call $input_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i64.store (i32.const 8) (call $round (i64.const 1) (i64.extend_i32_u (i32.load (i32.const 0)))))
    (call $finish (i32.const 8) (i32.const 8))))`;

/** Storage-heavy: writes `n` 32-byte slots, then reads them back and sums a byte of each. */
export const STORAGE_WAT = `(module
  ${HOST_IMPORTS}
  (memory (export "memory") 1)
  (func (export "call") (local $i i32) (local $n i32) (local $sum i32)
    (call $input_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    (loop $w
      (i32.store (i32.const 64) (local.get $i))
      (i32.store (i32.const 128) (i32.mul (local.get $i) (i32.const 7)))
      (call $storage_set (i32.const 64) (i32.const 32) (i32.const 128) (i32.const 32))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $w (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $r
      (i32.store (i32.const 64) (local.get $i))
      (drop (call $storage_get (i32.const 64) (i32.const 32) (i32.const 256) (i32.const 32)))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (i32.const 256))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $r (i32.lt_u (local.get $i) (local.get $n))))
    (i32.store (i32.const 0) (local.get $sum))
    (call $finish (i32.const 0) (i32.const 4))))`;

/** Little-endian u32 input. */
export function u32Input(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}
