/**
 * State scale: does a node slow down as its world state grows? The single-node workload
 * (bench/single-node.ts: pre-signed KVStore.set transactions in batches over JSON-RPC to one
 * solo validator in its own process) run against a state that already holds 10 k, 1 M and
 * 10 M KVStore rows.
 *
 *   npx tsx bench/state.ts [--sizes 10000,1000000,10000000] [--txs 20000] [--batch 500]
 *                          [--concurrency 4] [--rounds 3] [--update-share 0.5] [--seed 1] [--json]
 *
 * The rows are pre-existing state, not genesis. Genesis commits to its state through block
 * 0's root, the hash of its sorted change set, and its only input is genesis.json, which
 * every start parses and hashes again to check the data directory: 10 M rows there would be
 * a gigabyte of JSON hashed at each start, a genesis no one would write. Instead the rows
 * are written straight into the `state` sublevel through LedgerStore (the layout the node
 * reads) before the node's first start; the node then commits its genesis block over them
 * and chains its roots from there. The state root is a chain of per-block change-set hashes,
 * not a commitment to the whole state, so nothing the node computes reads the state as a
 * whole and every root is the one the same blocks give without the rows: the rows are what a
 * node holds after years of blocks, reached by reads and writes like any other. (A second
 * node syncing this chain would not have them; a solo bench has none.)
 *
 * The rows are spread as real KVStore rows are: 0x01 | KVStore address | owner | key, under
 * 64 owners whose keys derive from a fixed phrase. Those owners also send the workload, and
 * `--update-share` of its transactions overwrite one of the sender's pre-filled rows, chosen
 * by a seeded generator, so writes land all over the big LevelDB; the rest insert new rows.
 * KVStore.set never reads the row it writes, so the big state is met through LevelDB's
 * writes and compactions and through the replay check's lookups of new transaction hashes
 * in the same database; the state reads a transaction makes are of system entries, which
 * the world state's cache holds.
 * Each size's LevelDB is built once, in sorted batches of 10 k, compacted, and kept under
 * os.tmpdir() for the next run (its folder is printed); each round copies it, so rounds do
 * not see each other's writes.
 *
 * Printed per size: committed tx/s (median of rounds), send→receipt p50/p99, the node's
 * per-block commit time (lingding_block_commit_seconds: build, execute and persist), the
 * node's CPU time per transaction (/proc), the LevelDB's size on disk after the round, the
 * node's peak RSS; and tx/s at the largest size over tx/s at the smallest (the goal: 10 M ≥
 * 0.80 × 10 k).
 */
import {
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { Level } from 'level';
import { concatBytes, toHex, utf8 } from '../node/codec/hex.js';
import { buildSignedTx } from '../node/codec/tx-builder.js';
import { createEcdsaSuite } from '../node/crypto/index.js';
import type { KeyPair } from '../node/crypto/suite.js';
import { storageKey, SystemAddress } from '../node/exec/addresses.js';
import { LEDGER_FORMAT, LedgerStore } from '../node/ledger/store.js';
import { createSoloChain, type NodeProcess, spawnNode } from '../tools/devnet/local-chain.js';
import { hasArg, numberArg, stringArg } from './lib/args.js';
import { median, percentile, printTable } from './lib/table.js';

/** Owners of the pre-filled rows, and the workload's senders. */
const OWNERS = 64;
const PREFILL_BATCH = 10_000;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;
/** Part of the cache folder's name: a change to the rows' shape must build the caches anew. */
const PREFILL_VERSION = 1;

const SIZES = stringArg('sizes', '10000,1000000,10000000')
  .split(',')
  .map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < OWNERS) throw new Error(`--sizes expects whole numbers ≥ ${OWNERS}, got '${s}'`);
    return n;
  });
const TXS = numberArg('txs', 20_000);
const BATCH = numberArg('batch', 500);
const CONCURRENCY = numberArg('concurrency', 4);
const ROUNDS = numberArg('rounds', 3);
const UPDATE_SHARE = numberArg('update-share', 0.5);
const SEED = numberArg('seed', 1);
const JSON_OUT = hasArg('json');

const suite = createEcdsaSuite();
const kv = new Interface([
  'function set(string key, string value) returns (int32)',
  'function getOf(address owner, string key) view returns (bool, string)',
]);

/** Fixed owners, sorted by address so that the prefill writes keys in ascending order. */
const owners: KeyPair[] = Array.from({ length: OWNERS }, (_, i) =>
  suite.keyPairFromSecret(suite.hash(utf8(`lingding bench/state owner ${i}`))),
).sort((a, b) => Buffer.compare(a.address, b.address));

/** Rows of owner `o` in a state of `size` rows. */
function rowsOf(size: number, o: number): number {
  return Math.floor(size / OWNERS) + (o < size % OWNERS ? 1 : 0);
}

/** Zero-padded, so that ascending indices are ascending keys (record ids, as applications number them). */
function prefillKey(i: number): string {
  return `pre-${String(i).padStart(9, '0')}`;
}

/** mulberry32: a small seeded generator, so every run picks the same rows. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = new TextEncoder().encode('0123456789abcdef');
const RECORD_TAG = new TextEncoder().encode('record-');

/**
 * A value of 16 random bytes in hex behind a short tag: LevelDB's prefix compression and
 * snappy shrink repetitive values to nothing, and the state would be big in rows only.
 * Written byte by byte because the prefill makes ten million of them.
 */
function prefillValue(next: () => number): Uint8Array {
  const out = new Uint8Array(RECORD_TAG.length + 32);
  out.set(RECORD_TAG);
  let o = RECORD_TAG.length;
  for (let w = 0; w < 4; w++) {
    const r = Math.floor(next() * 2 ** 32);
    for (let shift = 28; shift >= 0; shift -= 4) out[o++] = HEX[(r >>> shift) & 15];
  }
  return out;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** Writes `size` rows into the state of a new ledger at `dir`, through the node's own store. */
async function writePrefill(dir: string, size: number): Promise<void> {
  const store = await LedgerStore.open(dir, { syncWrites: false });
  const text = new TextEncoder();
  const next = seeded(size);
  try {
    let ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [];
    // One batch is written on LevelDB's thread while the next is made on this one.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      await writing;
      writing = store.state.batch(ops);
      ops = [];
    };
    for (let o = 0; o < OWNERS; o++) {
      const prefix = storageKey(SystemAddress.KVStore, owners[o].address);
      for (let i = 0; i < rowsOf(size, o); i++) {
        ops.push({
          type: 'put',
          key: concatBytes(prefix, text.encode(prefillKey(i))),
          value: prefillValue(next),
        });
        if (ops.length === PREFILL_BATCH) await flush();
      }
    }
    await flush();
    await writing;
  } finally {
    await store.close();
  }
  // Settled before the first round, so every round starts from the same files rather than
  // from a backlog of compactions the first node would pay for.
  const raw = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.open();
  // Under Node `level` is classic-level, which compacts; the browser-shared typings omit it.
  const leveldb = raw as unknown as { compactRange(start: Uint8Array, end: Uint8Array): Promise<void> };
  await leveldb.compactRange(Uint8Array.of(0x00), Uint8Array.of(0xff));
  await raw.close();
}

/**
 * The LevelDB of a state of `size` rows and no blocks, built once and kept: its folder name
 * carries the ledger layout and the owner count, so a change of either builds it anew.
 */
async function cachedPrefill(size: number): Promise<{ dir: string; buildSeconds: number | null }> {
  const root = join(tmpdir(), 'lingding-bench-state');
  const dir = join(root, `v${PREFILL_VERSION}-ledger${LEDGER_FORMAT}-owners${OWNERS}-rows${size}`);
  if (existsSync(dir)) return { dir, buildSeconds: null };
  mkdirSync(root, { recursive: true });
  // Built aside and renamed when complete: an interrupted build is never taken for a cache.
  const partial = mkdtempSync(join(root, 'building-'));
  const t0 = performance.now();
  try {
    await writePrefill(partial, size);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  try {
    renameSync(partial, dir);
  } catch (e) {
    // Another run built the same state meanwhile: its copy is as good as this one.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
  return { dir, buildSeconds };
}

/** One histogram of a node's /metrics text. */
function histogram(text: string, name: string) {
  const value = (suffix: string) => Number(new RegExp(`^${name}${suffix} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} ([0-9]+)$`, 'gm'))].map((m) => ({
    le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]),
    count: Number(m[2]),
  }));
  return { sum: value('_sum'), count: value('_count'), buckets };
}

/**
 * CPU seconds the process has used (user + system, all its threads: LevelDB's compaction
 * included). On a shared box it varies less than wall time, so it tells a slower node from a
 * busier machine.
 */
function cpuSeconds(pid: number): number {
  // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function commitHistogram(node: NodeProcess) {
  // One retry: a kept-alive connection the node closes as the request goes out fails once.
  const get = async () => (await fetch(`${node.rpcUrl}/metrics`)).text();
  return histogram(await get().catch(get), 'lingding_block_commit_seconds');
}

interface Round {
  tps: number;
  p50: number;
  p99: number;
  failed: number;
  blocks: number;
  commitMsPerBlock: number;
  /** Upper bound of the histogram bucket that holds the round's p99 block commit. */
  commitMsP99: number;
  commitUsPerTx: number;
  cpuUsPerTx: number;
  levelDbMb: number;
  rssMb: number;
}

async function runRound(size: number, prefill: string, round: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-bench-state-round-'));
  try {
    const chain = await createSoloChain(dir, {
      accounts: 1,
      node: { log: { level: 'warn' } },
      systemConfig: { tx_count_limit: '5000' },
    });
    // The node keeps its LevelDB in <dataDir>/ledger (node/main/node.ts); the config's dataDir is 'data'.
    const dataDir = join(chain.nodes[0].dir, 'data', 'ledger');
    cpSync(prefill, dataDir, { recursive: true, mode: constants.COPYFILE_FICLONE });
    const node = await spawnNode(chain.nodes[0], {
      timeoutMs: 120_000,
      nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
    });
    try {
      // The node reads the pre-filled rows where the prefill put them.
      const probe = await node.client.call('call', [
        {
          to: toHex(SystemAddress.KVStore),
          data: kv.encodeFunctionData('getOf', [toHex(owners[0].address), prefillKey(0)]),
        },
      ]);
      const [found] = kv.decodeFunctionResult('getOf', probe.output);
      if (!found) throw new Error(`the node does not see the pre-filled rows in ${dataDir}`);

      const height = await node.client.call('getBlockNumber');
      const pick = seeded(SEED + round);
      // Sign everything before the clock starts: the client's cost is not the node's.
      const raws: string[] = [];
      for (let i = 0; i < TXS; i++) {
        const o = i % OWNERS;
        const key = pick() < UPDATE_SHARE ? prefillKey(Math.floor(pick() * rowsOf(size, o))) : `new-${i}`;
        const { raw } = buildSignedTx(
          suite,
          {
            chainId: chain.chainId,
            height,
            to: SystemAddress.KVStore,
            input: Buffer.from(kv.encodeFunctionData('set', [key, `value-${i}`]).slice(2), 'hex'),
            gasLimit: 200_000,
          },
          owners[o].secretKey,
        );
        raws.push(toHex(raw));
      }
      const before = await commitHistogram(node);
      const cpuBefore = cpuSeconds(node.child.pid!);
      const startHeight = await node.client.call('getBlockNumber');
      const latencies: number[] = [];
      let failed = 0;
      let next = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (next < raws.length) {
          const slice = raws.slice(next, next + BATCH);
          next += slice.length;
          const sent = performance.now();
          const res = await node.client.batch(slice.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
          const done = performance.now();
          for (const r of res) {
            if (r.error) throw new Error(`transaction failed: ${r.error.message}`);
            if ((r.result as { status: number }).status !== 0) failed++;
            latencies.push(done - sent);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const elapsed = (performance.now() - t0) / 1000;
      const endHeight = await node.client.call('getBlockNumber');
      const after = await commitHistogram(node);
      const cpu = cpuSeconds(node.child.pid!) - cpuBefore;
      const status = readFileSync(`/proc/${node.child.pid}/status`, 'utf8');
      const rssMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      // Stopped first, so the size on disk is that of the closed database.
      await node.kill('SIGTERM');
      const commits = after.count - before.count;
      const commitSeconds = after.sum - before.sum;
      const inRound = after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) }));
      return {
        tps: TXS / elapsed,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        failed,
        blocks: endHeight - startHeight,
        commitMsPerBlock: (commitSeconds / Math.max(1, commits)) * 1000,
        commitMsP99: (inRound.find((b) => b.count >= 0.99 * commits)?.le ?? Number.NaN) * 1000,
        commitUsPerTx: (commitSeconds / TXS) * 1e6,
        cpuUsPerTx: (cpu / TXS) * 1e6,
        levelDbMb: dirBytes(dataDir) / 2 ** 20,
        rssMb,
      };
    } finally {
      await node.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SizeResult {
  keys: number;
  prefillDir: string;
  prefillSeconds: number | null;
  prefillMb: number;
  rounds: Round[];
}

const results: SizeResult[] = [];
for (const size of SIZES) {
  const { dir, buildSeconds } = await cachedPrefill(size);
  const prefillMb = dirBytes(dir) / 2 ** 20;
  process.stderr.write(
    buildSeconds === null
      ? `state of ${size} rows: reusing ${dir} (${prefillMb.toFixed(0)} MB)\n`
      : `state of ${size} rows: built ${dir} in ${buildSeconds.toFixed(1)} s (${prefillMb.toFixed(0)} MB)\n`,
  );
  results.push({ keys: size, prefillDir: dir, prefillSeconds: buildSeconds, prefillMb, rounds: [] });
}
// Sizes take turns within each round, so a drift of the shared machine's load over the run
// falls on every size rather than on the ones measured last.
for (let r = 0; r < ROUNDS; r++) for (const s of results) s.rounds.push(await runRound(s.keys, s.prefillDir, r));

const med = (rounds: Round[], f: (r: Round) => number) => median(rounds.map(f));
for (const s of results) {
  printTable(
    `State of ${s.keys.toLocaleString('en-US')} rows (${s.prefillDir}, ${s.prefillMb.toFixed(0)} MB${s.prefillSeconds === null ? ', reused' : `, built in ${s.prefillSeconds.toFixed(1)} s`}): ${TXS} KVStore.set txs per round, ${Math.round(UPDATE_SHARE * 100)} % over pre-filled rows, batches of ${BATCH}, ${CONCURRENCY} in flight`,
    [
      'round',
      'committed tx/s',
      'p50 ms',
      'p99 ms',
      'failed',
      'blocks',
      'commit ms/block',
      'commit p99 ≤ ms',
      'commit µs/tx',
      'node CPU µs/tx',
      'LevelDB MB',
      'peak RSS MB',
    ],
    s.rounds.map((r, i) => [
      String(i + 1),
      r.tps.toFixed(0),
      r.p50.toFixed(0),
      r.p99.toFixed(0),
      String(r.failed),
      String(r.blocks),
      r.commitMsPerBlock.toFixed(1),
      String(r.commitMsP99),
      r.commitUsPerTx.toFixed(0),
      r.cpuUsPerTx.toFixed(0),
      r.levelDbMb.toFixed(0),
      r.rssMb.toFixed(0),
    ]),
  );
}

const tpsOf = (s: SizeResult) => med(s.rounds, (r) => r.tps);
const smallest = results[0];
const largest = results[results.length - 1];
const bySize = (keys: number) => results.find((s) => s.keys === keys);
const tenK = bySize(10_000);
const tenM = bySize(10_000_000);
printTable(
  `Summary (medians of ${ROUNDS} rounds; peak RSS the highest)`,
  [
    'state rows',
    'committed tx/s',
    'p50 ms',
    'p99 ms',
    'commit ms/block',
    'commit µs/tx',
    'node CPU µs/tx',
    'LevelDB MB',
    'peak RSS MB',
    `tx/s ÷ tx/s at ${smallest.keys.toLocaleString('en-US')}`,
  ],
  results.map((s) => [
    s.keys.toLocaleString('en-US'),
    tpsOf(s).toFixed(0),
    med(s.rounds, (r) => r.p50).toFixed(0),
    med(s.rounds, (r) => r.p99).toFixed(0),
    med(s.rounds, (r) => r.commitMsPerBlock).toFixed(1),
    med(s.rounds, (r) => r.commitUsPerTx).toFixed(0),
    med(s.rounds, (r) => r.cpuUsPerTx).toFixed(0),
    med(s.rounds, (r) => r.levelDbMb).toFixed(0),
    Math.max(...s.rounds.map((r) => r.rssMb)).toFixed(0),
    (tpsOf(s) / tpsOf(smallest)).toFixed(2),
  ]),
);
if (tenK && tenM)
  process.stdout.write(
    `\ntx/s at 10 M rows ÷ tx/s at 10 k rows: ${(tpsOf(tenM) / tpsOf(tenK)).toFixed(2)} (goal ≥ 0.80)\n`,
  );

if (JSON_OUT) {
  process.stdout.write(
    `${JSON.stringify({
      committedTxPerSec: Math.round(tpsOf(largest)),
      p50Ms: Math.round(med(largest.rounds, (r) => r.p50)),
      p99Ms: Math.round(med(largest.rounds, (r) => r.p99)),
      peakRssMb: Math.round(Math.max(...largest.rounds.map((r) => r.rssMb))),
      ratio10MTo10k: tenK && tenM ? Number((tpsOf(tenM) / tpsOf(tenK)).toFixed(3)) : null,
      sizes: results.map((s) => ({
        keys: s.keys,
        committedTxPerSec: Math.round(tpsOf(s)),
        p50Ms: Math.round(med(s.rounds, (r) => r.p50)),
        p99Ms: Math.round(med(s.rounds, (r) => r.p99)),
        failedTxs: Math.max(...s.rounds.map((r) => r.failed)),
        blockCommitMs: Number(med(s.rounds, (r) => r.commitMsPerBlock).toFixed(2)),
        blockCommitUsPerTx: Math.round(med(s.rounds, (r) => r.commitUsPerTx)),
        nodeCpuUsPerTx: Math.round(med(s.rounds, (r) => r.cpuUsPerTx)),
        levelDbMb: Math.round(med(s.rounds, (r) => r.levelDbMb)),
        peakRssMb: Math.round(Math.max(...s.rounds.map((r) => r.rssMb))),
        prefillSeconds: s.prefillSeconds === null ? null : Number(s.prefillSeconds.toFixed(1)),
      })),
    })}\n`,
  );
}
