/**
 * Fuzzing the deploy path: random and mutated WebAssembly modules. The VM must refuse a
 * module with a ContractRejectedError (its own, stable reason) or accept it; an accepted
 * module's instrumented code is valid WebAssembly, and running it ends in one of the VM's
 * statuses within its gas limit — never a crash, a hang or another kind of error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContractRejectedError, prepareContract, runContract } from '../../node/vm/index.js';
import { engine } from '../../node/vm/wasm/engine.js';
import { fuzzParams, hostileBytes } from '../helpers/fuzz.js';
import { CORPUS } from '../helpers/vm/corpus.js';
import { address, MemoryHost, newWorld } from '../helpers/vm/memory-host.js';
import { randomProgram } from '../helpers/vm/program-gen.js';
import { wat } from '../helpers/vm/wat.js';

const corpus = Object.values(CORPUS).map((text) => wat(text));
const validModule = fc.oneof(
  fc.constantFrom(...corpus),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => wat(randomProgram(seed))),
);

const STATUSES = ['success', 'revert', 'outOfGas', 'trap'];

function deployAndRun(bytes: Uint8Array): void {
  let prepared: ReturnType<typeof prepareContract>;
  try {
    prepared = prepareContract(bytes);
  } catch (e) {
    if (!(e instanceof ContractRejectedError))
      throw new Error(`deploy threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.code).toMatch(/^[A-Z_]+$/);
    return;
  }
  expect(engine.validate(prepared.code)).toBe(true);
  const r = runContract({
    prepared,
    entry: 'call',
    input: new Uint8Array(),
    gasLimit: 2_000_000,
    host: new MemoryHost(newWorld(), address(1)),
  });
  expect(STATUSES).toContain(r.status);
  expect(r.gasUsed).toBeLessThanOrEqual(2_000_000);
}

describe('fuzz: WebAssembly deploy path', () => {
  it('random, mutated and noise modules are refused with a VM reason or run within their gas', () => {
    fc.assert(fc.property(hostileBytes(validModule, 512), deployAndRun), fuzzParams(400));
  });
});
