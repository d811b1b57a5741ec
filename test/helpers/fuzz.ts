/**
 * Fuzzing with fast-check: fixed seeds and a bounded budget in `npm test`, a larger one in
 * `npm run fuzz` (LINGDING_FUZZ_RUNS), and any seed on demand (LINGDING_FUZZ_SEED) to replay
 * what a longer run found. A failure prints the seed and the shrunk input.
 */
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.LINGDING_FUZZ_SEED ?? 20261202);

/** fast-check parameters: `runs` in `npm test`, LINGDING_FUZZ_RUNS when set. */
export function fuzzParams(runs: number): { seed: number; numRuns: number } {
  const override = process.env.LINGDING_FUZZ_RUNS;
  return { seed: FUZZ_SEED, numRuns: override ? Number(override) : runs };
}

type Edit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'truncate'; at: number }
  | { op: 'repeat'; at: number; count: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0xc0, 0xc1, 0xdc, 0xdd, 0xcf),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
);

function apply(bytes: Uint8Array, e: Edit): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : e.at % (n + 1);
  const before = bytes.subarray(0, at);
  const after = bytes.subarray(at);
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  switch (e.op) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = Uint8Array.from(bytes);
      out[e.at % n] ^= 1 << e.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return bytes;
      const out = Uint8Array.from(bytes);
      out[e.at % n] = e.value;
      return out;
    }
    case 'insert':
      return cat(before, e.bytes, after);
    case 'delete':
      return cat(before, after.subarray(e.count));
    case 'truncate':
      return Uint8Array.from(before);
    case 'repeat':
      return cat(before, after.subarray(0, e.count), after);
  }
}

/** Bytes a few random edits away from a valid encoding: where decoders' bugs hide. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([bytes, edits]) => edits.reduce(apply, bytes));
}

/** Valid bytes, a mutation of them, or noise: the three kinds of input a fuzz target gets. */
export function hostileBytes(valid: fc.Arbitrary<Uint8Array>, maxNoise = 256): fc.Arbitrary<Uint8Array> {
  return fc.oneof(valid, mutated(valid), mutated(valid), fc.uint8Array({ maxLength: maxNoise }));
}
