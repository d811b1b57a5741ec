import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexKey } from '../codec/hex.js';
import { StateOverlay, type StateReader } from './overlay.js';

const b = (...xs: number[]) => Uint8Array.from(xs);
const hex = (v: Uint8Array | null) => (v === null ? null : hexKey(v));

/** A committed base: a plain map behind the StateReader interface. */
function base(entries: Array<[Uint8Array, Uint8Array]> = []): StateReader & { reads: number } {
  const m = new Map(entries.map(([k, v]) => [hexKey(k), v]));
  const r = {
    reads: 0,
    get(key: Uint8Array) {
      r.reads++;
      return m.get(hexKey(key)) ?? null;
    },
  };
  return r;
}

describe('StateOverlay', () => {
  it('reads through to its parent until a key is written or deleted', () => {
    const parent = base([[b(1), b(10)]]);
    const o = new StateOverlay(parent);
    expect(hex(o.get(b(1)))).toBe('0a');
    expect(o.get(b(2))).toBeNull();
    expect(parent.reads).toBe(2);
    o.set(b(1), b(11));
    o.delete(b(3));
    const before = parent.reads;
    expect(hex(o.get(b(1)))).toBe('0b');
    expect(o.get(b(3))).toBeNull();
    expect(parent.reads).toBe(before); // answered by the overlay's own writes
    expect(o.size).toBe(2);
  });

  it('a deletion hides the parent value; a later write brings a value back', () => {
    const o = new StateOverlay(base([[b(1), b(10)]]));
    o.delete(b(1));
    expect(o.get(b(1))).toBeNull();
    o.set(b(1), b(12));
    expect(hex(o.get(b(1)))).toBe('0c');
    expect(o.size).toBe(1);
  });

  it('copies keys and values, so callers mutating their buffers change nothing', () => {
    const o = new StateOverlay(base());
    const k = b(1);
    const v = b(5);
    o.set(k, v);
    v[0] = 99;
    k[0] = 2;
    expect(hex(o.get(b(1)))).toBe('05');
    expect(o.get(b(2))).toBeNull();
    expect(o.sortedChanges().map((c) => hexKey(c.key))).toEqual(['01']);
  });

  it('a child sees its parent overlay; its writes reach the parent only on mergeInto', () => {
    const parent = new StateOverlay(base([[b(1), b(1)]]));
    parent.set(b(2), b(2));
    const child = parent.child();
    expect(hex(child.get(b(2)))).toBe('02');
    child.set(b(3), b(3));
    child.delete(b(1));
    expect(parent.get(b(3))).toBeNull();
    expect(hex(parent.get(b(1)))).toBe('01');
    child.mergeInto(parent);
    expect(hex(parent.get(b(3)))).toBe('03');
    expect(parent.get(b(1))).toBeNull();
    expect(parent.sortedChanges().map((c) => [hexKey(c.key), hex(c.value)])).toEqual([
      ['01', null],
      ['02', '02'],
      ['03', '03'],
    ]);
  });

  it('dropping a child is the whole rollback', () => {
    const parent = new StateOverlay(base());
    parent.set(b(1), b(1));
    const child = parent.child();
    child.set(b(1), b(9));
    child.set(b(2), b(9));
    // no mergeInto: the child is dropped
    expect(hex(parent.get(b(1)))).toBe('01');
    expect(parent.get(b(2))).toBeNull();
    expect(parent.size).toBe(1);
  });

  it('sorts changes by key bytes, whatever the order of writes', () => {
    const o = new StateOverlay(base());
    for (const k of [b(3), b(1, 0), b(1), b(0, 255), b(2)]) o.set(k, b(0));
    expect(o.sortedChanges().map((c) => hexKey(c.key))).toEqual(['00ff', '01', '0100', '02', '03']);
  });

  it('keys of any bytes and length (past the char-code limit too) are read back and listed as written, in byte order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1020, maxLength: 1030 })),
          {
            selector: (k) => hexKey(k),
            maxLength: 20,
          },
        ),
        (keys) => {
          const o = new StateOverlay(base());
          for (const [i, k] of keys.entries()) o.set(k, b(i));
          for (const [i, k] of keys.entries()) expect(hex(o.get(Uint8Array.from(k)))).toBe(hex(b(i)));
          const expected = keys.map((k) => hexKey(k)).sort();
          expect(o.sortedChanges().map((c) => hexKey(c.key))).toEqual(expected);
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});

// --- model-based property test: nested overlays against a stack of plain maps --------------

type Op =
  | { t: 'set'; k: number; v: number }
  | { t: 'del'; k: number }
  | { t: 'checkpoint' }
  | { t: 'commit' }
  | { t: 'revert' };

const KEYS = 6;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('set' as const), k: fc.nat(KEYS - 1), v: fc.nat(255) }),
  fc.record({ t: fc.constant('del' as const), k: fc.nat(KEYS - 1) }),
  fc.constant({ t: 'checkpoint' as const }),
  fc.constant({ t: 'commit' as const }),
  fc.constant({ t: 'revert' as const }),
);

describe('StateOverlay (model)', () => {
  it('nested checkpoint / commit / revert behave like a stack of maps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(KEYS - 1), fc.nat(255)), { maxLength: KEYS }),
        fc.array(opArb, { maxLength: 60 }),
        (committed, ops) => {
          const baseMap = new Map<number, number>(committed);
          const reader = base([...baseMap].map(([k, v]) => [b(k), b(v)]));
          const root = new StateOverlay(reader);
          const stack: StateOverlay[] = [root];
          // Each model layer holds that overlay's own writes (null = deleted).
          const model: Array<Map<number, number | null>> = [new Map()];
          const modelGet = (k: number): number | null => {
            for (let i = model.length - 1; i >= 0; i--) if (model[i].has(k)) return model[i].get(k)!;
            return baseMap.get(k) ?? null;
          };
          for (const op of ops) {
            const top = stack[stack.length - 1];
            const mtop = model[model.length - 1];
            switch (op.t) {
              case 'set':
                top.set(b(op.k), b(op.v));
                mtop.set(op.k, op.v);
                break;
              case 'del':
                top.delete(b(op.k));
                mtop.set(op.k, null);
                break;
              case 'checkpoint':
                stack.push(top.child());
                model.push(new Map());
                break;
              case 'commit':
                if (stack.length === 1) break;
                stack.pop()!.mergeInto(stack[stack.length - 1]);
                for (const [k, v] of model.pop()!) model[model.length - 1].set(k, v);
                break;
              case 'revert':
                if (stack.length === 1) break;
                stack.pop();
                model.pop();
                break;
            }
            const cur = stack[stack.length - 1];
            for (let k = 0; k < KEYS; k++) {
              const got = cur.get(b(k));
              expect(got === null ? null : got[0]).toBe(modelGet(k));
            }
            expect(cur.size).toBe(model[model.length - 1].size);
          }
          // The outermost overlay's change set is exactly its model layer, in key order.
          const expected = [...model[0]].sort((x, y) => x[0] - y[0]).map(([k, v]) => [k, v]);
          expect(root.sortedChanges().map((c) => [c.key[0], c.value === null ? null : c.value[0]])).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('StateOverlay.watchWrites', () => {
  const EMPTY: StateReader = { get: () => null };
  const WATCHED = ['\x01\xaa'];
  const key = (...b: number[]) => Uint8Array.from(b);

  it('notes writes under a watched prefix in the chain, merged ones included, dropped ones not', () => {
    const root = new StateOverlay(EMPTY);
    root.set(key(1, 0xbb), key(1));
    root.watchWrites(WATCHED);
    const tx = root.child();
    const call = tx.child();
    expect(call.unwrittenUnder(WATCHED)).toBe(true);
    call.set(key(1, 0xbb, 5), key(2)); // not under the prefix
    expect(call.unwrittenUnder(WATCHED)).toBe(true);
    call.set(key(1, 0xaa, 5), key(3));
    expect(call.unwrittenUnder(WATCHED)).toBe(false);
    expect(tx.unwrittenUnder(WATCHED)).toBe(true);
    // Dropped: nothing reaches tx.
    const other = tx.child();
    other.delete(key(1, 0xaa, 6));
    expect(tx.unwrittenUnder(WATCHED)).toBe(true);
    call.mergeInto(tx);
    expect(tx.unwrittenUnder(WATCHED)).toBe(false);
    expect(root.unwrittenUnder(WATCHED)).toBe(true);
    tx.mergeInto(root);
    expect(root.unwrittenUnder(WATCHED)).toBe(false);
    expect(root.child().unwrittenUnder(WATCHED)).toBe(false);
  });

  it('counts writes made before the watch, and cannot vouch for overlays made before it', () => {
    const root = new StateOverlay(EMPTY);
    const early = root.child();
    root.set(key(1, 0xaa), key(1));
    root.watchWrites(WATCHED);
    expect(root.unwrittenUnder(WATCHED)).toBe(false);
    const fresh = new StateOverlay(EMPTY);
    const before = fresh.child();
    fresh.watchWrites(WATCHED);
    expect(fresh.unwrittenUnder(WATCHED)).toBe(true);
    expect(before.unwrittenUnder(WATCHED)).toBe(false);
    expect(fresh.child().unwrittenUnder(WATCHED)).toBe(true);
    expect(early.root()).toBe(root);
    // A child made before the watch still reports its watched writes when merged into a watching overlay.
    before.set(key(1, 0xaa, 1), key(1));
    before.mergeInto(fresh);
    expect(fresh.unwrittenUnder(WATCHED)).toBe(false);
  });
});
