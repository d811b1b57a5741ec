/**
 * WebAssembly VM figures.
 *
 *   npx tsx bench/vm.ts [rounds=9]
 *
 * 1. Throughput: calls/s and gas/s of a compute-heavy and a storage-heavy contract run
 *    through runContract with a warm module cache and an in-memory HostEnv.
 * 2. Metering overhead: the same module's `call` export, plain vs instrumented, run
 *    alternately in one process on warm instances (so only execution is compared), as
 *    the median of per-round time ratios.
 * 3. Module cache: runContract time on a cache miss (compile + instantiate + run) vs a
 *    hit (instantiate + run), for a small and a large module; and deploy-time
 *    prepareContract cost.
 * Every figure is the median over rounds.
 */
import { COMPUTE_WAT, HOST_IMPORTS, STORAGE_WAT, u32Input } from '../test/helpers/vm/contracts.js';
import { address, MemoryHost, newWorld } from '../test/helpers/vm/memory-host.js';
import { wat } from '../test/helpers/vm/wat.js';
import { HOST_FUNCTIONS, ModuleCache, prepareContract, runContract, type PreparedContract } from '../node/vm/index.js';
// Raw instantiation for the plain-vs-metered comparison: not VM API, so not in its index.
import { engine, type WasmGlobal, type WasmInstance, type WasmMemory } from '../node/vm/wasm/engine.js';
import { formatRatio, median, printTable } from './lib/table.js';

const ROUNDS = Number(process.argv[2] ?? 9);
const SELF = address(1);

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Calls `fn` until `ms` have passed; returns calls per second. */
function rate(fn: () => void, ms: number): number {
  let calls = 0;
  const start = now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn();
    calls++;
    elapsed = now() - start;
  }
  return (calls * 1000) / elapsed;
}

// --- 1. Throughput ---------------------------------------------------------------

const workloads: { name: string; prepared: PreparedContract; input: Uint8Array }[] = [
  { name: 'compute (20k mixing rounds)', prepared: prepareContract(wat(COMPUTE_WAT)), input: u32Input(20_000) },
  { name: 'storage (100 writes + 100 reads)', prepared: prepareContract(wat(STORAGE_WAT)), input: u32Input(100) },
];
const cache = new ModuleCache();
const throughputRows = workloads.map(({ name, prepared, input }) => {
  const world = newWorld(cache);
  const call = () =>
    runContract({ prepared, entry: 'call', input, gasLimit: 1e12, host: new MemoryHost(world, SELF), cache });
  const { gasUsed, status } = call();
  if (status !== 'success') throw new Error(`${name}: ${status}`);
  rate(call, 300); // warm-up: let V8 tier up
  const rates = Array.from({ length: ROUNDS }, () => rate(call, 300));
  const calls = median(rates);
  return [name, calls, gasUsed, calls * gasUsed];
});
printTable(
  'Contract throughput (runContract, warm cache, in-memory host)',
  ['workload', 'calls/s', 'gas/call', 'gas/s'],
  throughputRows,
);

// --- 2. Metering overhead --------------------------------------------------------

const FIB_WAT = `(module ${HOST_IMPORTS} (memory (export "memory") 1)
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "call") (i32.store (i32.const 0) (call $fib (i32.const 27))) (call $finish (i32.const 0) (i32.const 4))))`;

const SORT_WAT = `(module ${HOST_IMPORTS} (memory (export "memory") 1)
  (func (export "call") (local $i i32) (local $j i32) (local $t i32) (local $seed i32)
    (local.set $seed (i32.const 12345))
    (loop $fill
      (local.set $seed (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $seed))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 1500))))
    (local.set $i (i32.const 0))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (if (i32.gt_u (i32.load (i32.shl (local.get $j) (i32.const 2))) (i32.load offset=4 (i32.shl (local.get $j) (i32.const 2))))
          (then
            (local.set $t (i32.load (i32.shl (local.get $j) (i32.const 2))))
            (i32.store (i32.shl (local.get $j) (i32.const 2)) (i32.load offset=4 (i32.shl (local.get $j) (i32.const 2))))
            (i32.store offset=4 (i32.shl (local.get $j) (i32.const 2)) (local.get $t))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.sub (i32.const 1499) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (i32.const 1499))))
    (call $finish (i32.const 0) (i32.const 4))))`;

/** JavaScript stand-ins for the host functions, identical for both runs: only input_copy does anything. */
function stubImports(input: Uint8Array, memory: () => WasmMemory) {
  const stubs: Record<string, (...args: number[]) => unknown> = {};
  for (const [name, type] of Object.entries(HOST_FUNCTIONS)) stubs[name] = () => (type.results[0] === 0x7e ? 0n : 0);
  stubs.input_copy = (dst, offset, len) =>
    new Uint8Array(memory().buffer, dst, len).set(input.subarray(offset, offset + len));
  return { lingding: stubs };
}

function instantiate(bytes: Uint8Array, input: Uint8Array): () => void {
  const instance: WasmInstance = new engine.Instance(
    new engine.Module(bytes),
    stubImports(input, () => instance.exports.memory as WasmMemory),
  );
  const call = instance.exports.call as () => void;
  const gas = instance.exports.__lingding_gas as WasmGlobal | undefined;
  return () => {
    if (gas) gas.value = 10n ** 15n;
    call();
  };
}

const overheadCases = [
  { name: 'compute: loop calling a small helper', text: COMPUTE_WAT, input: u32Input(2_000_000) },
  { name: 'sort: nested loops, no calls', text: SORT_WAT, input: new Uint8Array() },
  { name: 'fib(27): recursion, a call per 10 instructions', text: FIB_WAT, input: new Uint8Array() },
];
const overheadRows = overheadCases.map(({ name, text, input }) => {
  const original = wat(text);
  const plain = instantiate(original, input);
  const metered = instantiate(prepareContract(original).code, input);
  const timeOf = (f: () => void) => {
    const t = now();
    f();
    return now() - t;
  };
  for (let i = 0; i < 5; i++) [plain, metered].forEach(timeOf); // warm-up and tier-up
  const plainMs: number[] = [];
  const meteredMs: number[] = [];
  for (let i = 0; i < ROUNDS * 3; i++) {
    plainMs.push(timeOf(plain));
    meteredMs.push(timeOf(metered));
  }
  const ratio = median(meteredMs.map((m, i) => m / plainMs[i]));
  return [name, median(plainMs), median(meteredMs), formatRatio(ratio)];
});
printTable(
  'Metering overhead (same module, same process, warm instances)',
  ['module', 'plain ms', 'metered ms', 'ratio'],
  overheadRows,
);

// --- 3. Module cache ---------------------------------------------------------------

/** ~200 KiB of code: many functions, each a loop over a few locals. */
const LARGE_WAT = `(module ${HOST_IMPORTS} (memory (export "memory") 1)
  ${Array.from(
    { length: 1500 },
    (_, i) => `(func $f${i} (param i64) (result i64) (local i64 i32)
      (loop $l
        (local.set 1 (i64.add (i64.mul (local.get 1) (i64.const ${i + 3})) (local.get 0)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 2) (i32.const 4))))
      (i64.xor (local.get 1) (i64.const ${i})))`,
  ).join('\n  ')}
  (func (export "call") (drop (call $f0 (i64.const 1)))))`;

const cacheRows: (string | number)[][] = [];
for (const [name, text] of [
  ['compute module', COMPUTE_WAT],
  ['large module (1500 functions)', LARGE_WAT],
] as const) {
  // V8 shares compiled code between modules with identical bytes, so every miss gets a
  // variant with one extra unused function: a different code hash and different bytes.
  const variant = (k: number) => wat(text.replace(/\)\s*$/, `(func (result i32) (i32.const ${k})))`));
  const original = variant(0);
  const prepareMs = median(
    Array.from({ length: ROUNDS }, () => {
      const t = now();
      prepareContract(original);
      return now() - t;
    }),
  );
  const prepared = prepareContract(original);
  const misses = Array.from({ length: ROUNDS }, (_, k) => prepareContract(variant(k + 1)));
  const run = (p: PreparedContract, c: ModuleCache) =>
    runContract({
      prepared: p,
      entry: 'call',
      input: u32Input(1),
      gasLimit: 1e9,
      host: new MemoryHost(newWorld(), SELF),
      cache: c,
    });
  const warm = new ModuleCache();
  run(prepared, warm);
  const missMs: number[] = [];
  const hitMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = now();
    run(misses[i], new ModuleCache());
    missMs.push(now() - t);
    t = now();
    run(prepared, warm);
    hitMs.push(now() - t);
  }
  const stats = warm.stats();
  const [miss, hit] = [median(missMs), median(hitMs)];
  cacheRows.push([
    name,
    original.length,
    prepared.code.length,
    prepareMs,
    miss,
    hit,
    formatRatio(miss / hit),
    `${stats.hits}/${stats.misses}`,
  ]);
}
printTable(
  'Compiled-module cache (runContract of a trivial call; miss = compile + instantiate)',
  ['module', 'bytes', 'instrumented', 'prepare ms', 'miss ms', 'hit ms', 'miss/hit', 'hits/misses'],
  cacheRows,
);
