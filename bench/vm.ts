/**
 * WebAssembly VM figures.
 *
 *   npx tsx bench/vm.ts [--rounds 9] [--txs 2000] [--senders 200] [--json]
 *
 * 1. Throughput: calls/s and gas/s of a compute-heavy and a storage-heavy contract run
 *    through runContract with a warm module cache and an in-memory HostEnv.
 * 2. Metering overhead: the same module's `call` export, plain vs instrumented, run
 *    alternately in one process on warm instances (so only execution is compared), as
 *    the median of per-round time ratios.
 * 3. Module cache: runContract time on a cache miss (compile + instantiate + run) vs a
 *    hit (a reused instance restored + run), for a small and a large module; and deploy-time
 *    prepareContract cost.
 * 4. The contract path as a node runs it: µs per transaction of KVStore.set (a system
 *    contract) and of an ERC-20 transfer on the shipped AssemblyScript token, each
 *    through Executor.runTx with the WebAssembly VM over a block overlay of a world state
 *    in a real LevelDB, `--txs` transactions from `--senders` accounts per block, the two
 *    workloads alternating block by block; and their ratio (issue #10: at most 2x).
 * Every figure is the median over rounds. With `--json` the last line is one JSON object
 * with the summary figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { asExample } from '../contracts/testing/examples.js';
import { buildGenesis } from '../node/chain/genesis-block.js';
import { ReceiptStatus } from '../node/codec/block.js';
import { fromHex, toHex } from '../node/codec/hex.js';
import type { LingdingTx, NativeTx } from '../node/codec/tx.js';
import { buildSignedTx } from '../node/codec/tx-builder.js';
import { parseGenesis } from '../node/config/genesis.js';
import { createEcdsaSuite } from '../node/crypto/index.js';
import type { KeyPair } from '../node/crypto/suite.js';
import { SystemAddress } from '../node/exec/addresses.js';
import { contractAddress, Executor } from '../node/exec/executor.js';
import type { BlockContext } from '../node/exec/types.js';
import { encodeDeployInput, WasmContractVm } from '../node/exec/wasm-vm.js';
import { LedgerStore } from '../node/ledger/store.js';
import { type StateOverlay, WorldState } from '../node/state/index.js';
import { COMPUTE_WAT, HOST_IMPORTS, STORAGE_WAT, u32Input } from '../test/helpers/vm/contracts.js';
import { address, MemoryHost, newWorld } from '../test/helpers/vm/memory-host.js';
import { wat } from '../test/helpers/vm/wat.js';
import { HOST_FUNCTIONS, ModuleCache, prepareContract, runContract, type PreparedContract } from '../node/vm/index.js';
// Raw instantiation for the plain-vs-metered comparison: not VM API, so not in its index.
import { engine, type WasmGlobal, type WasmInstance, type WasmMemory } from '../node/vm/wasm/engine.js';
import { hasArg, numberArg } from './lib/args.js';
import { formatRatio, median, printTable } from './lib/table.js';

const ROUNDS = numberArg('rounds', 9);
const TXS = numberArg('txs', 2000);
const SENDERS = numberArg('senders', 200);
const JSON_OUT = hasArg('json');
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
const meteringRatios: Record<string, number> = {};
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
  meteringRatios[name] = Number(ratio.toFixed(2));
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
  'Compiled-module cache (runContract of a trivial call; miss = compile + instantiate, hit = reuse an instance)',
  ['module', 'bytes', 'instrumented', 'prepare ms', 'miss ms', 'hit ms', 'miss/hit', 'hits/misses'],
  cacheRows,
);

// --- 4. The contract path through the executor ----------------------------------------

const suite = createEcdsaSuite();
const owner = suite.keyPairFromSecret(new Uint8Array(32).fill(1));
const senders: KeyPair[] = Array.from({ length: SENDERS }, (_, i) => {
  const secret = new Uint8Array(32).fill(2);
  new DataView(secret.buffer).setUint32(28, i);
  return suite.keyPairFromSecret(secret);
});
const genesis = parseGenesis({
  chainId: 'bench-vm',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(owner.publicKey)],
  committee: { members: [{ address: toHex(owner.address) }] },
});
const kvIface = new Interface(['function set(string key, string value) returns (int32)']);
const token = await asExample('token');
const tokenIface = new Interface(token.abi as never);

interface ExecTx {
  readonly tx: LingdingTx;
  readonly sender: Uint8Array;
}
const signed = (from: KeyPair, to: Uint8Array | null, input: Uint8Array): ExecTx => ({
  tx: buildSignedTx(suite, { chainId: 'bench-vm', height: 0, to, input, gasLimit: 50_000_000 }, from.secretKey).tx,
  sender: from.address,
});

const dataDir = mkdtempSync(join(tmpdir(), 'lingding-bench-vm-'));
const store = await LedgerStore.open(dataDir, { syncWrites: false });
const vm = new WasmContractVm();
const executor = new Executor(vm);
let blockNumber = 0;
const nextBlock = (): BlockContext => ({ number: ++blockNumber, timestamp: 1000 * blockNumber, suite });

/** Writes a block overlay to LevelDB as the chain's commit does, so later reads go through the store. */
async function commit(world: WorldState, overlay: StateOverlay): Promise<void> {
  const c = world.prepareCommit(overlay);
  await store.state.batch(
    c.ops.map((op) =>
      op.type === 'put' ? { type: 'put', key: op.key, value: op.value } : { type: 'del', key: op.key },
    ),
  );
  world.applyCommitted(c);
}

/** Runs `txs` as one block over `world`; every one must succeed. Returns the overlay. */
function runBlock(world: WorldState, txs: readonly ExecTx[]): StateOverlay {
  const overlay = world.overlay();
  const block = nextBlock();
  for (const t of txs) {
    const r = executor.runTx(block, overlay, t);
    if (r.status !== ReceiptStatus.Success) throw new Error(`bench transaction failed: ${r.message}`);
  }
  return overlay;
}

let kvSetUs: number;
let erc20TransferUs: number;
let erc20GasPerTx: number;
try {
  const world = new WorldState(store.state, suite, { root: new Uint8Array(32) });
  await commit(world, buildGenesis(suite, genesis).state);

  // The token, minted to the owner, then a balance for every sender.
  const deploy = signed(
    owner,
    null,
    encodeDeployInput(
      token.wasm,
      fromHex(tokenIface.encodeDeploy(['Bench', 'BCH', 0, 10n ** 15n])),
      JSON.stringify(token.abi),
    ),
  );
  await commit(world, runBlock(world, [deploy]));
  const tokenAddress = contractAddress(suite, owner.address, (deploy.tx as NativeTx).nonce);
  const transfer = (from: KeyPair, to: KeyPair, amount: bigint) =>
    signed(from, tokenAddress, fromHex(tokenIface.encodeFunctionData('transfer', [toHex(to.address), amount])));
  await commit(
    world,
    runBlock(
      world,
      senders.map((s) => transfer(owner, s, 10n ** 9n)),
    ),
  );

  // Each block is run over the same committed state and dropped, so one set of
  // transactions serves every round; the world state's read cache is warm after the first.
  const kvTxs = Array.from({ length: TXS }, (_, i) =>
    signed(
      senders[i % SENDERS],
      SystemAddress.KVStore,
      fromHex(kvIface.encodeFunctionData('set', [`k${i}`, `value-${i}`])),
    ),
  );
  const erc20Txs = Array.from({ length: TXS }, (_, i) =>
    transfer(senders[i % SENDERS], senders[(i + 1) % SENDERS], 1n),
  );
  const usPerTx = (txs: readonly ExecTx[]) => {
    const t = now();
    runBlock(world, txs);
    return ((now() - t) * 1000) / txs.length;
  };
  usPerTx(kvTxs); // warm-up: V8 tier-up, module cache, state cache
  usPerTx(erc20Txs);
  const kvUs: number[] = [];
  const erc20Us: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    kvUs.push(usPerTx(kvTxs));
    erc20Us.push(usPerTx(erc20Txs));
  }
  kvSetUs = median(kvUs);
  erc20TransferUs = median(erc20Us);
  const gasOf = (t: ExecTx) => executor.runTx(nextBlock(), world.overlay(), t).gasUsed;
  erc20GasPerTx = gasOf(erc20Txs[0]);
  printTable(
    `Contract path (Executor.runTx + WebAssembly VM over LevelDB world state; ${TXS} txs a block from ${SENDERS} senders)`,
    ['transaction', 'µs/tx', 'gas/tx', 'ratio to KVStore.set'],
    [
      ['KVStore.set (system contract)', kvSetUs, gasOf(kvTxs[0]), formatRatio(1)],
      [
        'ERC-20 transfer (AssemblyScript token)',
        erc20TransferUs,
        erc20GasPerTx,
        formatRatio(erc20TransferUs / kvSetUs),
      ],
    ],
  );
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (JSON_OUT) {
  const [compute, storage] = throughputRows;
  console.log(
    JSON.stringify({
      kvSetUs: Number(kvSetUs.toFixed(1)),
      erc20TransferUs: Number(erc20TransferUs.toFixed(1)),
      ratio: Number((erc20TransferUs / kvSetUs).toFixed(2)),
      erc20GasPerTx,
      computeCallsPerSec: Math.round(compute[1] as number),
      storageCallsPerSec: Math.round(storage[1] as number),
      meteringOverhead: meteringRatios,
      cacheMissMs: Object.fromEntries(cacheRows.map((r) => [r[0], Number((r[4] as number).toFixed(3))])),
      cacheHitMs: Object.fromEntries(cacheRows.map((r) => [r[0], Number((r[5] as number).toFixed(3))])),
    }),
  );
}
