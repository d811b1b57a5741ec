/**
 * Supervision under load: does a regulator's node keep up with the chain?
 *
 *   npx tsx bench/supervision.ts [--txs 3000] [--batch 100] [--concurrency 4] [--rounds 3] [--json]
 *
 * Per round, on a fresh 4 validators + 1 regulator observer cluster (one process each, over
 * loopback) whose regulator supervises CN-GD: a pilot with the AssemblyScript token as its
 * contract, 20 institutions, and `--txs` token transfers between them, every one carrying a
 * private record sealed for the regulator (a type-3 transaction), sent as bench/cluster.ts
 * sends (batches of sendTransaction with waitForReceipt over the validators). Every 100 ms
 * the bench reads the validators' heights and the regulator node's indexed height
 * (lingding_supervision_indexed_height) and prints:
 *  - the regulator's lag: blocks between the highest validator head and the newest block the
 *    regulator has decrypted, indexed and run its rules over (goal: never more than 2);
 *  - the regulator's time per block (lingding_supervision_block_seconds) and of its rules
 *    (lingding_supervision_rules_seconds): means, and p99 as the histogram bucket that holds it;
 *  - the baseline in the same run: the block interval the regulator has to keep up with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { asExample } from '../contracts/testing/examples.js';
import { sealRecord } from '../node/codec/envelope.js';
import { toHex } from '../node/codec/hex.js';
import { buildSignedTx } from '../node/codec/tx-builder.js';
import { createEcdsaSuite } from '../node/crypto/index.js';
import type { KeyPair } from '../node/crypto/suite.js';
import { SystemAddress } from '../node/exec/addresses.js';
import { encodeProposal } from '../node/exec/system/index.js';
import { HardLimit } from '../node/exec/system/pilot-state.js';
import { encodeDeployInput } from '../node/exec/wasm-vm.js';
import { createCluster, type RunningCluster, startCluster, stopCluster } from '../tools/devnet/cluster.js';
import { hasArg, numberArg } from './lib/args.js';
import { median, percentile, printTable } from './lib/table.js';

const TXS = numberArg('txs', 3000);
const BATCH = numberArg('batch', 100);
const CONCURRENCY = numberArg('concurrency', 4);
const ROUNDS = numberArg('rounds', 3);
const JSON_OUT = hasArg('json');
const INSTITUTIONS = 20;

const VALIDATORS = ['validator0', 'validator1', 'validator2', 'validator3'];
const REGULATOR = 'regulator0';
const suite = createEcdsaSuite();
const committee = new Interface(['function propose(uint8 kind, bytes payload) returns (uint64)']);

interface Round {
  tps: number;
  blocks: number;
  blockIntervalMs: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  blockMsMean: number;
  blockMsP99: number;
  rulesMsMean: number;
  rulesMsP99: number;
  catchUpMs: number;
}

/** One histogram or gauge of a node's /metrics text. */
function scrape(text: string, name: string) {
  const value = (suffix: string) => Number(new RegExp(`^${name}${suffix} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} ([0-9]+)$`, 'gm'))].map((m) => ({
    le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]),
    count: Number(m[2]),
  }));
  return {
    gauge: value(''),
    sum: value('_sum'),
    count: value('_count'),
    /** The upper bound of the bucket holding the p-th percentile (a histogram knows no finer). */
    percentile(p: number) {
      const total = value('_count');
      return buckets.find((b) => b.count >= (p / 100) * total)?.le ?? Number.NaN;
    },
  };
}

async function metrics(rc: RunningCluster, name: string): Promise<string> {
  // One retry: a kept-alive connection the node closes as the request goes out fails once.
  const get = async () => (await fetch(`${rc.client(name).url}/metrics`)).text();
  return get().catch(get);
}

async function send(rc: RunningCluster, from: KeyPair, to: Uint8Array | string | null, input: string | Uint8Array) {
  const client = rc.client('validator0');
  const height = await client.call('getBlockNumber');
  const { raw } = buildSignedTx(
    suite,
    {
      chainId: rc.cluster.chainId,
      height,
      to: typeof to === 'string' ? Buffer.from(to.slice(2), 'hex') : to,
      input: typeof input === 'string' ? Buffer.from(input.slice(2), 'hex') : input,
      gasLimit: 50_000_000,
    },
    from.secretKey,
  );
  const r = await client.call('sendTransaction', [toHex(raw), true]);
  if (r?.status !== 0) throw new Error(`setup transaction failed: ${JSON.stringify(r)}`);
  return r;
}

async function runRound(): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-bench-supervision-'));
  let rc: RunningCluster | null = null;
  try {
    const cluster = await createCluster(dir, {
      validators: 4,
      observers: 1,
      accounts: 1,
      chainId: 'bench-supervision',
      supervision: { jurisdictions: ['CN-GD'] },
      node: { log: { level: 'warn' } },
    });
    rc = await startCluster(cluster);
    const member = cluster.accounts[0];
    const regulatorKey = cluster.regulators[0].supervisionKey.publicKey;
    const institutions = Array.from({ length: INSTITUTIONS }, () => suite.generateKeyPair());

    // The pilot: the token (minted to the member), the member and the institutions, soft caps.
    const token = await asExample('token');
    const iface = new Interface(token.abi as never);
    const deployed = await send(
      rc,
      member,
      null,
      encodeDeployInput(
        token.wasm,
        Buffer.from(iface.encodeDeploy(['Bench', 'BCH', 0, 10n ** 12n]).slice(2), 'hex'),
        JSON.stringify(token.abi),
      ),
    );
    const address = deployed.contractAddress!;
    const { kind, payload } = encodeProposal({
      kind: 'registerPilot',
      spec: {
        name: 'bench pilot',
        institutions: [member.address, ...institutions.map((i) => i.address)],
        contracts: [Buffer.from(address.slice(2), 'hex')],
        jurisdictions: ['CN-GD'],
        startMs: 0,
        endMs: Date.UTC(2100, 0, 1),
        limits: { perTxCap: 1_000n, dailyCap: 0n, hard: HardLimit.Participants },
      },
    });
    await send(rc, member, SystemAddress.Committee, committee.encodeFunctionData('propose', [kind, payload]));
    const pilotId = (await rc.client('validator0').call('getPilots', [{}])).pilots[0]!.id;
    for (const i of institutions)
      await send(rc, member, address, iface.encodeFunctionData('transfer', [toHex(i.address), 1_000_000n]));

    // Sign everything before the clock starts: the client's cost is not the cluster's.
    const at = await rc.client('validator0').call('getBlockNumber');
    const raws = Array.from({ length: TXS }, (_, n) => {
      const from = institutions[n % INSTITUTIONS];
      const to = institutions[(n + 1) % INSTITUTIONS];
      const sealed = sealRecord({
        pilotId,
        record: new TextEncoder().encode(`invoice ${n}: ${'x'.repeat(160)}`),
        recipients: [regulatorKey],
      });
      return toHex(
        buildSignedTx(
          suite,
          {
            chainId: cluster.chainId,
            height: at,
            to: Buffer.from(address.slice(2), 'hex'),
            input: Buffer.from(
              iface.encodeFunctionData('transfer', [toHex(to.address), 1n + BigInt(n % 7)]).slice(2),
              'hex',
            ),
            gasLimit: 2_000_000,
            envelope: sealed.envelope,
          },
          from.secretKey,
        ).raw,
      );
    });

    const before = scrape(await metrics(rc, REGULATOR), 'lingding_supervision_block_seconds');
    const rulesBefore = scrape(await metrics(rc, REGULATOR), 'lingding_supervision_rules_seconds');
    const startHeight = await rc.client('validator0').call('getBlockNumber');
    const lags: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [heights, text] = await Promise.all([
          Promise.all(VALIDATORS.map((v) => rc!.client(v).call('getBlockNumber'))),
          metrics(rc!, REGULATOR),
        ]);
        const indexed = scrape(text, 'lingding_supervision_indexed_height').gauge;
        lags.push(Math.max(0, Math.max(...heights) - indexed));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    let next = 0;
    let turn = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < raws.length) {
        const slice = raws.slice(next, next + BATCH);
        next += slice.length;
        const target = VALIDATORS[turn++ % VALIDATORS.length];
        const res = await rc!
          .client(target)
          .batch(slice.map((r) => ({ method: 'sendTransaction', params: [r, true] })));
        for (const r of res) if (r.error) throw new Error(`transaction failed at ${target}: ${r.error.message}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    const endHeight = await rc.client('validator0').call('getBlockNumber');
    // After the load: how long until the regulator has supervised every block.
    const c0 = performance.now();
    for (;;) {
      const indexed = scrape(await metrics(rc, REGULATOR), 'lingding_supervision_indexed_height').gauge;
      if (indexed >= endHeight) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const catchUpMs = performance.now() - c0;
    sampling = false;
    await sampler;

    const text = await metrics(rc, REGULATOR);
    const block = scrape(text, 'lingding_supervision_block_seconds');
    const rules = scrape(text, 'lingding_supervision_rules_seconds');
    const blocks = endHeight - startHeight;
    return {
      tps: TXS / elapsed,
      blocks,
      blockIntervalMs: (elapsed * 1000) / Math.max(1, blocks),
      lagP50: Math.round(percentile(lags, 50)),
      lagP99: Math.round(percentile(lags, 99)),
      lagMax: Math.max(...lags),
      blockMsMean: ((block.sum - before.sum) / Math.max(1, block.count - before.count)) * 1000,
      blockMsP99: block.percentile(99) * 1000,
      rulesMsMean: ((rules.sum - rulesBefore.sum) / Math.max(1, rules.count - rulesBefore.count)) * 1000,
      rulesMsP99: rules.percentile(99) * 1000,
      catchUpMs,
    };
  } finally {
    if (rc) await stopCluster(rc);
    if (process.env.KEEP) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await runRound());
const med = (f: (r: Round) => number) => median(rounds.map(f));

printTable(
  `Supervision under load: 4 validators + 1 regulator observer (CN-GD), ${TXS} pilot token transfers each with a private record, batches of ${BATCH}, ${CONCURRENCY} in flight`,
  [
    'round',
    'committed tx/s',
    'blocks',
    'block interval ms',
    'lag p50',
    'lag p99',
    'lag max',
    'supervise ms/block (mean)',
    '… p99 ≤',
    'rules ms/block (mean)',
    '… p99 ≤',
    'drain after load ms',
  ],
  rounds.map((r, i) => [
    String(i + 1),
    r.tps.toFixed(0),
    String(r.blocks),
    r.blockIntervalMs.toFixed(0),
    r.lagP50.toFixed(0),
    r.lagP99.toFixed(0),
    String(r.lagMax),
    r.blockMsMean.toFixed(2),
    r.blockMsP99.toFixed(1),
    r.rulesMsMean.toFixed(3),
    r.rulesMsP99.toFixed(2),
    r.catchUpMs.toFixed(0),
  ]),
);
printTable(
  `Summary (medians of ${ROUNDS} rounds)`,
  ['figure', 'value'],
  [
    ['committed tx/s (every tx a private record)', med((r) => r.tps).toFixed(0)],
    [
      'regulator lag, blocks: p50 / p99 / max (goal: max ≤ 2)',
      `${med((r) => r.lagP50)} / ${med((r) => r.lagP99)} / ${med((r) => r.lagMax)}`,
    ],
    ['regulator time per block, ms (mean)', med((r) => r.blockMsMean).toFixed(2)],
    ['rule evaluation per block, ms (mean)', med((r) => r.rulesMsMean).toFixed(3)],
    ['baseline: block interval, ms', med((r) => r.blockIntervalMs).toFixed(0)],
    ['regulator time ÷ block interval', (med((r) => r.blockMsMean) / med((r) => r.blockIntervalMs)).toFixed(3)],
  ],
);
if (JSON_OUT)
  console.log(
    JSON.stringify({
      committedTxPerSec: Math.round(med((r) => r.tps)),
      regulatorLagBlocksP50: med((r) => r.lagP50),
      regulatorLagBlocksP99: med((r) => r.lagP99),
      regulatorLagBlocksMax: med((r) => r.lagMax),
      superviseMsPerBlock: Number(med((r) => r.blockMsMean).toFixed(3)),
      rulesMsPerBlock: Number(med((r) => r.rulesMsMean).toFixed(4)),
      blockIntervalMs: Math.round(med((r) => r.blockIntervalMs)),
    }),
  );
