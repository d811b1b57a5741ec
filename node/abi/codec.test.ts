import { AbiCoder } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbiError, decodeAbi, encodeAbi, selector, type AbiValue } from './codec.js';

const ethersCoder = AbiCoder.defaultAbiCoder();
const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');

/** A type with a generator of its values, in our representation and in ethers'. */
const typed: fc.Arbitrary<{ type: string; value: AbiValue; ethers: unknown }> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map((v) => ({ type: 'uint256', value: v, ethers: v })),
  fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).map((v) => ({ type: 'uint32', value: v, ethers: v })),
  fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }).map((v) => ({ type: 'int256', value: v, ethers: v })),
  fc.bigInt({ min: -(1n << 31n), max: (1n << 31n) - 1n }).map((v) => ({ type: 'int32', value: v, ethers: v })),
  fc.boolean().map((v) => ({ type: 'bool', value: v, ethers: v })),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((v) => ({ type: 'address', value: v, ethers: hex(v) })),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((v) => ({ type: 'bytes32', value: v, ethers: hex(v) })),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v) => ({ type: 'bytes4', value: v, ethers: hex(v) })),
  fc.uint8Array({ maxLength: 100 }).map((v) => ({ type: 'bytes', value: v, ethers: hex(v) })),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((v) => ({ type: 'string', value: v, ethers: v })),
);

describe('ABI codec', () => {
  it('encodes exactly as ethers does, and decodes back', () => {
    fc.assert(
      fc.property(fc.array(typed, { maxLength: 6 }), (params) => {
        const types = params.map((p) => p.type);
        const ours = encodeAbi(
          types,
          params.map((p) => p.value),
        );
        expect(hex(ours)).toBe(
          ethersCoder.encode(
            types,
            params.map((p) => p.ethers),
          ),
        );
        const back = decodeAbi(types, ours);
        expect(back).toEqual(params.map((p) => p.value));
      }),
      { numRuns: 300 },
    );
  });

  it('computes selectors like Solidity', () => {
    expect(hex(selector('transfer(address,uint256)'))).toBe('0xa9059cbb');
  });

  it('refuses malformed data with an AbiError', () => {
    const good = encodeAbi(['string', 'uint8'], ['hi', 5n]);
    expect(() => decodeAbi(['string', 'uint8'], good.subarray(0, 40))).toThrow(AbiError);
    const badOffset = Uint8Array.from(good);
    badOffset[31] = 0xff;
    expect(() => decodeAbi(['string', 'uint8'], badOffset)).toThrow(/offset/);
    const outOfRange = Uint8Array.from(good);
    outOfRange[62] = 1; // uint8 with a high byte set
    expect(() => decodeAbi(['string', 'uint8'], outOfRange)).toThrow(/out of range/);
    expect(() => decodeAbi(['bool'], encodeAbi(['uint256'], [2n]))).toThrow(/0 or 1/);
    const badUtf8 = encodeAbi(['bytes'], [Uint8Array.of(0xff, 0xfe)]);
    expect(() => decodeAbi(['string'], badUtf8)).toThrow(/UTF-8/);
    expect(() => encodeAbi(['uint8'], [256n])).toThrow(/out of range/);
    expect(() => encodeAbi(['uint256[]'], [1n])).toThrow(/unsupported/);
  });
});

describe('word boundaries', () => {
  it('round-trips integers around every byte and safe-integer boundary, as ethers encodes them', () => {
    const coder = AbiCoder.defaultAbiCoder();
    const values: bigint[] = [];
    for (let bits = 0n; bits <= 256n; bits += 1n)
      for (const d of [-1n, 0n, 1n]) {
        const v = (1n << bits) + d;
        if (v >= 0n && v < 1n << 256n) values.push(v);
      }
    values.push(BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    for (const v of values) {
      const encoded = encodeAbi(['uint256'], [v]);
      expect(Buffer.from(encoded).toString('hex')).toBe(coder.encode(['uint256'], [v]).slice(2));
      expect(decodeAbi(['uint256'], encoded)).toEqual([v]);
    }
  });
});
