import { describe, expect, it } from 'vitest';
import { logsBloom } from '../../codec/bloom.js';
import { RpcError } from '../errors.js';
import { bloomMatches, FilterRegistry, logMatches } from './filters.js';

const A = new Uint8Array(20).fill(1);
const B = new Uint8Array(20).fill(2);
const T = (n: number) => new Uint8Array(32).fill(n);
const log = { address: A, topics: [T(1), T(2)], data: new Uint8Array() };

describe('log filter rule', () => {
  it('matches on address (one or any of several), null wildcards and OR-lists by position', () => {
    expect(logMatches(log, { addresses: null, topics: [] })).toBe(true);
    expect(logMatches(log, { addresses: [B, A], topics: [] })).toBe(true);
    expect(logMatches(log, { addresses: [B], topics: [] })).toBe(false);
    expect(logMatches(log, { addresses: null, topics: [null, [T(2)]] })).toBe(true);
    expect(logMatches(log, { addresses: null, topics: [[T(9), T(1)], null] })).toBe(true);
    expect(logMatches(log, { addresses: null, topics: [[T(2)]] })).toBe(false);
    // Naming a third position excludes a log with two topics, even as a wildcard.
    expect(logMatches(log, { addresses: null, topics: [null, null, null] })).toBe(false);
  });

  it('takes an empty address list or an empty OR-list as a wildcard, as geth does (logs and blooms alike)', () => {
    expect(logMatches(log, { addresses: [], topics: [[], [T(2)]] })).toBe(true);
    expect(logMatches(log, { addresses: [], topics: [[], [T(7)]] })).toBe(false);
    expect(bloomMatches(logsBloom([log]), { addresses: [], topics: [[], [T(2)]] })).toBe(true);
  });

  it('a bloom that cannot hold a match rules its block out; one that can, does not', () => {
    const bloom = logsBloom([log]);
    expect(bloomMatches(bloom, { addresses: [A], topics: [[T(1)], null, null] })).toBe(true);
    expect(bloomMatches(bloom, { addresses: [B], topics: [] })).toBe(false);
    expect(bloomMatches(bloom, { addresses: null, topics: [null, [T(7)]] })).toBe(false);
  });
});

describe('FilterRegistry', () => {
  const blocks = () => ({ kind: 'blocks' as const, nextBlock: 1 });

  it('hands out distinct quantity ids and forgets a filter once uninstalled', () => {
    const r = new FilterRegistry({ maxFilters: 10, timeoutMs: 1000, maxPendingHashes: 3, now: () => 0 });
    const a = r.install(blocks());
    const b = r.install(blocks());
    expect(a).not.toBe(b);
    expect(a).toMatch(/^0x[1-9a-f][0-9a-f]*$/);
    expect(r.poll(a)).toMatchObject({ kind: 'blocks' });
    expect(r.uninstall(a)).toBe(true);
    expect(r.uninstall(a)).toBe(false);
    expect(r.poll(a)).toBeUndefined();
    expect(r.size).toBe(1);
  });

  it('removes a filter nobody polled for the timeout, and keeps one that is polled', () => {
    let now = 0;
    const r = new FilterRegistry({ maxFilters: 10, timeoutMs: 1000, maxPendingHashes: 3, now: () => now });
    const polled = r.install(blocks());
    const idle = r.install(blocks());
    now = 900;
    r.poll(polled);
    now = 1500;
    expect(r.poll(idle)).toBeUndefined();
    expect(r.poll(polled)).toBeDefined();
  });

  it('refuses a filter past maxFilters with -32000, and takes one again when one expires', () => {
    let now = 0;
    const r = new FilterRegistry({ maxFilters: 2, timeoutMs: 1000, maxPendingHashes: 3, now: () => now });
    r.install(blocks());
    r.install(blocks());
    expect(() => r.install(blocks())).toThrow(RpcError);
    expect(() => r.install(blocks())).toThrow(/at most 2 \(rpc.maxFilters\)/);
    now = 2000;
    expect(r.install(blocks())).toMatch(/^0x/);
  });

  it('gives a pending-transaction filter every admitted hash since it was installed, the newest maxPendingHashes', () => {
    const r = new FilterRegistry({ maxFilters: 10, timeoutMs: 1000, maxPendingHashes: 3, now: () => 0 });
    r.transactionAdmitted(Uint8Array.of(1));
    const id = r.install({ kind: 'pending', hashes: [] });
    const other = r.install(blocks());
    for (const h of [2, 3, 4, 5]) r.transactionAdmitted(Uint8Array.of(h));
    expect(r.poll(id)).toEqual({ kind: 'pending', hashes: ['0x03', '0x04', '0x05'] });
    expect(r.poll(other)).toEqual(blocks());
  });
});
