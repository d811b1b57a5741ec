/**
 * A regulator node supervising the real receivables pilot (design decisions 9 and 11): the
 * AssemblyScript receivables contract registered as the pilot's contract, a receivable split
 * three times down a chain of holders and financed by a bank, followed by traceAsset through
 * every piece; a soft-cap alert pushed on the WebSocket `alerts` channel; getActivity over
 * real blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toHex } from '../helpers/in-process.js';
import { type ReceivablesPilot, splitThreeTimes, startReceivablesPilot } from '../helpers/receivables-pilot.js';

const DAY = 86_400_000;
const ZERO = `0x${'00'.repeat(20)}`;

let p: ReceivablesPilot;
let ws: WebSocket;
const pushed: Array<{ params?: { subscription: string; result: Record<string, unknown> }; id?: number }> = [];
const startedAt = Date.now();

beforeAll(async () => {
  p = await startReceivablesPilot();
  ws = new WebSocket(p.t.client.url.replace(/^http/, 'ws'));
  ws.on('message', (data: Buffer) => pushed.push(JSON.parse(data.toString('utf8'))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
}, 120_000);

afterAll(async () => {
  ws?.close();
  await p?.cleanup();
});

describe('a regulator node supervising the receivables pilot', () => {
  it('pushes the soft-cap alert of an issue to a subscriber of the alerts channel', async () => {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['alerts'] }));
    await expect.poll(() => pushed.find((m) => m.id === 1), { timeout: 30_000 }).toBeDefined();
    const subscription = (pushed.find((m) => m.id === 1) as { result?: string }).result;
    expect(subscription).toEqual(expect.any(String));

    const due = BigInt(Date.now() + 90 * DAY);
    const issued = await p.call(p.core, 'issue', [1n, toHex(p.tier1.address), 1000n, due]);
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
    const { alerts } = await p.t.client.call('getAlerts', [{}]);
    expect(alerts).toEqual([alert]);
  });

  it('traces receivable #1 through three splits, two hops and a financing to every live piece', async () => {
    const story = await splitThreeTimes(p);
    const [t1, t2, t3, b] = [p.tier1, p.tier2, p.tier3, p.bank].map((k) => toHex(k.address));
    const traced = () => p.t.client.call('traceAsset', [p.address, '1']);
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
    // Each hop after the issue names the transaction that made it, in block order.
    const byTx = [0, 0, 1, 2, 2, 3, 4, 4, 6].map((i) => story[i].transactionHash);
    expect(trace.hops.slice(1).map((h) => h.txHash)).toEqual(byTx);
    expect(trace.holders).toEqual([
      { account: t1, balance: '600', tokenId: '2' },
      { account: t2, balance: '250', tokenId: '4' },
      { account: b, balance: '100', tokenId: '6' },
      { account: t3, balance: '50', tokenId: '7' },
    ]);
  });

  it('answers getActivity with the pilot transactions an institution sent or took part in', async () => {
    const tier2 = toHex(p.tier2.address);
    const { records } = await p.t.client.call('getActivity', [1, tier2, startedAt - DAY, Date.now() + DAY]);
    // Received #3 from tier 1, split it, passed #5 on.
    expect(records.map((r) => r.sender)).toEqual([toHex(p.tier1.address), tier2, tier2]);
    expect(records.every((r) => r.pilots.includes(1) && r.success)).toBe(true);
    expect(records[0].transfers).toEqual([
      expect.objectContaining({ from: toHex(p.tier1.address), to: tier2, value: '400' }),
    ]);
    const none = await p.t.client.call('getActivity', [1, tier2, startedAt - 2 * DAY, startedAt - DAY]);
    expect(none.records).toEqual([]);
  });
});
