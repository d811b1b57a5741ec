import { describe, expect, it } from 'vitest';
import { HOST_IMPORTS } from '../../test/helpers/vm/contracts.js';
import { address, MemoryHost, newWorld, type World } from '../../test/helpers/vm/memory-host.js';
import { wat } from '../../test/helpers/vm/wat.js';
import { ModuleCache, prepareContract, runContract, type PreparedContract, type RunResult } from './index.js';

const SELF = address(1);

const prepare = (fields: string, body: string) =>
  prepareContract(
    wat(`(module
  ${HOST_IMPORTS}
  ${fields}
  (func (export "call") ${body}))`),
  );

/** Runs `prepared` with `cache` (reusing instances) and without one (a new instance): both must agree. */
function runBoth(prepared: PreparedContract, cache: ModuleCache, input = new Uint8Array(), world?: World): RunResult {
  const run = (withCache: boolean) =>
    runContract({
      prepared,
      entry: 'call',
      input,
      gasLimit: 10_000_000,
      host: new MemoryHost(world ?? newWorld(), SELF),
      ...(withCache && { cache }),
    });
  const fresh = run(false);
  const reused = run(true);
  expect(reused).toEqual(fresh);
  return reused;
}

/**
 * Reports what it finds, then changes it all: an i32 and an i64 global, a byte written by
 * a data segment and a byte of zeroed memory. Traps after the changes when given input.
 */
const LEAKY = prepare(
  `(memory (export "memory") 1)
  (global $g (mut i32) (i32.const 5))
  (global $h (mut i64) (i64.const 7))
  (data (i32.const 16) "\\01")`,
  `(i32.store (i32.const 1000) (global.get $g))
   (i64.store (i32.const 1004) (global.get $h))
   (i32.store8 (i32.const 1012) (i32.load8_u (i32.const 16)))
   (i32.store8 (i32.const 1013) (i32.load8_u (i32.const 200)))
   (global.set $g (i32.const 99))
   (global.set $h (i64.const 99))
   (i32.store8 (i32.const 16) (i32.const 77))
   (i32.store8 (i32.const 200) (i32.const 88))
   (if (call $input_size) (then unreachable))
   (call $finish (i32.const 1000) (i32.const 14))`,
);
const FRESH = Uint8Array.of(5, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0);

describe('reused instances', () => {
  it('start every run with the globals and memory of a new instance, with the same gas', () => {
    const cache = new ModuleCache();
    for (let i = 0; i < 3; i++) expect(runBoth(LEAKY, cache).output).toEqual(FRESH);
    expect(cache.stats().reused).toBe(2);
  });

  it('start fresh after a run that trapped half-way', () => {
    const cache = new ModuleCache();
    expect(runBoth(LEAKY, cache, Uint8Array.of(1)).status).toBe('trap');
    expect(runBoth(LEAKY, cache).output).toEqual(FRESH);
    expect(cache.stats().reused).toBe(1);
  });

  it('are not kept once memory has grown', () => {
    const grows = prepare(
      '(memory (export "memory") 1 4)',
      `(i32.store (i32.const 0) (memory.size))
       (drop (memory.grow (i32.const 1)))
       (call $finish (i32.const 0) (i32.const 4))`,
    );
    const cache = new ModuleCache();
    for (let i = 0; i < 2; i++) expect(runBoth(grows, cache).output).toEqual(Uint8Array.of(1, 0, 0, 0));
    expect(cache.stats().reused).toBe(0);
  });

  it('are never made of a module with a passive data segment (data.drop cannot be undone)', () => {
    const drops = prepare(
      `(memory (export "memory") 1)
      (data $p "\\2a")`,
      `(memory.init $p (i32.const 300) (i32.const 0) (i32.const 1))
       (data.drop $p)
       (call $finish (i32.const 300) (i32.const 1))`,
    );
    expect(drops.reusable).toBe(false);
    const cache = new ModuleCache();
    for (let i = 0; i < 2; i++)
      expect(runBoth(drops, cache)).toMatchObject({ status: 'success', output: Uint8Array.of(42) });
    expect(cache.stats().reused).toBe(0);
  });

  it('do not carry the last call_contract return data into the next run', () => {
    const world = newWorld(new ModuleCache());
    const callee = address(2);
    world.contracts.set(
      Buffer.from(callee).toString('hex'),
      prepare(
        '(memory (export "memory") 1)',
        '(i32.store (i32.const 0) (i32.const 0x636261)) (call $finish (i32.const 0) (i32.const 3))',
      ),
    );
    // With input: calls the callee first. Either way reports return_data_size.
    const caller = prepare(
      `(memory (export "memory") 1)
      (data (i32.const 100) "${[...callee].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}")`,
      `(if (call $input_size) (then (drop (call $call_contract (i32.const 100) (i32.const 0) (i32.const 0) (i64.const -1)))))
       (i32.store (i32.const 0) (call $return_data_size))
       (call $finish (i32.const 0) (i32.const 4))`,
    );
    const cache = world.cache!;
    expect(runBoth(caller, cache, Uint8Array.of(1), world).output).toEqual(Uint8Array.of(3, 0, 0, 0));
    expect(runBoth(caller, cache, new Uint8Array(), world).output).toEqual(Uint8Array.of(0, 0, 0, 0));
    expect(cache.stats().reused).toBeGreaterThan(0);
  });

  it('are not shared between a run and a run it (indirectly) starts of the same contract', () => {
    // Input n: puts n in a global and in memory, calls itself with n - 1, then reports both.
    const recursive = prepare(
      `(memory (export "memory") 1)
      (global $g (mut i32) (i32.const 0))`,
      `(local $n i32)
       (call $input_copy (i32.const 0) (i32.const 0) (i32.const 1))
       (local.set $n (i32.load8_u (i32.const 0)))
       (global.set $g (local.get $n))
       (i32.store8 (i32.const 16) (local.get $n))
       (if (local.get $n) (then
         (call $self_address (i32.const 600))
         (i32.store8 (i32.const 500) (i32.sub (local.get $n) (i32.const 1)))
         (drop (call $call_contract (i32.const 600) (i32.const 500) (i32.const 1) (i64.const -1)))))
       (i32.store8 (i32.const 1000) (i32.load8_u (i32.const 16)))
       (i32.store8 (i32.const 1001) (global.get $g))
       (call $finish (i32.const 1000) (i32.const 2))`,
    );
    const world = newWorld(new ModuleCache());
    world.contracts.set(Buffer.from(SELF).toString('hex'), recursive);
    for (let i = 0; i < 2; i++)
      expect(runBoth(recursive, world.cache!, Uint8Array.of(3), world).output).toEqual(Uint8Array.of(3, 3));
    expect(world.cache!.stats().reused).toBeGreaterThan(0);
  });
});
