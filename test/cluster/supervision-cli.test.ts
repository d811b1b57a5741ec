/**
 * `lingding regulator records|trace|alerts` as real CLI processes against a regulator node
 * supervising the receivables pilot (design decisions 9 and 11), in text and in JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../tools/devnet/cluster.js';
import { runCli } from '../helpers/cli-process.js';
import { toHex } from '../helpers/in-process.js';
import { type ReceivablesPilot, splitThreeTimes, startReceivablesPilot } from '../helpers/receivables-pilot.js';
import type { Receipt } from '../../node/rpc/schema.js';

const DAY = 86_400_000;

describe('lingding regulator records|trace|alerts against a regulator node', { timeout: 240_000 }, () => {
  let p: ReceivablesPilot;
  let rpc: string[];
  let issued: Receipt;
  let story: Receipt[];

  beforeAll(async () => {
    p = await startReceivablesPilot();
    rpc = ['--rpc', p.t.client.url];
    issued = await p.call(p.core, 'issue', [1n, toHex(p.tier1.address), 1000n, BigInt(Date.now() + 90 * DAY)]);
    story = await splitThreeTimes(p);
    // The regulator indexes a block after it commits: wait for the last one.
    await waitFor(
      'the regulator indexed the financing',
      async () => (await p.t.client.call('traceAsset', [p.address, '1'])).hops.length === 10,
    );
  }, 120_000);
  afterAll(async () => {
    await p?.cleanup();
  });

  it('records lists the pilot’s transactions in block order, and pages with --limit and --cursor', async () => {
    const all = await runCli(['regulator', 'records', '--pilot', '1', ...rpc]);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    // The committee's registration ran in PilotRegistry, not the pilot's contract: the issue
    // and the seven calls of the story are the pilot's.
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(
      `block ${issued.blockNumber}  ${issued.transactionHash}  from ${toHex(p.core.address)}  pilots 1  no record`,
    );
    expect(lines.slice(1).map((l) => l.split('  ')[1])).toEqual(story.map((r) => r.transactionHash));

    const first = await runCli(['regulator', 'records', '--pilot', '1', '--limit', '3', '--json', ...rpc]);
    const page = JSON.parse(first.stdout);
    expect(page.records.map((r: { hash: string }) => r.hash)).toEqual(
      [issued, ...story.slice(0, 2)].map((r) => r.transactionHash),
    );
    expect(page.next).toEqual(expect.any(String));
    const rest = JSON.parse(
      (await runCli(['regulator', 'records', '--pilot', '1', '--cursor', page.next, '--json', ...rpc])).stdout,
    );
    expect(rest.records.map((r: { hash: string }) => r.hash)).toEqual(story.slice(2).map((r) => r.transactionHash));
    expect(rest.next).toBeNull();
  });

  it('trace follows receivable #1 through its splits to every live piece', async () => {
    const [t1, t2, t3, b] = [p.tier1, p.tier2, p.tier3, p.bank].map((k) => toHex(k.address));
    const text = await runCli(['regulator', 'trace', p.address, '1', ...rpc]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain(`split 1 -> 3  held by ${t1}  400  ${story[0].transactionHash}`);
    expect(text.stdout).toContain(`${t3} -> ${b}  100 (id 6)  ${story[6].transactionHash}`);
    expect(text.stdout).toContain(
      ['holds it now:', `  ${t1}  600 (id 2)`, `  ${t2}  250 (id 4)`, `  ${b}  100 (id 6)`, `  ${t3}  50 (id 7)`].join(
        '\n',
      ),
    );
    const json = JSON.parse((await runCli(['regulator', 'trace', p.address, '1', '--json', ...rpc])).stdout);
    expect(json.hops).toHaveLength(10);
    expect(json.hops.filter((h: { kind: string }) => h.kind === 'split')).toHaveLength(6);
    expect(json.holders.map((h: { tokenId: string }) => h.tokenId)).toEqual(['2', '4', '6', '7']);
  });

  it('alerts shows the soft-cap alert of the issue', async () => {
    const text = await runCli(['regulator', 'alerts', ...rpc]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(new RegExp(`^WARNING {2}block ${issued.blockNumber} {2}per-tx {2}pilot 1 {2}.+$`, 'm'));
    const json = JSON.parse((await runCli(['regulator', 'alerts', '--json', ...rpc])).stdout);
    expect(json.alerts).toEqual([
      expect.objectContaining({ rule: 'per-tx', pilot: 1, txHash: issued.transactionHash, severity: 'warning' }),
    ]);
    const later = await runCli(['regulator', 'alerts', '--from', String(issued.blockNumber + 1), ...rpc]);
    expect(later.stdout.trim()).toBe('no alerts');
  });
});
