/**
 * Signature-recovery throughput on one core: how many transaction senders per second each
 * secp256k1 back end can recover. Recovery is the per-transaction hot path (txpool
 * admission and block execution both recover every sender).
 *
 *   npx tsx bench/verify.ts [--rounds 7] [--round-ms 300] [--pool 512]
 *
 * Each back end recovers signatures from a fixed pool of random keys and digests for
 * `--round-ms` per round, rounds taken in turn across back ends; the table gives the median and the 10th/90th percentile rate
 * over the rounds, and the ratio of medians against plain @noble/curves. Before timing,
 * every back end's answers are compared with the portable suite's ("agrees" column).
 * Figures only: nothing here passes or fails.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createEcdsaSuite } from '../node/crypto/ecdsa.js';
import { loadNativeSecp256k1 } from '../node/crypto/native-secp256k1.js';
import { formatRatio, median, percentile, printTable, type Cell } from './lib/table.js';

interface Sample {
  readonly digest: Uint8Array;
  /** r || s || v, v in {0,1} (the chain's format). */
  readonly sig: Uint8Array;
  /** noble's recovered format v || r || s, prepared outside the timed loop. */
  readonly nobleSig: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Recovers the signer; returns the public key in any encoding (only checked for presence). */
type Recover = (s: Sample) => Uint8Array | null;

interface Backend {
  readonly name: string;
  readonly recover: Recover;
  /** Uncompressed 64-byte key for the agreement check. */
  readonly recover64: (s: Sample) => Uint8Array | null;
}

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'round-ms': { type: 'string', default: '300' },
    pool: { type: 'string', default: '512' },
  },
});
const ROUNDS = Number(args.rounds);
const ROUND_MS = Number(args['round-ms']);
const POOL = Number(args.pool);

function makeSamples(n: number): Sample[] {
  const suite = createEcdsaSuite({ native: false });
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const kp = suite.generateKeyPair();
    const digest = keccak_256(new TextEncoder().encode(`transaction ${i}`));
    const sig = suite.sign(digest, kp.secretKey);
    const nobleSig = new Uint8Array(65);
    nobleSig[0] = sig[64];
    nobleSig.set(sig.subarray(0, 64), 1);
    out.push({ digest, sig, nobleSig, publicKey: kp.publicKey });
  }
  return out;
}

async function backends(): Promise<{ list: Backend[]; notes: string[] }> {
  const notes: string[] = [];
  const list: Backend[] = [];

  list.push({
    name: '@noble/curves recoverPublicKey (portable)',
    recover: (s) => secp256k1.recoverPublicKey(s.nobleSig, s.digest, { prehash: false }),
    recover64: (s) =>
      secp256k1.Point.fromBytes(secp256k1.recoverPublicKey(s.nobleSig, s.digest, { prehash: false }))
        .toBytes(false)
        .subarray(1),
  });

  const portable = createEcdsaSuite({ native: false });
  list.push({
    name: 'suite, portable (createEcdsaSuite({native:false}))',
    recover: (s) => portable.recoverSigner(s.digest, s.sig),
    recover64: (s) => portable.recoverSigner(s.digest, s.sig),
  });

  const addon = loadNativeSecp256k1();
  if (addon) {
    const suite = createEcdsaSuite();
    list.push({
      name: 'suite, native (createEcdsaSuite())',
      recover: (s) => suite.recoverSigner(s.digest, s.sig),
      recover64: (s) => suite.recoverSigner(s.digest, s.sig),
    });
    list.push({
      name: 'libsecp256k1 addon, raw call',
      recover: (s) => addon.recover(s.sig.subarray(0, 64), s.sig[64], s.digest),
      recover64: (s) => addon.recover(s.sig.subarray(0, 64), s.sig[64], s.digest),
    });
  } else {
    notes.push('native addon (secp256k1 package) did not load: native rows omitted');
  }

  try {
    // WASM build of libsecp256k1; only the benchmark uses it.
    const tiny = await import('tiny-secp256k1');
    list.push({
      name: 'tiny-secp256k1 (libsecp256k1 in WASM)',
      recover: (s) => tiny.recover(s.digest, s.sig.subarray(0, 64), s.sig[64] as 0 | 1, false),
      recover64: (s) => tiny.recover(s.digest, s.sig.subarray(0, 64), s.sig[64] as 0 | 1, false)?.subarray(1) ?? null,
    });
  } catch (e) {
    notes.push(`tiny-secp256k1 (WASM) unavailable: ${(e as Error).message.split('\n')[0]}`);
  }
  return { list, notes };
}

function agrees(b: Backend, samples: readonly Sample[]): string {
  let bad = 0;
  for (const s of samples) {
    const k = b.recover64(s);
    if (!k || Buffer.compare(Buffer.from(k), Buffer.from(s.publicKey)) !== 0) bad++;
  }
  return bad === 0 ? 'yes' : `NO (${bad} of ${samples.length})`;
}

/** One round: recover from the pool, cycling, for at least ROUND_MS; returns recoveries/s. */
function round(recover: Recover, samples: readonly Sample[]): number {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 64; i++) {
      const k = recover(samples[n % samples.length]);
      sink += k ? k[1] : 0;
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  if (sink === -1) console.log(sink); // keeps the results observable to the optimiser
  return n / (elapsed / 1000);
}

async function main(): Promise<void> {
  const samples = makeSamples(POOL);
  const { list, notes } = await backends();
  const results = list.map((b) => ({ b, rates: [] as number[], ok: agrees(b, samples) }));
  for (const { b } of results) round(b.recover, samples); // warm-up (JIT, WASM compile)
  // Rounds interleave the back ends, so a burst of load from elsewhere on the machine
  // lands on all of them rather than on whichever happened to be running.
  for (let r = 0; r < ROUNDS; r++) for (const res of results) res.rates.push(round(res.b.recover, samples));
  const base = median(results[0].rates);
  const rows: Cell[][] = results.map(({ b, rates, ok }) => [
    b.name,
    median(rates),
    percentile(rates, 10),
    percentile(rates, 90),
    1e6 / median(rates),
    formatRatio(median(rates) / base),
    ok,
  ]);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  printTable(
    `secp256k1 signature recovery, one core — Node ${process.version}, ${cpu}; ${ROUNDS} rounds x ${ROUND_MS} ms, pool of ${POOL} keys`,
    ['back end', 'median/s', 'p10/s', 'p90/s', 'us/op', 'vs noble', 'agrees'],
    rows,
  );
  for (const n of notes) console.log(`note: ${n}`);
}

await main();
