import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { hexKey, toHex } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { StateOverlay } from './overlay.js';
import { computeNextRoot, WorldState, type BytesSublevel, type StateCommit } from './world-state.js';

const suite = createEcdsaSuite();
const ZERO = new Uint8Array(32);
const b = (...xs: number[]) => Uint8Array.from(xs);
const hex = (v: Uint8Array | null) => (v === null ? null : hexKey(v));
const BYTES = { keyEncoding: 'view', valueEncoding: 'view' } as const;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function openDb(): Promise<{ db: Level<Uint8Array, Uint8Array>; state: BytesSublevel }> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-state-'));
  const db = new Level<Uint8Array, Uint8Array>(dir, BYTES);
  await db.open();
  cleanup.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const state = db.sublevel<Uint8Array, Uint8Array>('state', BYTES);
  await state.open(); // a sublevel opens asynchronously; getSync needs it open
  return { db, state: state as unknown as BytesSublevel };
}

/** Writes a prepared commit the way the ledger does (one batch), then applies it. */
async function commit(db: Level<Uint8Array, Uint8Array>, ws: WorldState, c: StateCommit): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: batch ops carry their sublevel, as in LedgerStore
  await db.batch(c.ops as any);
  ws.applyCommitted(c);
}

describe('WorldState', () => {
  it('the root depends on the change set, not on the order the block wrote it', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.option(fc.uint8Array())), {
          selector: ([k]) => hexKey(k),
          maxLength: 12,
        }),
        fc.infiniteStream(fc.boolean()),
        (changes, flips) => {
          const apply = (order: typeof changes) => {
            const o = new StateOverlay({ get: () => null });
            for (const [k, v] of order) v === null ? o.delete(k) : o.set(k, v);
            return toHex(computeNextRoot(suite, ZERO, o.sortedChanges()));
          };
          const shuffled = [...changes].sort(() => (flips.next().value ? 1 : -1));
          expect(apply(shuffled)).toBe(apply(changes));
          expect(apply([...changes].reverse())).toBe(apply(changes));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the root chains the previous root and changes with any change to either', () => {
    const o = new StateOverlay({ get: () => null });
    o.set(b(1), b(1));
    const r1 = toHex(computeNextRoot(suite, ZERO, o.sortedChanges()));
    expect(toHex(computeNextRoot(suite, new Uint8Array(32).fill(1), o.sortedChanges()))).not.toBe(r1);
    o.set(b(1), b(2));
    expect(toHex(computeNextRoot(suite, ZERO, o.sortedChanges()))).not.toBe(r1);
    o.delete(b(1));
    expect(toHex(computeNextRoot(suite, ZERO, o.sortedChanges()))).not.toBe(r1);
    // An empty block still moves the root forward deterministically.
    expect(toHex(computeNextRoot(suite, ZERO, []))).toBe(toHex(computeNextRoot(suite, ZERO, [])));
  });

  it('prepareCommit changes nothing until the batch is written and applied', async () => {
    const { db, state } = await openDb();
    const ws = new WorldState(state, suite, { root: ZERO });
    const o = ws.overlay();
    o.set(b(1), b(10));
    const c = ws.prepareCommit(o);
    expect(toHex(ws.stateRoot)).toBe(toHex(ZERO));
    expect(ws.get(b(1))).toBeNull();
    expect(c.ops).toHaveLength(1);
    await commit(db, ws, c);
    expect(toHex(ws.stateRoot)).toBe(toHex(c.stateRoot));
    expect(hex(ws.get(b(1)))).toBe('0a');
  });

  it('commits puts and deletes to LevelDB, and a fresh instance reads them back', async () => {
    const { db, state } = await openDb();
    const ws = new WorldState(state, suite, { root: ZERO });
    const o1 = ws.overlay();
    o1.set(b(1), b(1));
    o1.set(b(2), b(2));
    await commit(db, ws, ws.prepareCommit(o1));
    const o2 = ws.overlay();
    o2.delete(b(1));
    o2.set(b(3), b(3));
    await commit(db, ws, ws.prepareCommit(o2));

    const cold = new WorldState(state, suite, { root: ws.stateRoot });
    expect(cold.get(b(1))).toBeNull();
    expect(hex(cold.get(b(2)))).toBe('02');
    expect(hex(cold.get(b(3)))).toBe('03');
    expect(hex((await state.get(b(3))) ?? null)).toBe('03');
    expect(await state.get(b(1))).toBeUndefined();
  });

  it('two instances applying the same blocks reach the same roots', async () => {
    const a = await openDb();
    const c = await openDb();
    const wa = new WorldState(a.state, suite, { root: ZERO });
    const wc = new WorldState(c.state, suite, { root: ZERO, cacheEntries: 1 });
    for (let h = 0; h < 4; h++) {
      const oa = wa.overlay();
      const oc = wc.overlay();
      for (let i = 0; i < 5; i++) oa.set(b(h, i), b(i));
      for (let i = 4; i >= 0; i--) oc.set(b(h, i), b(i));
      if (h > 0) {
        oa.delete(b(h - 1, 0));
        oc.delete(b(h - 1, 0));
      }
      await commit(a.db, wa, wa.prepareCommit(oa));
      await commit(c.db, wc, wc.prepareCommit(oc));
      expect(toHex(wc.stateRoot)).toBe(toHex(wa.stateRoot));
    }
  });

  it('serves reads from its cache and falls back to LevelDB for entries that aged out', async () => {
    const { state } = await openDb();
    await state.batch([
      { type: 'put', key: b(1), value: b(1) },
      { type: 'put', key: b(2), value: b(2) },
      { type: 'put', key: b(3), value: b(3) },
    ]);
    const ws = new WorldState(state, suite, { root: ZERO, cacheEntries: 4 });
    expect(hex(ws.get(b(1)))).toBe('01');
    expect(hex(ws.get(b(2)))).toBe('02');
    expect(hex(ws.get(b(1)))).toBe('01'); // used again: kept when the next generation starts
    expect(hex(ws.get(b(3)))).toBe('03'); // 2, not used since, ages out
    // Change LevelDB underneath (no node does this; it makes the cache observable).
    await state.batch([
      { type: 'put', key: b(1), value: b(11) },
      { type: 'put', key: b(2), value: b(12) },
      { type: 'put', key: b(3), value: b(13) },
    ]);
    expect(hex(ws.get(b(1)))).toBe('01'); // cached
    expect(hex(ws.get(b(3)))).toBe('03'); // cached
    expect(hex(ws.get(b(2)))).toBe('0c'); // aged out: read from LevelDB
  });

  it('holds at most cacheEntries entries', async () => {
    const { state } = await openDb();
    const keys = Array.from({ length: 50 }, (_, i) => b(i));
    await state.batch(keys.map((k) => ({ type: 'put' as const, key: k, value: b(1) })));
    for (const cacheEntries of [0, 1, 2, 5, 8]) {
      const ws = new WorldState(state, suite, { root: ZERO, cacheEntries });
      for (const k of keys) ws.get(k);
      await state.batch(keys.map((k) => ({ type: 'put' as const, key: k, value: b(2) })));
      // Every key still read as 1 came from the cache.
      const cached = keys.filter((k) => hex(ws.get(k)) === '01').length;
      expect(cached).toBeLessThanOrEqual(cacheEntries);
      await state.batch(keys.map((k) => ({ type: 'put' as const, key: k, value: b(1) })));
    }
  });

  it('reads what was committed last, whatever the cache size and the order of reads and commits', async () => {
    const { db, state } = await openDb();
    const key = fc.integer({ min: 0, max: 11 });
    const step = fc.oneof(
      fc.record({ read: key }),
      fc.record({ writes: fc.array(fc.tuple(key, fc.option(fc.integer({ min: 0, max: 255 }))), { maxLength: 4 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.array(step, { maxLength: 40 }),
        async (cacheEntries, steps) => {
          // Each run in a key space of its own, so runs do not see each other's writes.
          const space = run++;
          const k = (i: number) => b(space >> 8, space & 255, i);
          const model = new Map<number, number>();
          const ws = new WorldState(state, suite, { root: ZERO, cacheEntries });
          for (const s of steps) {
            if ('read' in s) {
              const v = model.get(s.read);
              expect(hex(ws.get(k(s.read)))).toBe(v === undefined ? null : hex(b(v)));
            } else {
              const o = ws.overlay();
              for (const [i, v] of s.writes) {
                if (v === null) o.delete(k(i));
                else o.set(k(i), b(v));
              }
              await commit(db, ws, ws.prepareCommit(o));
              for (const [i, v] of s.writes) {
                if (v === null) model.delete(i);
                else model.set(i, v);
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('caches misses, and a committed write replaces a cached miss', async () => {
    const { db, state } = await openDb();
    const ws = new WorldState(state, suite, { root: ZERO });
    expect(ws.get(b(7))).toBeNull();
    await state.put(b(7), b(1)); // behind the cache's back
    expect(ws.get(b(7))).toBeNull();
    const o = ws.overlay();
    o.set(b(7), b(2));
    await commit(db, ws, ws.prepareCommit(o));
    expect(hex(ws.get(b(7)))).toBe('02');
  });
});
