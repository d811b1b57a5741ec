/**
 * Compiled-module cache. Compiling is the expensive step of running a contract (V8
 * decodes and compiles the whole module); instantiating a compiled module is cheap. So
 * compiled modules are kept, least recently used first out, bounded both by entry count
 * and by the total size of the instrumented code (a proxy for compiled-code memory).
 *
 * Keyed by code hash (keccak-256 of the deployed bytes) plus schedule id: the same code
 * prepared under other limits or another gas schedule is a different module.
 */
import { hexKey } from '../codec/index.js';
import { engine, type WasmModule } from './wasm/engine.js';
import { scheduleId, type VmLimits } from './limits.js';
import type { PreparedContract } from './prepare.js';

export interface ModuleCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface ModuleCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly entries: number;
  readonly bytes: number;
}

interface Entry {
  readonly prepared: PreparedContract;
  readonly module: WasmModule;
}

export const DEFAULT_MODULE_CACHE_OPTIONS: ModuleCacheOptions = { maxEntries: 256, maxBytes: 64 * 1024 * 1024 };

const keyOf = (codeHash: Uint8Array, schedule: string) => `${hexKey(codeHash)}@${schedule}`;

export class ModuleCache {
  // A Map iterates in insertion order; re-inserting on every hit keeps it in LRU order.
  private readonly entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private bytes = 0;

  constructor(private readonly options: ModuleCacheOptions = DEFAULT_MODULE_CACHE_OPTIONS) {}

  /** The compiled module for `prepared`, compiling (and caching) it on a miss. */
  module(prepared: PreparedContract): WasmModule {
    const key = keyOf(prepared.codeHash, prepared.scheduleId);
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.module;
    }
    this.misses++;
    const module = new engine.Module(prepared.code);
    this.entries.set(key, { prepared, module });
    this.bytes += prepared.code.length;
    this.evict();
    return module;
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
    };
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
      this.evictions++;
    }
  }
}
