/**
 * Single-node benchmark: one validator on the solo engine, in its own process, loaded over JSON-RPC
 * with pre-signed KVStore.set transactions in batches.
 *
 *   npx tsx bench/single-node.ts [--txs 20000] [--batch 500] [--concurrency 4] [--rounds 3]
 *
 * Prints sustained sealed tx/s, send→receipt latency percentiles, the node's peak RSS,
 * and the same machine's single-core signature-recovery rate (the ceiling every
 * transaction pays once) with the ratio between the two.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { toHex } from '../node/codec/hex.js';
import { createEcdsaSuite } from '../node/crypto/index.js';
import { SystemAddress } from '../node/exec/addresses.js';
import { buildSignedTx } from '../node/codec/tx-builder.js';
import { createSoloChain, spawnNode } from '../tools/devnet/local-chain.js';
import { numberArg } from './lib/args.js';
import { median, percentile, printTable } from './lib/table.js';

const TXS = numberArg('txs', 20_000);
const BATCH = numberArg('batch', 500);
const CONCURRENCY = numberArg('concurrency', 4);
const ROUNDS = numberArg('rounds', 3);

const suite = createEcdsaSuite();

/** Single-core recoveries per second through the node's own verifier (native when present). */
function verifyCeiling(): number {
  const kp = suite.generateKeyPair();
  const samples = Array.from({ length: 256 }, (_, i) => {
    const digest = suite.hash(new Uint8Array([i, i >> 8, 7]));
    return { digest, sig: suite.sign(digest, kp.secretKey) };
  });
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 400) {
      const s = samples[n % samples.length];
      suite.recoverSigner(s.digest, s.sig);
      n++;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

async function runRound(
  round: number,
): Promise<{ tps: number; p50: number; p99: number; rssMb: number; blocks: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-bench-'));
  try {
    const chain = await createSoloChain(dir, {
      accounts: 4,
      node: { log: { level: 'warn' } },
      systemConfig: { tx_count_limit: '5000' },
    });
    const node = await spawnNode(chain.nodes[0], {
      nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
    });
    try {
      const kv = new Interface(['function set(string key, string value) returns (int32)']);
      const height = await node.client.call('getBlockNumber');
      // Sign everything before the clock starts: the client's cost is not the node's.
      const raws: string[] = [];
      for (let i = 0; i < TXS; i++) {
        const input = kv.encodeFunctionData('set', [`r${round}-k${i}`, `value-${i}`]);
        const acct = chain.accounts[i % chain.accounts.length];
        const { raw } = buildSignedTx(
          suite,
          {
            chainId: chain.chainId,
            height,
            to: SystemAddress.KVStore,
            input: Buffer.from(input.slice(2), 'hex'),
            gasLimit: 200_000,
          },
          acct.secretKey,
        );
        raws.push(toHex(raw));
      }
      const startHeight = await node.client.call('getBlockNumber');
      const latencies: number[] = [];
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
            latencies.push(done - sent);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const elapsed = (performance.now() - t0) / 1000;
      const endHeight = await node.client.call('getBlockNumber');
      const status = readFileSync(`/proc/${node.child.pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      return {
        tps: TXS / elapsed,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        rssMb: hwm,
        blocks: endHeight - startHeight,
      };
    } finally {
      await node.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ceiling = verifyCeiling();
const rounds: Awaited<ReturnType<typeof runRound>>[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await runRound(r));
const tps = median(rounds.map((r) => r.tps));

printTable(
  `Single node (solo validator), ${TXS} KVStore.set txs per round, batches of ${BATCH}, ${CONCURRENCY} in flight, ${ROUNDS} rounds`,
  ['round', 'sealed tx/s', 'p50 ms', 'p99 ms', 'blocks', 'peak RSS MB'],
  rounds.map((r, i) => [
    String(i + 1),
    r.tps.toFixed(0),
    r.p50.toFixed(0),
    r.p99.toFixed(0),
    String(r.blocks),
    r.rssMb.toFixed(0),
  ]),
);
printTable(
  'Summary (medians)',
  ['figure', 'value'],
  [
    ['sealed tx/s', tps.toFixed(0)],
    ['p50 send→receipt ms', median(rounds.map((r) => r.p50)).toFixed(0)],
    ['p99 send→receipt ms', median(rounds.map((r) => r.p99)).toFixed(0)],
    ['node peak RSS MB', Math.max(...rounds.map((r) => r.rssMb)).toFixed(0)],
    [
      `signature recoveries/s, 1 core (${(suite as { usesNative?: boolean }).usesNative ? 'native' : 'portable'})`,
      ceiling.toFixed(0),
    ],
    ['sealed tx/s ÷ verify ceiling', (tps / ceiling).toFixed(2)],
  ],
);
