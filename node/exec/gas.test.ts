import { describe, expect, it } from 'vitest';
import { GasCost, GasMeter, intrinsicGas, OutOfGasError } from './gas.js';

describe('GasMeter', () => {
  it('charges up to its limit exactly', () => {
    const g = new GasMeter(100);
    g.charge(40);
    g.charge(60);
    expect([g.used, g.left]).toEqual([100, 0]);
    g.charge(0);
    expect(g.used).toBe(100);
  });

  it('an overcharge throws, reports what was needed and left, and exhausts the meter', () => {
    const g = new GasMeter(100);
    g.charge(30);
    let err: unknown;
    try {
      g.charge(71);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutOfGasError);
    expect((err as OutOfGasError).needed).toBe(71);
    expect((err as OutOfGasError).left).toBe(70);
    expect((err as OutOfGasError).message).toBe('out of gas: needed 71, 70 left');
    expect([g.used, g.left]).toEqual([100, 0]);
    expect(() => g.charge(1)).toThrow(OutOfGasError);
  });

  it('exhaust uses all the gas and throws', () => {
    const g = new GasMeter(50);
    g.charge(10);
    expect(() => g.exhaust()).toThrow(OutOfGasError);
    expect(g.used).toBe(50);
  });
});

describe('intrinsicGas', () => {
  it('is the base cost plus a cost per input byte', () => {
    expect(intrinsicGas(0)).toBe(GasCost.txBase);
    expect(intrinsicGas(100)).toBe(GasCost.txBase + 100 * GasCost.txInputByte);
  });
});
