import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BytesSublevel } from '../state/world-state.js';
import type { Alert } from './evaluate.js';
import type { AssetEventFact, BlockFacts, PilotFacts, TransferFact, TxFact } from './facts.js';
import { SupervisionStore } from './store.js';
import { traceIdentified, traceMoves } from './trace.js';

const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const [A, B, C, D] = [addr(0xa), addr(0xb), addr(0xc), addr(0xd)];
const [DEBTOR, BANK] = [addr(0xde), addr(0xba)];
const ZERO = `0x${'00'.repeat(20)}`;
const TOKEN = addr(0x1001);
const DAY = 86_400_000;
const pilot: PilotFacts = {
  id: 1,
  name: 'p',
  institutions: [A, B, C, D, DEBTOR, BANK],
  contracts: [TOKEN],
  jurisdictions: ['HK'],
  startMs: 0,
  endMs: 100 * DAY,
  status: 'Registered',
  perTxCap: 0n,
  dailyCap: 0n,
};

let dir: string;
let db: Level<Uint8Array, Uint8Array>;
let store: SupervisionStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'supervision-'));
  db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  store = new SupervisionStore(
    db.sublevel('supervision', { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as BytesSublevel,
  );
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function move(from: string, to: string, value: bigint, logIndex = 0): TransferFact {
  return { contract: TOKEN, from, to, value, tokenId: null, logIndex };
}

function tx(
  block: number,
  index: number,
  sender: string,
  transfers: TransferFact[],
  assetEvents: AssetEventFact[] = [],
): TxFact {
  return {
    index,
    hash: `0x${(block * 100 + index).toString(16).padStart(64, '0')}`,
    sender,
    to: TOKEN,
    success: true,
    transfers,
    assetEvents,
    contracts: [TOKEN],
    record: {
      pilotId: 1,
      commitment: `0x${'22'.repeat(32)}`,
      record: new TextEncoder().encode(`invoice ${block}`),
      salt: new Uint8Array(32).fill(7),
      problem: null,
    },
  };
}

async function write(number: number, txs: TxFact[], alerts: Alert[] = []) {
  const block: BlockFacts = { number, hash: `0x${'00'.repeat(32)}`, timestamp: 3 * DAY + number, txs };
  await store.writeBlock(
    block,
    txs.map((t) => ({ tx: t, pilots: [pilot] })),
    alerts,
  );
}

describe('supervision index', () => {
  it('indexes records by transaction, pilot, contract, account, institution and day, with the height', async () => {
    await write(1, [tx(1, 0, A, [move(`0x${'00'.repeat(20)}`, A, 900n)])]);
    await write(2, [tx(2, 0, A, [move(A, B, 300n), move(A, C, 300n, 1)]), tx(2, 1, B, [move(B, D, 100n)])]);
    expect(await store.height()).toBe(2);
    const byPilot = await store.records({ by: 'pilot', pilot: 1 }, { limit: 10 });
    expect(byPilot.items.map((r) => [r.blockNumber, r.index])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
    expect(byPilot.items[0].record).toMatchObject({
      pilotId: 1,
      data: `0x${Buffer.from('invoice 1').toString('hex')}`,
    });
    expect((await store.records({ by: 'account', account: D }, { limit: 10 })).items).toHaveLength(1);
    expect((await store.records({ by: 'institution', pilot: 1, institution: C }, { limit: 10 })).items).toHaveLength(1);
    expect((await store.records({ by: 'contract', contract: TOKEN }, { limit: 10, fromBlock: 2 })).items).toHaveLength(
      2,
    );
    expect((await store.records({ by: 'day', pilot: 1, day: 3 }, { limit: 10 })).items).toHaveLength(3);
    expect(await store.history.dayVolume(1, 3)).toBe(1600n);
    expect(await store.history.transfersFrom(1, A, 2)).toEqual([300n, 300n]);
    const tx21 = await store.tx(byPilot.items[2].hash);
    expect(tx21?.transfers).toEqual([{ contract: TOKEN, from: B, to: D, value: '100', tokenId: null, logIndex: 0 }]);
  });

  it('pages through records with a cursor', async () => {
    for (let n = 1; n <= 5; n++) await write(n, [tx(n, 0, A, [])]);
    const first = await store.records({ by: 'pilot', pilot: 1 }, { limit: 2 });
    expect(first.items.map((r) => r.blockNumber)).toEqual([1, 2]);
    const second = await store.records({ by: 'pilot', pilot: 1 }, { limit: 2, cursor: first.next });
    expect(second.items.map((r) => r.blockNumber)).toEqual([3, 4]);
    const last = await store.records({ by: 'pilot', pilot: 1 }, { limit: 2, cursor: second.next });
    expect(last).toEqual({ items: [expect.objectContaining({ blockNumber: 5 })], next: null });
  });

  it('keeps alerts by block and starvation alerts across a clear of the derived data', async () => {
    const alert = (id: string, blockNumber: number): Alert => ({
      id,
      rule: 'r',
      kind: 'outside-period',
      severity: 'info',
      pilot: 1,
      blockNumber,
      txHash: null,
      sender: null,
      timestamp: 1,
      message: 'm',
    });
    await write(1, [], [alert('1-0', 1)]);
    await write(2, [], [alert('2-0', 2), alert('2-1', 2)]);
    await store.putStarvationAlert({ ...alert('starved-9', 2), kind: 'supervision-starved', timestamp: 9 });
    expect((await store.alerts({ fromBlock: 2, toBlock: 2, limit: 10 })).map((a) => a.id)).toEqual([
      '2-0',
      '2-1',
      'starved-9',
    ]);
    await store.clearDerived();
    expect(await store.height()).toBe(0);
    expect((await store.alerts({ fromBlock: 0, toBlock: 10, limit: 10 })).map((a) => a.id)).toEqual(['starved-9']);
  });

  it('traces a holder’s asset through three splits to who holds it now', async () => {
    await write(1, [tx(1, 0, A, [move(`0x${'00'.repeat(20)}`, A, 1000n)])]);
    await write(2, [tx(2, 0, A, [move(A, B, 400n), move(A, C, 600n, 1)])]);
    await write(3, [tx(3, 0, B, [move(B, D, 150n)])]);
    await write(4, [tx(4, 0, D, [move(D, D, 150n)])]); // a self-transfer is no hop
    const { moves, truncated } = await store.moves(TOKEN, 100);
    expect(truncated).toBe(false);
    const trace = traceMoves(TOKEN, moves, { account: A });
    expect(trace.hops.map((h) => [h.blockNumber, h.from, h.to, h.value])).toEqual([
      [2, A, B, '400'],
      [2, A, C, '600'],
      [3, B, D, '150'],
    ]);
    expect(trace.hops[2].txHash).toBe(`0x${(300).toString(16).padStart(64, '0')}`);
    expect(trace.holders).toEqual([
      { account: B, balance: '250' },
      { account: C, balance: '600' },
      { account: D, balance: '150' },
    ]);
    expect(traceMoves(TOKEN, moves, { account: D }).hops).toEqual([]);
    expect((await store.moves(TOKEN, 2)).truncated).toBe(true);
  });

  it('traces a token id through its owners', () => {
    const nft = (from: string, to: string, blockNumber: number) => ({
      blockNumber,
      txIndex: 0,
      logIndex: 0,
      txHash: '0x01',
      from,
      to,
      value: 1n,
      tokenId: '7',
    });
    const trace = traceMoves(
      TOKEN,
      [nft(`0x${'00'.repeat(20)}`, A, 1), nft(A, B, 2), { ...nft(B, C, 3), tokenId: '8' }, nft(B, C, 4)],
      { tokenId: '7' },
    );
    expect(trace.hops.map((h) => h.to)).toEqual([A, B, C]);
    expect(trace.holders).toEqual([{ account: C, balance: '1' }]);
  });

  it('traces a receivable split three times along a chain of holders and financed by a bank to every live piece', async () => {
    const moved = (id: number, from: string, to: string, amount: bigint, logIndex = 0): AssetEventFact => ({
      kind: 'move',
      contract: TOKEN,
      id: String(id),
      from,
      to,
      amount,
      logIndex,
    });
    const split = (
      parent: number,
      child: number,
      holder: string,
      amount: bigint,
      logIndex: number,
    ): AssetEventFact => ({
      kind: 'split',
      contract: TOKEN,
      parent: String(parent),
      child: String(child),
      holder,
      amount,
      logIndex,
    });
    // #1 (1000) to A; A splits 1 -> 2 (600) + 3 (400), passes 3 to B; B splits 3 -> 4 + 5, passes
    // 5 to C; C splits 5 -> 6 + 7 and sells 6 to the bank; the debtor settles 4.
    await write(1, [tx(1, 0, DEBTOR, [], [moved(1, ZERO, A, 1000n)])]);
    await write(2, [tx(2, 0, A, [], [split(1, 2, A, 600n, 0), split(1, 3, A, 400n, 1)])]);
    await write(3, [tx(3, 0, A, [], [moved(3, A, B, 400n)]), tx(3, 1, D, [], [moved(9, D, C, 5n)])]);
    await write(4, [tx(4, 0, B, [], [split(3, 4, B, 250n, 0), split(3, 5, B, 150n, 1)])]);
    await write(5, [tx(5, 0, B, [], [moved(5, B, C, 150n)])]);
    await write(6, [tx(6, 0, C, [], [split(5, 6, C, 100n, 0), split(5, 7, C, 50n, 1)])]);
    await write(7, [tx(7, 0, BANK, [], [moved(6, C, BANK, 100n)])]);
    await write(8, [tx(8, 0, DEBTOR, [], [moved(4, B, ZERO, 250n)])]);

    const { events, truncated } = await store.assetHistory(TOKEN, '1', 100);
    expect(truncated).toBe(false);
    const trace = traceIdentified(TOKEN, '1', events);
    expect(trace.hops.map((h) => [h.blockNumber, h.kind, h.parent, h.tokenId, h.from, h.to, h.value])).toEqual([
      [1, 'move', null, '1', ZERO, A, '1000'],
      [2, 'split', '1', '2', A, A, '600'],
      [2, 'split', '1', '3', A, A, '400'],
      [3, 'move', null, '3', A, B, '400'],
      [4, 'split', '3', '4', B, B, '250'],
      [4, 'split', '3', '5', B, B, '150'],
      [5, 'move', null, '5', B, C, '150'],
      [6, 'split', '5', '6', C, C, '100'],
      [6, 'split', '5', '7', C, C, '50'],
      [7, 'move', null, '6', C, BANK, '100'],
      [8, 'move', null, '4', B, ZERO, '250'],
    ]);
    expect(trace.hops[3].txHash).toBe(`0x${(300).toString(16).padStart(64, '0')}`);
    // Live leaves, in the order they came to be: 2 with A, 6 with the bank, 7 with C; 4 is
    // settled, 1, 3 and 5 were split.
    expect(trace.holders).toEqual([
      { account: A, balance: '600', tokenId: '2' },
      { account: BANK, balance: '100', tokenId: '6' },
      { account: C, balance: '50', tokenId: '7' },
    ]);
    // A piece is traced from where it was split off, not from its ancestors.
    const piece = await store.assetHistory(TOKEN, '5', 100);
    expect(traceIdentified(TOKEN, '5', piece.events).hops.map((h) => h.tokenId)).toEqual(['5', '6', '7', '6']);
    expect((await store.assetHistory(TOKEN, '1', 4)).truncated).toBe(true);
  });

  it('indexes identified-asset events only of the pilot’s contracts, and drops them on a clear', async () => {
    const other = addr(0x2002);
    await write(1, [
      tx(1, 0, A, [], [{ kind: 'move', contract: other, id: '1', from: ZERO, to: A, amount: 5n, logIndex: 0 }]),
    ]);
    expect((await store.assetHistory(other, '1', 10)).events).toEqual([]);
    await write(2, [
      tx(2, 0, A, [], [{ kind: 'move', contract: TOKEN, id: '1', from: ZERO, to: A, amount: 5n, logIndex: 0 }]),
    ]);
    expect((await store.assetHistory(TOKEN, '1', 10)).events).toHaveLength(1);
    expect((await store.tx(`0x${(200).toString(16).padStart(64, '0')}`))!).not.toHaveProperty('assetEvents');
    await store.clearDerived();
    expect((await store.assetHistory(TOKEN, '1', 10)).events).toEqual([]);
  });
});
