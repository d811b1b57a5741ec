import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../test/helpers/vm/corpus.js';
import { address, MemoryHost, newWorld } from '../../test/helpers/vm/memory-host.js';
import { randomProgram } from '../../test/helpers/vm/program-gen.js';
import { wat } from '../../test/helpers/vm/wat.js';
import { ModuleCache, prepareContract, runContract } from './index.js';
import { engine, type WasmGlobal, type WasmMemory } from './wasm/engine.js';

interface Outcome {
  /** 'ok', or the trap's message. */
  readonly end: string;
  readonly memory: Buffer;
}

/** Instantiates `bytes` with no imports, optionally funds the gas counter, runs `call`. */
function execute(bytes: Uint8Array, gas?: bigint): Outcome {
  const instance = new engine.Instance(new engine.Module(bytes), {});
  if (gas !== undefined) (instance.exports.__lingding_gas as WasmGlobal).value = gas;
  let end = 'ok';
  try {
    (instance.exports.call as () => void)();
  } catch (e) {
    if (!(e instanceof engine.RuntimeError)) throw e;
    end = e.message;
  }
  return { end, memory: Buffer.from((instance.exports.memory as WasmMemory).buffer) };
}

/** Plain and instrumented runs must agree on how they end and on every byte of memory. */
function compare(text: string): Outcome {
  const original = wat(text);
  const prepared = prepareContract(original);
  const plain = execute(original);
  const metered = execute(prepared.code, 10n ** 15n);
  expect(metered.end).toBe(plain.end);
  expect(metered.memory.equals(plain.memory)).toBe(true);
  // Through the runner: the same status, and a successful run needs exactly its gasUsed.
  const run = (gasLimit: number, cache?: ModuleCache) =>
    runContract({
      prepared,
      entry: 'call',
      input: new Uint8Array(),
      gasLimit,
      host: new MemoryHost(newWorld(), address(1)),
      ...(cache && { cache }),
    });
  const r = run(1e12);
  expect(r.status).toBe(plain.end === 'ok' ? 'success' : 'trap');
  // An instance reused after a run of the same program (when it can be) gives the same result.
  const cache = new ModuleCache();
  run(1e12, cache);
  expect(run(1e12, cache)).toEqual(r);
  if (r.status === 'success') {
    expect(run(r.gasUsed)).toEqual(r);
    expect(run(r.gasUsed - 1).status).toBe('outOfGas');
  }
  return plain;
}

describe('differential: plain vs instrumented', () => {
  it.each(Object.entries(CORPUS))('hand-written: %s', (_name, text) => {
    compare(text);
  });

  // VM_DIFF_RUNS=5000 for a longer soak than the default 300 programs.
  it('random integer programs', () => {
    const ends = new Map<string, number>();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const text = randomProgram(seed);
        try {
          const { end } = compare(text);
          ends.set(end, (ends.get(end) ?? 0) + 1);
        } catch (e) {
          throw new Error(`seed ${seed}:\n${text}\n${String(e)}`);
        }
      }),
      { numRuns: Number(process.env.VM_DIFF_RUNS ?? 300) },
    );
    // The generator must exercise both normal ends and traps.
    expect(ends.get('ok')).toBeGreaterThan(150);
    expect(ends.size).toBeGreaterThan(1);
  });
});
