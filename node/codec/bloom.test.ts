import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validator } from 'web3';
import { addToBloom, BLOOM_BYTES, bloomMayContain, emptyBloom, isEmptyBloom, logsBloom } from './bloom.js';
import { fromHex, toHex } from './hex.js';

describe('logs bloom', () => {
  it('sets the three bits the yellow paper gives for a known hash', () => {
    // keccak256('') = c5d2 4601 86f7 …: bits 0x5d2 = 1490, 0x601 = 1537, 0x6f7 = 1783 (low 11
    // bits of each pair); bit b is in byte 255 - floor(b / 8), mask 1 << (b % 8).
    const bloom = emptyBloom();
    addToBloom(bloom, new Uint8Array());
    const expected = emptyBloom();
    expected[255 - 186] = 1 << 2;
    expected[255 - 192] = 1 << 1;
    expected[255 - 222] = 1 << 7;
    expect(toHex(bloom)).toBe(toHex(expected));
  });

  it('agrees with web3.js (an independent implementation) on what an address and a topic set', () => {
    const address = fromHex('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    const topic = fromHex(`0x${'ab'.repeat(32)}`);
    const bloom = logsBloom([{ address, topics: [topic], data: new Uint8Array() }]);
    expect(validator.isInBloom(toHex(bloom), address)).toBe(true);
    expect(validator.isInBloom(toHex(bloom), topic)).toBe(true);
    expect(validator.isInBloom(toHex(bloom), fromHex(`0x${'cd'.repeat(32)}`))).toBe(false);
  });

  it('tests positive for every item added, in any mix of logs', () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 64 });
    const log = fc.record({ address: bytes, topics: fc.array(bytes, { maxLength: 4 }), data: bytes });
    fc.assert(
      fc.property(fc.array(log, { maxLength: 8 }), (logs) => {
        const bloom = logsBloom(logs);
        expect(bloom).toHaveLength(BLOOM_BYTES);
        for (const l of logs) {
          expect(bloomMayContain(bloom, l.address)).toBe(true);
          for (const t of l.topics) expect(bloomMayContain(bloom, t)).toBe(true);
        }
        expect(isEmptyBloom(bloom)).toBe(logs.length === 0);
      }),
    );
  });

  it('an empty bloom contains nothing', () => {
    expect(bloomMayContain(emptyBloom(), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
