/**
 * The regulator node's Supervisor over a real in-process chain (decisions 9-10): a pilot
 * registered by the committee, a token contract whose calls emit ERC-20 Transfer events,
 * private records in type-3 transactions, and the supervisor following committed blocks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain, type ReadyTx } from '../../node/chain/chain.js';
import { ReceiptStatus } from '../../node/codec/block.js';
import { sealRecord } from '../../node/codec/envelope.js';
import { concatBytes, toHex } from '../../node/codec/hex.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import type { Envelope } from '../../node/codec/envelope.js';
import { parseGenesis } from '../../node/config/genesis.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal, HardLimit, type ProposalAction } from '../../node/exec/system/index.js';
import type { Alert } from '../../node/supervision/evaluate.js';
import { pilotSourceOf } from '../../node/supervision/pilot-source.js';
import { parseRules } from '../../node/supervision/rules.js';
import { SupervisionStore } from '../../node/supervision/store.js';
import { Supervisor } from '../../node/supervision/supervisor.js';
import { committeeIface } from '../helpers/committee.js';
import { suite } from '../helpers/in-process.js';
import { transferTokenVm } from '../helpers/vm/transfer-token.js';

const DAY = 86_400_000;
const ZERO = new Uint8Array(20);
const key = (n: number) => suite.keyPairFromSecret(new Uint8Array(32).fill(n));
const [member, alice, bob, carol] = [key(1), key(2), key(3), key(4)];
const gd = key(5);
const hk = key(6);
const gdSupervision = generateSupervisionKey();
const chainId = 'supervision';

const genesis = parseGenesis({
  chainId,
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(member.publicKey)],
  committee: { members: [{ address: toHex(member.address) }] },
  regulators: [
    { name: 'GD', jurisdiction: 'CN-GD', account: toHex(gd.address) },
    { name: 'HK', jurisdiction: 'HK', account: toHex(hk.address) },
  ],
});

let dir: string;
let chain: Chain;
let supervisor: Supervisor;
let tokenAddress: Uint8Array;
let clock = 0;
let peerHead = 0;
const alerts: Alert[] = [];

function ready(
  from: { address: Uint8Array; secretKey: Uint8Array },
  to: Uint8Array | null,
  input: Uint8Array,
  envelope?: Envelope,
): ReadyTx {
  const { tx, raw, hash } = buildSignedTx(
    suite,
    { chainId, height: chain.head.number, to, input, gasLimit: 3_000_000, envelope },
    from.secretKey,
  );
  return { tx, hash, sender: from.address, size: raw.length };
}

function proposal(action: ProposalAction): ReadyTx {
  const { kind, payload } = encodeProposal(action);
  return ready(
    member,
    SystemAddress.Committee,
    Buffer.from(committeeIface.encodeFunctionData('propose', [kind, payload]).slice(2), 'hex'),
  );
}

function transfer(
  by: { address: Uint8Array; secretKey: Uint8Array },
  from: Uint8Array,
  to: Uint8Array,
  value: bigint,
  envelope?: Envelope,
): ReadyTx {
  return ready(
    by,
    tokenAddress,
    concatBytes(from, to, Buffer.from(value.toString(16).padStart(64, '0'), 'hex')),
    envelope,
  );
}

/** Commits one block of these transactions; every one must succeed. Resolves once the supervisor indexed it. */
async function commit(txs: ReadyTx[]) {
  const executed = chain.buildBlock(txs, { timestamp: 5 * DAY + chain.head.number, proposer: 0, view: 0 });
  expect(executed.block.transactions).toHaveLength(txs.length);
  for (const r of executed.receipts) expect(r.status, r.message).toBe(ReceiptStatus.Success);
  await chain.commit(executed, null);
  expect(await supervisor.indexedHeight()).toBe(executed.block.header.number);
  return executed;
}

function seal(record: string, recipients: Uint8Array[]) {
  return sealRecord({ pilotId: 1, record: new TextEncoder().encode(record), recipients }).envelope;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'supervision-'));
  chain = await Chain.open({ dataDir: dir, genesis, suite, vm: transferTokenVm, syncWrites: false });
  const keys = [gdSupervision];
  supervisor = new Supervisor(
    {
      rules: parseRules(
        `rules:
  - { id: soft-cap, kind: amount-above-cap, cap: pilot, severity: warning }
  - { id: unreadable, kind: undecryptable-record, severity: critical }
  - { id: outsiders, kind: participant-not-allowed, severity: critical }
`,
        'test rules',
      ),
      keys,
      maxLagBlocks: 5,
      stallMs: 3000,
      maxTraceTransfers: 1000,
    },
    {
      chain,
      suite,
      pilots: pilotSourceOf(() => chain.committedState, keys),
      store: new SupervisionStore(chain.derivedSublevel('supervision')),
      peerHead: () => Math.max(peerHead, chain.head.number),
      logger: pino({ level: 'silent' }),
      onAlert: (a) => alerts.push(a),
      now: () => clock,
    },
  );
  await supervisor.start();
  const deploy = ready(alice, null, new Uint8Array([0]));
  const b1 = await commit([
    deploy,
    proposal({ kind: 'setSupervisionKey', regulator: gd.address, publicKey: gdSupervision.publicKey }),
  ]);
  tokenAddress = b1.receipts[0].contractAddress!;
  await commit([
    proposal({
      kind: 'registerPilot',
      spec: {
        name: 'receivables',
        institutions: [alice.address, bob.address, carol.address],
        contracts: [tokenAddress],
        jurisdictions: ['CN-GD'],
        startMs: 0,
        endMs: 100 * DAY,
        // The per-tx cap is soft: the chain lets a larger transfer through and the regulator alerts.
        limits: { perTxCap: 500n, dailyCap: 0n, hard: HardLimit.Participants },
      },
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await supervisor?.stop();
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the regulator node’s supervision on a real chain', () => {
  it('opens and indexes the private records of its pilot', async () => {
    const b = await commit([
      transfer(alice, ZERO, alice.address, 1000n, seal('invoice 42: 1000 to alice', [gdSupervision.publicKey])),
    ]);
    const rec = await supervisor.record(toHex(b.txHashes[0]));
    expect(rec).toMatchObject({ pilots: [1], sender: toHex(alice.address), success: true });
    expect(Buffer.from(rec!.record!.data!.slice(2), 'hex').toString()).toBe('invoice 42: 1000 to alice');
    const byInstitution = await supervisor.records(
      { by: 'institution', pilot: 1, institution: toHex(alice.address) },
      { limit: 10 },
    );
    expect(byInstitution.items.map((r) => r.hash)).toContain(toHex(b.txHashes[0]));
  });

  it('alerts within the block on a transfer above the soft cap, and traces the asset over three splits', async () => {
    const before = alerts.length;
    const b = await commit([
      transfer(alice, alice.address, bob.address, 400n),
      transfer(alice, alice.address, carol.address, 600n),
    ]);
    const capAlerts = alerts.slice(before);
    expect(capAlerts).toEqual([
      expect.objectContaining({
        rule: 'soft-cap',
        blockNumber: b.block.header.number,
        txHash: toHex(b.txHashes[1]),
        pilot: 1,
      }),
    ]);
    await commit([transfer(bob, bob.address, carol.address, 150n)]);
    const trace = await supervisor.traceAsset(toHex(tokenAddress), { account: toHex(alice.address) });
    expect(trace.hops.map((h) => [h.from, h.to, h.value])).toEqual([
      [toHex(alice.address), toHex(bob.address), '400'],
      [toHex(alice.address), toHex(carol.address), '600'],
      [toHex(bob.address), toHex(carol.address), '150'],
    ]);
    expect(trace.holders).toEqual([
      { account: toHex(bob.address), balance: '250' },
      { account: toHex(carol.address), balance: '750' },
    ]);
    expect(trace.truncated).toBe(false);
  });

  it('raises an alert naming sender and transaction for a record its key cannot open', async () => {
    // Wrapped for another key but labelled with the regulator's key id: the chain cannot tell.
    const sealed = seal('hidden', [generateSupervisionKey().publicKey]);
    const forged: Envelope = { ...sealed, recipients: [{ ...sealed.recipients[0], keyId: gdSupervision.keyId }] };
    const before = alerts.length;
    const b = await commit([transfer(bob, bob.address, alice.address, 10n, forged)]);
    const hash = toHex(b.txHashes[0]);
    expect(alerts.slice(before)).toEqual([
      expect.objectContaining({
        rule: 'unreadable',
        kind: 'undecryptable-record',
        txHash: hash,
        sender: toHex(bob.address),
        severity: 'critical',
      }),
    ]);
    expect(alerts.at(-1)!.message).toContain(`from ${toHex(bob.address)}`);
    expect((await supervisor.record(hash))?.record).toMatchObject({ data: null, problem: expect.any(String) });
  });

  it('rebuilds the same index and alerts on a reindex', async () => {
    const head = chain.head.number;
    const alertsBefore = await supervisor.alerts({ fromBlock: 0, toBlock: head, limit: 100 });
    const recordsBefore = await supervisor.records({ by: 'pilot', pilot: 1 }, { limit: 100 });
    expect(await supervisor.reindex()).toEqual({ fromBlock: 1, toBlock: head });
    expect(await supervisor.alerts({ fromBlock: 0, toBlock: head, limit: 100 })).toEqual(alertsBefore);
    expect(await supervisor.records({ by: 'pilot', pilot: 1 }, { limit: 100 })).toEqual(recordsBefore);
  });

  it('a burst of reindex requests shares one rebuild, and a later one starts anew', async () => {
    const burst = [supervisor.reindex(), supervisor.reindex(), supervisor.reindex()];
    expect(burst[1]).toBe(burst[0]);
    expect(burst[2]).toBe(burst[0]);
    await Promise.all(burst);
    const later = supervisor.reindex();
    expect(later).not.toBe(burst[0]);
    await later;
  });

  it('raises SUPERVISION_STARVED once per spell when the chain stalls or peers run ahead', async () => {
    const before = alerts.length;
    supervisor.checkStarvation();
    expect(alerts.length).toBe(before);
    clock += 3001; // no block for longer than the interval plus slack
    supervisor.checkStarvation();
    supervisor.checkStarvation();
    await supervisor.indexedHeight(); // the alert is stored in the supervisor's queue
    const starved = alerts.slice(before);
    expect(starved).toEqual([
      expect.objectContaining({
        rule: 'SUPERVISION_STARVED',
        kind: 'supervision-starved',
        blockNumber: chain.head.number,
      }),
    ]);
    expect(starved[0].message).toContain('no new block for 3001 ms');
    await commit([]);
    supervisor.checkStarvation(); // a block re-arms the watch
    peerHead = chain.head.number + 6;
    supervisor.checkStarvation();
    await supervisor.indexedHeight();
    expect(alerts.at(-1)!.message).toContain('6 blocks behind');
    const stored = await supervisor.alerts({ fromBlock: 0, toBlock: chain.head.number, limit: 100 });
    expect(stored.filter((a) => a.kind === 'supervision-starved')).toHaveLength(2);
  });
});
