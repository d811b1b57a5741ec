import fc from 'fast-check';
import type { LogDescription } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CachedBuild } from '../testing/build-cache.js';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample } from '../testing/examples.js';

const coreEnterprise = testAddress(0xc02e);
const tier1 = testAddress(0x7121); // the core enterprise's direct supplier
const tier2 = testAddress(0x7122);
const tier3 = testAddress(0x7123);
const bank = testAddress(0xba2c);
const ZERO = addressHex(new Uint8Array(20));
const DAY = 86_400_000;
const [ACTIVE, SPLIT, SETTLED] = [1n, 2n, 3n];

let built: CachedBuild;
beforeAll(async () => {
  built = await asExample('receivables');
});

/** A receivable #1 of 1000 from the core enterprise to tier 1, due in 90 days. */
function setUp() {
  const chain = new TestChain();
  const { contract } = TestContract.deploy(chain, built, [], coreEnterprise);
  const due = BigInt(chain.timestamp + 90 * DAY);
  const issued = contract.send('issue', [1n, addressHex(tier1), 1000n, due], coreEnterprise);
  expect(issued.outcome.status).toBe('success');
  const ok = (fn: string, args: unknown[], from: Uint8Array) => {
    const sent = contract.send(fn, args, from);
    expect(sent.outcome.revertReason, `${fn}(${args.join(', ')})`).toBeUndefined();
    expect(sent.outcome.status).toBe('success');
    return sent;
  };
  return { chain, contract, due, issued, ok };
}

const eventsOf = (sent: { events: LogDescription[] }) => sent.events.map((e) => [e.name, ...e.args]);

describe('supply-chain receivables (AssemblyScript)', () => {
  it('issues a receivable as a mint: Issued, AssetMoved and Transfer from the zero address', () => {
    const { contract, due, issued } = setUp();
    expect(eventsOf(issued)).toEqual([
      ['Issued', 1n, addressHex(coreEnterprise), addressHex(tier1), 1000n, due],
      ['AssetMoved', 1n, ZERO, addressHex(tier1), 1000n],
      ['Transfer', ZERO, addressHex(tier1), 1000n],
    ]);
    expect(contract.value('holderOf', [1n], bank)).toBe(addressHex(tier1));
    expect(contract.value('debtorOf', [1n], bank)).toBe(addressHex(coreEnterprise));
    expect(contract.value('dueDateOf', [1n], bank)).toBe(due);
    expect(contract.value('statusOf', [1n], bank)).toBe(ACTIVE);
    expect(contract.value('balanceOf', [addressHex(tier1)], bank)).toBe(1000n);
    expect(contract.value('totalSupply', [], bank)).toBe(1000n);
  });

  it('follows one receivable through three splits, two hops and a financing to settlement', () => {
    const { chain, contract, due, ok } = setUp();
    const story = [
      ok('split', [1n, 2n, 600n, 3n, 400n], tier1),
      ok('transfer', [3n, addressHex(tier2)], tier1),
      ok('split', [3n, 4n, 250n, 5n, 150n], tier2),
      ok('transfer', [5n, addressHex(tier3)], tier2),
      ok('split', [5n, 6n, 100n, 7n, 50n], tier3),
      ok('offerForFinancing', [6n, addressHex(bank), 97n], tier3),
      ok('finance', [6n], bank),
    ];
    expect(story.flatMap(eventsOf)).toEqual([
      ['AssetSplit', 1n, 2n, addressHex(tier1), 600n],
      ['AssetSplit', 1n, 3n, addressHex(tier1), 400n],
      ['AssetMoved', 3n, addressHex(tier1), addressHex(tier2), 400n],
      ['Transfer', addressHex(tier1), addressHex(tier2), 400n],
      ['AssetSplit', 3n, 4n, addressHex(tier2), 250n],
      ['AssetSplit', 3n, 5n, addressHex(tier2), 150n],
      ['AssetMoved', 5n, addressHex(tier2), addressHex(tier3), 150n],
      ['Transfer', addressHex(tier2), addressHex(tier3), 150n],
      ['AssetSplit', 5n, 6n, addressHex(tier3), 100n],
      ['AssetSplit', 5n, 7n, addressHex(tier3), 50n],
      ['FinancingOffered', 6n, addressHex(tier3), addressHex(bank), 97n],
      ['Financed', 6n, addressHex(bank), addressHex(tier3), 97n],
      ['AssetMoved', 6n, addressHex(tier3), addressHex(bank), 100n],
      ['Transfer', addressHex(tier3), addressHex(bank), 100n],
    ]);
    // The lineage a regulator reads back: 6 ← 5 ← 3 ← 1, all due when #1 is.
    expect([6n, 5n, 3n, 1n].map((id) => contract.value('parentOf', [id], bank))).toEqual([5n, 3n, 1n, 0n]);
    expect(contract.value('dueDateOf', [6n], bank)).toBe(due);
    expect(contract.value('debtorOf', [6n], bank)).toBe(addressHex(coreEnterprise));
    expect(contract.value('financierOf', [6n], bank)).toBe(addressHex(bank));
    expect([1n, 3n, 5n].map((id) => contract.value('statusOf', [id], bank))).toEqual([SPLIT, SPLIT, SPLIT]);
    const balances = [tier1, tier2, tier3, bank].map((a) => contract.value('balanceOf', [addressHex(a)], bank));
    expect(balances).toEqual([600n, 250n, 50n, 100n]);

    chain.timestamp = Number(due);
    const settled = ok('settle', [6n], coreEnterprise);
    expect(eventsOf(settled)).toEqual([
      ['Settled', 6n, addressHex(coreEnterprise), addressHex(bank), 100n],
      ['AssetMoved', 6n, addressHex(bank), ZERO, 100n],
      ['Transfer', addressHex(bank), ZERO, 100n],
    ]);
    expect(contract.value('statusOf', [6n], bank)).toBe(SETTLED);
    expect(contract.value('balanceOf', [addressHex(bank)], bank)).toBe(0n);
    expect(contract.value('totalSupply', [], bank)).toBe(900n);
  });

  it('refuses splits whose amounts do not sum to the parent, and reused or zero ids', () => {
    const { contract, ok } = setUp();
    const refusals: Array<[unknown[], string]> = [
      [[1n, 2n, 600n, 3n, 300n], "receivables: split amounts do not sum to the parent's"],
      [[1n, 2n, 600n, 3n, 500n], "receivables: split amounts do not sum to the parent's"],
      [[1n, 2n, 1000n, 3n, 0n], 'receivables: zero amount'],
      [[1n, 2n, 500n, 2n, 500n], 'receivables: child ids must differ'],
      [[1n, 1n, 500n, 3n, 500n], 'receivables: id already used'],
      [[1n, 0n, 500n, 3n, 500n], 'receivables: id 0 is reserved'],
      [[9n, 2n, 500n, 3n, 500n], 'receivables: unknown receivable'],
    ];
    for (const [args, reason] of refusals) {
      const sent = contract.send('split', args, tier1);
      expect(sent.outcome.revertReason, `split(${args.join(', ')})`).toBe(reason);
      expect(sent.events).toEqual([]);
    }
    ok('split', [1n, 2n, 500n, 3n, 500n], tier1);
    expect(contract.send('split', [1n, 4n, 500n, 5n, 500n], tier1).outcome.revertReason).toBe(
      'receivables: receivable was split',
    );
    expect(contract.send('transfer', [1n, addressHex(tier2)], tier1).outcome.revertReason).toBe(
      'receivables: receivable was split',
    );
  });

  it('lets only the holder split, transfer or offer a receivable', () => {
    const { contract, ok } = setUp();
    for (const [fn, args] of [
      ['split', [1n, 2n, 500n, 3n, 500n]],
      ['transfer', [1n, addressHex(tier3)]],
      ['offerForFinancing', [1n, addressHex(bank), 900n]],
    ] as const) {
      expect(contract.send(fn, [...args], tier2).outcome.revertReason, fn).toBe(
        'receivables: caller is not the holder',
      );
    }
    ok('transfer', [1n, addressHex(tier2)], tier1);
    expect(contract.send('transfer', [1n, addressHex(tier3)], tier1).outcome.revertReason).toBe(
      'receivables: caller is not the holder',
    );
    expect(contract.send('transfer', [1n, ZERO], tier2).outcome.revertReason).toBe(
      'receivables: transfer to the zero address',
    );
  });

  it('refuses financing without an offer to the caller, and financing an already financed split', () => {
    const { contract, ok } = setUp();
    const otherBank = testAddress(0xba2d);
    ok('split', [1n, 2n, 700n, 3n, 300n], tier1);
    expect(contract.send('finance', [3n], bank).outcome.revertReason).toBe(
      'receivables: no financing offer to the caller',
    );
    expect(contract.send('offerForFinancing', [3n, addressHex(bank), 301n], tier1).outcome.revertReason).toBe(
      'receivables: price must be within the face amount',
    );
    ok('offerForFinancing', [3n, addressHex(bank), 290n], tier1);
    expect(contract.send('finance', [3n], otherBank).outcome.revertReason).toBe(
      'receivables: no financing offer to the caller',
    );
    ok('finance', [3n], bank);
    expect(contract.send('finance', [3n], bank).outcome.revertReason).toBe('receivables: already financed');
    expect(contract.send('offerForFinancing', [3n, addressHex(otherBank), 200n], bank).outcome.revertReason).toBe(
      'receivables: already financed',
    );
    expect(contract.send('transfer', [3n, addressHex(otherBank)], bank).outcome.revertReason).toBe(
      'receivables: already financed',
    );
    // A transfer withdraws an open offer: the named bank can no longer buy from the old holder.
    ok('offerForFinancing', [2n, addressHex(otherBank), 650n], tier1);
    ok('transfer', [2n, addressHex(tier2)], tier1);
    expect(contract.send('finance', [2n], otherBank).outcome.revertReason).toBe(
      'receivables: no financing offer to the caller',
    );
  });

  it('settles only by the debtor, at or after maturity, once; issues only what can be settled', () => {
    const { chain, contract, due, ok } = setUp();
    expect(contract.send('settle', [1n], coreEnterprise).outcome.revertReason).toBe('receivables: not yet due');
    chain.timestamp = Number(due);
    expect(contract.send('settle', [1n], tier1).outcome.revertReason).toBe('receivables: only the debtor settles');
    ok('settle', [1n], coreEnterprise);
    expect(contract.send('settle', [1n], coreEnterprise).outcome.revertReason).toBe(
      'receivables: receivable is settled',
    );
    const later = BigInt(chain.timestamp + DAY);
    const refusals: Array<[unknown[], string]> = [
      [[1n, addressHex(tier1), 10n, later], 'receivables: id already used'],
      [[2n, ZERO, 10n, later], 'receivables: zero supplier'],
      [[2n, addressHex(coreEnterprise), 10n, later], 'receivables: the debtor cannot hold its own receivable'],
      [[2n, addressHex(tier1), 0n, later], 'receivables: zero amount'],
      [[2n, addressHex(tier1), 10n, BigInt(chain.timestamp)], 'receivables: due date has passed'],
    ];
    for (const [args, reason] of refusals)
      expect(contract.send('issue', args, coreEnterprise).outcome.revertReason).toBe(reason);
  });

  it('keeps balances equal to what its Transfer events say, whatever the holders do', () => {
    const parties = [tier1, tier2, tier3, bank];
    const action = fc.record({
      kind: fc.constantFrom('split', 'transfer', 'offer', 'finance', 'settle'),
      id: fc.integer({ min: 1, max: 12 }),
      by: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
      cut: fc.integer({ min: 1, max: 999 }),
    });
    fc.assert(
      fc.property(fc.array(action, { maxLength: 12 }), (actions) => {
        const { chain, contract } = setUp();
        let nextId = 2n;
        const transfers: unknown[][] = [[ZERO, addressHex(tier1), 1000n]];
        for (const a of actions) {
          const by = parties[a.by];
          const id = BigInt(a.id);
          let sent: ReturnType<TestContract['send']>;
          if (a.kind === 'split') {
            const amount = contract.value('amountOf', [id], by) as bigint;
            const cut = amount > 1n ? 1n + (BigInt(a.cut) % (amount - 1n)) : 1n;
            sent = contract.send('split', [id, nextId++, cut, nextId++, amount > cut ? amount - cut : 0n], by);
          } else if (a.kind === 'transfer') sent = contract.send('transfer', [id, addressHex(parties[a.to])], by);
          else if (a.kind === 'offer') sent = contract.send('offerForFinancing', [id, addressHex(bank), 1n], by);
          else if (a.kind === 'finance') sent = contract.send('finance', [id], by);
          else {
            chain.timestamp += 100 * DAY;
            sent = contract.send('settle', [id], coreEnterprise);
          }
          transfers.push(...sent.events.filter((e) => e.name === 'Transfer').map((e) => [...e.args]));
        }
        const replayed = new Map<string, bigint>();
        for (const [from, to, value] of transfers as Array<[string, string, bigint]>) {
          replayed.set(from, (replayed.get(from) ?? 0n) - value);
          replayed.set(to, (replayed.get(to) ?? 0n) + value);
        }
        for (const p of parties)
          expect(contract.value('balanceOf', [addressHex(p)], bank)).toBe(replayed.get(addressHex(p)) ?? 0n);
        expect(contract.value('totalSupply', [], bank)).toBe(-(replayed.get(ZERO) ?? 0n));
      }),
      { numRuns: 25 },
    );
  });
});
