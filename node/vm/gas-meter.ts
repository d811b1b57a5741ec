import { engine, type WasmGlobal, type WasmModule } from './wasm/engine.js';

/**
 * Takes gas from an instance's counter for the host functions it calls. The counter is the
 * instrumented module's mutable i64 global, which JavaScript can only read and write as a
 * BigInt: a read, a subtraction and a write made three BigInts per host call, and an ERC-20
 * transfer makes eight host calls. This module imports the same global and does the
 * arithmetic in WebAssembly, so a charge is one call with a plain number:
 *
 *   (import "g" "gas" (global $gas (mut i64)))
 *   (func (export "charge") (param $amount f64) (result i32)
 *     (global.set $gas (i64.sub (global.get $gas) (i64.trunc_sat_f64_u (local.get $amount))))
 *     (i64.lt_s (global.get $gas) (i64.const 0)))
 *
 * Amounts are integers below 2^53 (HostBinding computes them so), exact in an f64 and in
 * the conversion. It returns 1 when the counter went below zero: the caller's out-of-gas.
 */
const GAS_METER_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7c, 0x01, 0x7f], // types: (f64) -> i32
  ...[0x02, 0x0a, 0x01, 0x01, 0x67, 0x03, 0x67, 0x61, 0x73, 0x03, 0x7e, 0x01], // import "g" "gas": mut i64
  ...[0x03, 0x02, 0x01, 0x00], // one function of type 0
  ...[0x07, 0x0a, 0x01, 0x06, 0x63, 0x68, 0x61, 0x72, 0x67, 0x65, 0x00, 0x00], // export "charge"
  ...[0x0a, 0x12, 0x01, 0x10, 0x00], // code: one body of 16 bytes, no locals
  ...[0x23, 0x00, 0x20, 0x00, 0xfc, 0x07, 0x7d, 0x24, 0x00], // gas = gas - trunc_sat_u(amount)
  ...[0x23, 0x00, 0x42, 0x00, 0x53, 0x0b], // gas < 0
]);

let compiled: WasmModule | undefined;

/** `charge(amount)`: takes `amount` from `gas`; true when that leaves it below zero. */
export type GasCharge = (amount: number) => boolean;

export function gasMeter(gas: WasmGlobal): GasCharge {
  compiled ??= new engine.Module(GAS_METER_BYTES);
  const charge = new engine.Instance(compiled, { g: { gas } }).exports.charge as (amount: number) => number;
  return (amount) => charge(amount) !== 0;
}
