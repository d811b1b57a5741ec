/**
 * Compiled-module cache. Compiling is the expensive step of running a contract (V8
 * decodes and compiles the whole module); instantiating a compiled module is cheap. So
 * compiled modules are kept, least recently used first out, bounded both by entry count
 * and by the total size of the instrumented code (a proxy for compiled-code memory).
 *
 * Keyed by code hash (keccak-256 of the deployed bytes) plus schedule id: the same code
 * prepared under other limits or another gas schedule is a different module.
 *
 * Each entry also keeps idle instances (instance.ts): a run takes one, restored to its
 * just-instantiated state, instead of instantiating again, and gives it back when it ends
 * normally. A run in progress holds its instance, so a contract that (indirectly) calls
 * itself gets a second one. Idle instances are few (each holds a linear memory, for which
 * V8 reserves gigabytes of address space with guard regions): at most `maxIdleInstances`
 * over the whole cache, those of the least recently used modules given up first.
 */
import { hexKey } from '../codec/index.js';
import { engine, type WasmModule } from './wasm/engine.js';
import { ContractInstance } from './instance.js';
import { scheduleId, type VmLimits } from './limits.js';
import type { PreparedContract } from './prepare.js';

export interface ModuleCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Idle instances kept for reuse, over all modules. */
  readonly maxIdleInstances: number;
}

export interface ModuleCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly entries: number;
  readonly bytes: number;
  /** Runs that took an idle instance rather than instantiating. */
  readonly reused: number;
  readonly idle: number;
}

interface Entry {
  readonly prepared: PreparedContract;
  readonly module: WasmModule;
  /** Linear memory of a new instance, once one was made; absent when instances are not reused. */
  snapshot?: Uint8Array;
  readonly idle: ContractInstance[];
}

export const DEFAULT_MODULE_CACHE_OPTIONS: ModuleCacheOptions = {
  maxEntries: 256,
  maxBytes: 64 * 1024 * 1024,
  maxIdleInstances: 32,
};

/**
 * Restoring copies the whole initial memory; past this many pages a new instance (whose
 * memory the OS zeroes lazily) is the cheaper start.
 */
export const MAX_REUSED_MEMORY_PAGES = 16;

const keyOf = (codeHash: Uint8Array, schedule: string) => `${hexKey(codeHash)}@${schedule}`;

/** Each prepared contract's key, made once: a call looks its entry up and gives its instance back. */
const preparedKeys = new WeakMap<PreparedContract, string>();
function keyOfPrepared(prepared: PreparedContract): string {
  let key = preparedKeys.get(prepared);
  if (key === undefined) {
    key = keyOf(prepared.codeHash, prepared.scheduleId);
    preparedKeys.set(prepared, key);
  }
  return key;
}

export class ModuleCache {
  // A Map iterates in insertion order; re-inserting on every hit keeps it in LRU order.
  private readonly entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private bytes = 0;
  private reused = 0;
  private idleCount = 0;
  /** Where each instance made here goes back to. */
  private readonly homes = new WeakMap<ContractInstance, Entry>();

  private readonly options: ModuleCacheOptions;

  constructor(options: Partial<ModuleCacheOptions> = {}) {
    this.options = { ...DEFAULT_MODULE_CACHE_OPTIONS, ...options };
  }

  /** The compiled module for `prepared`, compiling (and caching) it on a miss. */
  module(prepared: PreparedContract): WasmModule {
    return this.entry(prepared).module;
  }

  /**
   * An instance of `prepared` in its just-instantiated state: an idle one restored, or a
   * new one. Throws what instantiation throws. Give it back with `release` if the run ends
   * normally; an instance not given back is simply dropped.
   */
  instance(prepared: PreparedContract): ContractInstance {
    const entry = this.entry(prepared);
    const idle = entry.idle.pop();
    if (idle) {
      this.idleCount--;
      this.reused++;
      idle.restore(entry.snapshot!);
      return idle;
    }
    const created = new ContractInstance(entry.module);
    if (entry.snapshot === undefined && prepared.reusable && prepared.memoryPages <= MAX_REUSED_MEMORY_PAGES) {
      entry.snapshot = created.snapshot();
    }
    this.homes.set(created, entry);
    return created;
  }

  /** Keeps `instance` for a later run, unless it cannot be restored or its module was evicted. */
  release(instance: ContractInstance): void {
    const entry = this.homes.get(instance);
    if (!entry?.snapshot || !instance.fits(entry.snapshot)) return;
    if (this.entries.get(keyOfPrepared(entry.prepared)) !== entry) return;
    entry.idle.push(instance);
    this.idleCount++;
    this.trimIdle(entry);
  }

  /**
   * The prepared form of already-cached code, so the executor can skip re-instrumenting
   * code it loads from state by hash. Does not count as a hit or miss.
   */
  lookup(codeHash: Uint8Array, limits: VmLimits): PreparedContract | undefined {
    return this.entries.get(keyOf(codeHash, scheduleId(limits)))?.prepared;
  }

  stats(): ModuleCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      entries: this.entries.size,
      bytes: this.bytes,
      reused: this.reused,
      idle: this.idleCount,
    };
  }

  private entry(prepared: PreparedContract): Entry {
    const key = keyOfPrepared(prepared);
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const entry: Entry = { prepared, module: new engine.Module(prepared.code), idle: [] };
    this.entries.set(key, entry);
    this.bytes += prepared.code.length;
    this.evict();
    return entry;
  }

  /** Drops idle instances of the least recently used modules, `keep`'s last, down to the cap. */
  private trimIdle(keep: Entry): void {
    for (const entry of this.entries.values()) {
      if (this.idleCount <= this.options.maxIdleInstances) return;
      if (entry === keep) continue;
      this.idleCount -= entry.idle.length;
      entry.idle.length = 0;
    }
    while (this.idleCount > this.options.maxIdleInstances && keep.idle.length > 0) {
      keep.idle.pop();
      this.idleCount--;
    }
  }

  private evict(): void {
    // Never evict the entry just added, even if it alone exceeds maxBytes.
    while (
      this.entries.size > 1 &&
      (this.entries.size > this.options.maxEntries || this.bytes > this.options.maxBytes)
    ) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= entry.prepared.code.length;
      this.idleCount -= entry.idle.length;
      entry.idle.length = 0;
      this.evictions++;
    }
  }
}
