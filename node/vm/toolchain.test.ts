import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { address, MemoryHost, newWorld } from '../../test/helpers/vm/memory-host.js';
import { prepareContract, runContract } from './index.js';

// AssemblyScript output (see test/helpers/vm/fixtures/README.md for the source and build command).
describe.each(['stub', 'incremental'])('AssemblyScript contract (runtime %s)', (runtime) => {
  const bytes = readFileSync(new URL(`../../test/helpers/vm/fixtures/as-counter-${runtime}.wasm`, import.meta.url));

  it('is accepted and runs with its _initialize, storage and finish', () => {
    const prepared = prepareContract(bytes);
    expect(prepared.hasInitialize).toBe(true);
    const world = newWorld();
    const call = (input: number) =>
      runContract({
        prepared,
        entry: 'call',
        input: new Uint8Array(input),
        gasLimit: 10_000_000,
        host: new MemoryHost(world, address(1)),
      });
    const first = call(5);
    const second = call(7);
    expect([first.status, second.status]).toEqual(['success', 'success']);
    expect(Buffer.from(second.output).readBigUInt64LE()).toBe(12n);
    // Same state, same input: same gas.
    const replay = newWorld();
    const again = (input: number) =>
      runContract({
        prepared,
        entry: 'call',
        input: new Uint8Array(input),
        gasLimit: 10_000_000,
        host: new MemoryHost(replay, address(1)),
      });
    expect([again(5).gasUsed, again(7).gasUsed]).toEqual([first.gasUsed, second.gasUsed]);
  });
});
