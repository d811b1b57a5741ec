/**
 * Typed access to V8's WebAssembly API. The project compiles against lib ES2023 without
 * DOM, where TypeScript has no WebAssembly declarations; rather than pulling the DOM
 * library (or a global declaration) into every module of the node, the VM declares the
 * small surface it uses here.
 */
export interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}

export interface WasmGlobal {
  value: number | bigint;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
  /** Thrown by traps (and by instantiation when a segment is out of bounds). */
  readonly RuntimeError: new () => Error;
}

export const engine: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
