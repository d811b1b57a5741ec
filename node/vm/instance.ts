/**
 * One instance of a prepared contract and the handles a run needs. Instantiating is most
 * of what a short call costs (V8 reserves and maps a new linear memory every time), so
 * the module cache keeps idle instances and puts them back in their just-instantiated
 * state for the next run: memory restored from a snapshot taken right after
 * instantiation, the contract's mutable globals reset by the injected RESET_EXPORT. That
 * is the whole state of an instance: tables cannot change (table instructions are
 * refused), and a module with passive data segments is never reused (`reusable`).
 */
import { HOST_MODULE } from './host-api.js';
import { HostBinding } from './host.js';
import { GAS_EXPORT, RESET_EXPORT, STACK_EXPORT, type EntryPoint } from './prepare.js';
import { engine, type WasmGlobal, type WasmInstance, type WasmMemory, type WasmModule } from './wasm/engine.js';

export class ContractInstance {
  readonly binding = new HostBinding();
  readonly gas: WasmGlobal;
  readonly stack: WasmGlobal;
  private readonly exports: WasmInstance['exports'];
  private readonly memory: WasmMemory;

  /** Throws what `WebAssembly.Instance` throws (a RuntimeError when a segment does not fit). */
  constructor(readonly module: WasmModule) {
    this.exports = new engine.Instance(module, { [HOST_MODULE]: this.binding.imports }).exports;
    this.memory = this.exports.memory as WasmMemory;
    this.gas = this.exports[GAS_EXPORT] as WasmGlobal;
    this.stack = this.exports[STACK_EXPORT] as WasmGlobal;
    this.binding.attach(this.memory, this.gas);
  }

  /** An exported entry point; only `deploy` and `_initialize` may be missing. */
  entry(name: EntryPoint | '_initialize'): (() => void) | undefined {
    return this.exports[name] as (() => void) | undefined;
  }

  /** A copy of linear memory: taken from a new instance, it is every instance's starting memory. */
  snapshot(): Uint8Array {
    return new Uint8Array(this.memory.buffer).slice();
  }

  /** Whether linear memory still has the size of `snapshot` (memory.grow cannot be undone). */
  fits(snapshot: Uint8Array): boolean {
    return this.memory.buffer.byteLength === snapshot.length;
  }

  /** Puts the instance back in its just-instantiated state; `fits(snapshot)` must hold. */
  restore(snapshot: Uint8Array): void {
    new Uint8Array(this.memory.buffer).set(snapshot);
    (this.exports[RESET_EXPORT] as () => void)();
  }
}
