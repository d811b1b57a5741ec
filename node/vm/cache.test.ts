import { describe, expect, it } from 'vitest';
import { wat } from '../../test/helpers/vm/wat.js';
import { DEFAULT_VM_LIMITS, ModuleCache, prepareContract } from './index.js';

const contract = (n: number) =>
  prepareContract(wat(`(module (memory (export "memory") 1) (func (export "call") (drop (i32.const ${n}))))`));

describe('ModuleCache', () => {
  it('counts hits and misses and returns the same compiled module on a hit', () => {
    const cache = new ModuleCache();
    const p = contract(1);
    const first = cache.module(p);
    expect(cache.module(p)).toBe(first);
    expect(cache.module(contract(1))).toBe(first); // same code, prepared again: same key
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, evictions: 0, entries: 1, bytes: p.code.length });
  });

  it('evicts the least recently used entry past maxEntries', () => {
    const cache = new ModuleCache({ maxEntries: 2, maxBytes: 1 << 30 });
    const [a, b, c] = [contract(1), contract(2), contract(3)];
    cache.module(a);
    cache.module(b);
    cache.module(a); // a is now the most recent
    cache.module(c); // evicts b
    expect(cache.lookup(a.codeHash, DEFAULT_VM_LIMITS)).toBe(a);
    expect(cache.lookup(b.codeHash, DEFAULT_VM_LIMITS)).toBeUndefined();
    expect(cache.lookup(c.codeHash, DEFAULT_VM_LIMITS)).toBe(c);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3, evictions: 1, entries: 2 });
  });

  it('evicts past maxBytes but always keeps the newest entry', () => {
    const a = contract(1);
    const cache = new ModuleCache({ maxEntries: 100, maxBytes: a.code.length + 1 });
    cache.module(a);
    cache.module(contract(2));
    expect(cache.stats()).toMatchObject({ entries: 1, evictions: 1 });
    const tiny = new ModuleCache({ maxEntries: 100, maxBytes: 1 });
    tiny.module(a);
    expect(tiny.stats().entries).toBe(1);
  });

  it('keys by schedule too: the same code under other limits is another module', () => {
    const code = wat(`(module (memory (export "memory") 1) (func (export "call")))`);
    const cache = new ModuleCache();
    const other = { ...DEFAULT_VM_LIMITS, maxStackBytes: 64 * 1024 };
    const a = prepareContract(code);
    const b = prepareContract(code, other);
    expect(cache.module(a)).not.toBe(cache.module(b));
    expect(cache.lookup(a.codeHash, other)).toBe(b);
    expect(cache.lookup(a.codeHash, DEFAULT_VM_LIMITS)).toBe(a);
  });

  it('keeps at most maxIdleInstances idle, giving up those of the least recently used modules first', () => {
    const cache = new ModuleCache({ maxIdleInstances: 2 });
    const [a, b, c] = [contract(1), contract(2), contract(3)];
    const held = [a, b, c].map((p) => cache.instance(p));
    for (const i of held) cache.release(i);
    expect(cache.stats().idle).toBe(2);
    cache.instance(a); // a's instance was dropped (least recently used): a new one
    expect(cache.stats().reused).toBe(0);
    cache.instance(c);
    expect(cache.stats()).toMatchObject({ reused: 1, idle: 1 });
  });

  it('drops the idle instances of an evicted module, and does not take back one made before', () => {
    const cache = new ModuleCache({ maxEntries: 1 });
    const a = contract(1);
    const first = cache.instance(a);
    cache.release(first);
    cache.instance(contract(2)); // evicts a
    expect(cache.stats().idle).toBe(0);
    const second = cache.instance(a);
    cache.release(first); // a's old entry: not kept
    cache.release(second);
    expect(cache.stats().idle).toBe(1);
  });
});
