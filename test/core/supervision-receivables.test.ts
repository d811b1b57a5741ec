/**
 * A regulator node supervising the real receivables pilot (design decisions 9 and 11): the
 * AssemblyScript receivables contract registered as the pilot's contract, a receivable split
 * three times down a chain of holders and financed by a bank, followed by traceAsset through
 * every piece; a soft-cap alert pushed on the WebSocket `alerts` channel; getActivity over
 * real blocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { asExample } from '../../contracts/testing/examples.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { generateSupervisionKey, writeSupervisionKeyFile } from '../../node/crypto/envelope.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal, type ProposalAction } from '../../node/exec/system/index.js';
import { HardLimit } from '../../node/exec/system/pilot-state.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { committeeIface } from '../helpers/committee.js';
import { fromHex, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

const DAY = 86_400_000;
const ZERO = `0x${'00'.repeat(20)}`;

let t: TestNode;
let keyDir: string;
let core: KeyPair; // the core enterprise: the debtor, and the committee's one member
const [tier1, tier2, tier3, bank] = [0, 1, 2, 3].map(() => suite.generateKeyPair());
const regulator = suite.generateKeyPair();
const supervision = generateSupervisionKey();
let receivables: { iface: Interface; address: string };
let ws: WebSocket;
const pushed: Array<{ params?: { subscription: string; result: Record<string, unknown> }; id?: number }> = [];
const startedAt = Date.now();

async function send(account: KeyPair, to: Uint8Array | string | null, input: string | Uint8Array): Promise<Receipt> {
  const height = await t.client.call('getBlockNumber');
  const { raw } = buildSignedTx(
    suite,
    {
      chainId: t.chain.chainId,
      height,
      to: typeof to === 'string' ? fromHex(to) : to,
      input: typeof input === 'string' ? fromHex(input) : input,
      gasLimit: 50_000_000,
    },
    account.secretKey,
  );
  const r = (await t.client.call('sendTransaction', [toHex(raw), true])) as Receipt;
  expect(r.status, r.message).toBe(0);
  return r;
}

const call = (by: KeyPair, fn: string, args: unknown[]) =>
  send(by, receivables.address, receivables.iface.encodeFunctionData(fn, args));

async function govern(action: ProposalAction): Promise<Receipt> {
  const { kind, payload } = encodeProposal(action);
  return send(core, SystemAddress.Committee, committeeIface.encodeFunctionData('propose', [kind, payload]));
}

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'supervision-receivables-'));
  const keyFile = join(keyDir, 'supervision.key.json');
  writeSupervisionKeyFile(keyFile, supervision);
  const rulesFile = join(keyDir, 'rules.yaml');
  writeFileSync(rulesFile, 'rules:\n  - {id: per-tx, kind: amount-above-cap, cap: pilot, severity: warning}\n');
  t = await startTestNode({
    accounts: 1,
    regulators: [
      {
        name: 'Guangdong regulator',
        jurisdiction: 'CN-GD',
        account: toHex(regulator.address),
        supervisionKey: toHex(supervision.publicKey),
      },
    ],
    node: { supervision: { keyFiles: [keyFile], rulesFile } },
  });
  core = t.chain.accounts[0];
  const build = await asExample('receivables');
  const iface = new Interface(build.abi as never);
  const deployed = await send(
    core,
    null,
    encodeDeployInput(build.wasm, fromHex(iface.encodeDeploy([])), JSON.stringify(build.abi)),
  );
  receivables = { iface, address: deployed.contractAddress! };
  await govern({
    kind: 'registerPilot',
    spec: {
      name: 'GBA receivables',
      institutions: [core, tier1, tier2, tier3, bank].map((k) => k.address),
      contracts: [fromHex(receivables.address)],
      jurisdictions: ['CN-GD'],
      startMs: 0,
      endMs: Date.UTC(2100, 0, 1),
      // Soft: the chain lets an issue above it through and the regulator's rule raises an alert.
      limits: { perTxCap: 500n, dailyCap: 0n, hard: HardLimit.Participants },
    },
  });
  ws = new WebSocket(t.client.url.replace(/^http/, 'ws'));
  ws.on('message', (data: Buffer) => pushed.push(JSON.parse(data.toString('utf8'))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
}, 120_000);

afterAll(async () => {
  ws?.close();
  await t?.cleanup();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('a regulator node supervising the receivables pilot', () => {
  it('pushes the soft-cap alert of an issue to a subscriber of the alerts channel', async () => {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['alerts'] }));
    await expect.poll(() => pushed.find((m) => m.id === 1), { timeout: 30_000 }).toBeDefined();
    const subscription = (pushed.find((m) => m.id === 1) as { result?: string }).result;
    expect(subscription).toEqual(expect.any(String));

    const due = BigInt(Date.now() + 90 * DAY);
    const issued = await call(core, 'issue', [1n, toHex(tier1.address), 1000n, due]);
    await expect
      .poll(() => pushed.filter((m) => m.params?.subscription === subscription), { timeout: 30_000 })
      .toHaveLength(1);
    const alert = pushed.find((m) => m.params?.subscription === subscription)!.params!.result;
    expect(alert).toMatchObject({
      rule: 'per-tx',
      kind: 'amount-above-cap',
      pilot: 1,
      blockNumber: issued.blockNumber,
      txHash: issued.transactionHash,
    });
    // The stored alert is the one pushed.
    const { alerts } = await t.client.call('getAlerts', [{}]);
    expect(alerts).toEqual([alert]);
  });

  it('traces receivable #1 through three splits, two hops and a financing to every live piece', async () => {
    const story = [
      await call(tier1, 'split', [1n, 2n, 600n, 3n, 400n]),
      await call(tier1, 'transfer', [3n, toHex(tier2.address)]),
      await call(tier2, 'split', [3n, 4n, 250n, 5n, 150n]),
      await call(tier2, 'transfer', [5n, toHex(tier3.address)]),
      await call(tier3, 'split', [5n, 6n, 100n, 7n, 50n]),
      await call(tier3, 'offerForFinancing', [6n, toHex(bank.address), 97n]),
      await call(bank, 'finance', [6n]),
    ];
    const [t1, t2, t3, b] = [tier1, tier2, tier3, bank].map((k) => toHex(k.address));
    const traced = () => t.client.call('traceAsset', [receivables.address, '1']);
    // The regulator indexes a block after it commits: wait for the financing's to be in.
    await expect.poll(async () => (await traced()).hops.length, { timeout: 30_000 }).toBe(10);
    const trace = await traced();
    expect(trace.truncated).toBe(false);
    expect(trace.hops.map((h) => [h.kind, h.parent, h.tokenId, h.from, h.to, h.value])).toEqual([
      ['move', null, '1', ZERO, t1, '1000'],
      ['split', '1', '2', t1, t1, '600'],
      ['split', '1', '3', t1, t1, '400'],
      ['move', null, '3', t1, t2, '400'],
      ['split', '3', '4', t2, t2, '250'],
      ['split', '3', '5', t2, t2, '150'],
      ['move', null, '5', t2, t3, '150'],
      ['split', '5', '6', t3, t3, '100'],
      ['split', '5', '7', t3, t3, '50'],
      ['move', null, '6', t3, b, '100'],
    ]);
    // Each hop names the transaction that made it, in block order.
    const byTx = [0, 0, 0, 1, 2, 2, 3, 4, 4, 6].map((i) => story[i].transactionHash);
    expect(trace.hops.slice(1).map((h) => h.txHash)).toEqual(byTx.slice(1));
    expect(trace.holders).toEqual([
      { account: t1, balance: '600', tokenId: '2' },
      { account: t2, balance: '250', tokenId: '4' },
      { account: b, balance: '100', tokenId: '6' },
      { account: t3, balance: '50', tokenId: '7' },
    ]);
  });

  it('answers getActivity with the pilot transactions an institution sent or took part in', async () => {
    const { records } = await t.client.call('getActivity', [
      1,
      toHex(tier2.address),
      startedAt - DAY,
      Date.now() + DAY,
    ]);
    // Received #3 from tier 1, split it, passed #5 on.
    expect(records.map((r) => r.sender)).toEqual([tier1, tier2, tier2].map((k) => toHex(k.address)));
    expect(records.every((r) => r.pilots.includes(1) && r.success)).toBe(true);
    expect(records[0].transfers).toEqual([
      expect.objectContaining({ from: toHex(tier1.address), to: toHex(tier2.address), value: '400' }),
    ]);
    const none = await t.client.call('getActivity', [1, toHex(tier2.address), startedAt - 2 * DAY, startedAt - DAY]);
    expect(none.records).toEqual([]);
  });
});
