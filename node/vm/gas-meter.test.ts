import { describe, expect, it } from 'vitest';
import { gasMeter } from './gas-meter.js';
import type { WasmGlobal } from './wasm/engine.js';

const counter = (value: bigint): WasmGlobal =>
  new (
    globalThis as unknown as { WebAssembly: { Global: new (d: object, v: bigint) => WasmGlobal } }
  ).WebAssembly.Global({ value: 'i64', mutable: true }, value);

describe('gasMeter', () => {
  it('takes exactly the amount from the shared counter and says when it went below zero', () => {
    const gas = counter(1_000n);
    const charge = gasMeter(gas);
    expect(charge(400)).toBe(false);
    expect(gas.value).toBe(600n);
    expect(charge(600)).toBe(false);
    expect(gas.value).toBe(0n);
    expect(charge(1)).toBe(true);
    expect(gas.value).toBe(-1n);
  });

  it('is exact for every integer amount below 2^53, against a counter of any i64 value', () => {
    for (const [start, amount] of [
      [2n ** 62n, 2 ** 53 - 1],
      [2n ** 53n, 2 ** 53 - 1],
      [0n, 0],
      [-5n, 3],
      [123_456_789_012n, 98_765_432_101],
    ] as const) {
      const gas = counter(start);
      const below = gasMeter(gas)(amount);
      expect(gas.value).toBe(start - BigInt(amount));
      expect(below).toBe(start - BigInt(amount) < 0n);
    }
  });
});
