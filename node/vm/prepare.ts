/**
 * Deploy-time pipeline: check a module against the VM's rules and rewrite it into the
 * metered, stack-bounded module that actually runs.
 *
 * Order of checks: size, structure and feature policy (our own reader, so the message
 * names the rule that was broken), imports/exports/memory/tables, per-function
 * instruction allow-list, then V8's validator on the original bytes (type checking), and
 * finally V8's validator on the output as a guard against instrumenter bugs.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ContractRejectedError, VmInternalCode, VmInternalError } from './errors.js';
import { HOST_FUNCTIONS, HOST_MODULE } from './host-api.js';
import { DEFAULT_VM_LIMITS, maxLocals, scheduleId, type VmLimits } from './limits.js';
import { Writer } from './wasm/bytes.js';
import { engine } from './wasm/engine.js';
import { analyzeFunction, instrumentFunction, type InlineCharge, type ModuleContext } from './wasm/instrument.js';
import { parseModule, SectionId, type FuncType, type Limits, type ParsedModule } from './wasm/module.js';

/** Exports the instrumented module adds; contracts may not use the prefix. */
export const GAS_EXPORT = '__lingding_gas';
export const STACK_EXPORT = '__lingding_stack';
/** An added, unmetered function that sets the contract's mutable globals back to their initialisers. */
export const RESET_EXPORT = '__lingding_reset';
const RESERVED_PREFIX = '__lingding';

export type EntryPoint = 'call' | 'deploy';

export interface PreparedContract {
  /**
   * keccak-256 of the code as deployed, not of the instrumented output: the hash a
   * developer can reproduce from their build and the chain records for the account. The
   * instrumented bytes are a pure function of (code, schedule), named by `scheduleId`, so
   * a new gas schedule re-instruments stored code without changing any code hash.
   */
  readonly codeHash: Uint8Array;
  /** The instrumented module. */
  readonly code: Uint8Array;
  /** Which instrumentation produced `code` (see limits.ts). */
  readonly scheduleId: string;
  readonly limits: VmLimits;
  /** Whether the contract has a `deploy` constructor. */
  readonly hasDeploy: boolean;
  /** Whether the contract exports `_initialize`, run before the entry point of every run. */
  readonly hasInitialize: boolean;
  /** Initial linear-memory pages, charged at instantiation. */
  readonly memoryPages: number;
  /**
   * Whether an instance can be put back in its just-instantiated state between runs: its
   * memory restored and RESET_EXPORT called. Not when a data segment is passive, since
   * `data.drop` changes an instance for good. (Tables cannot change: table instructions are
   * refused.)
   */
  readonly reusable: boolean;
}

const KIND_NAMES = ['function', 'table', 'memory', 'global'];

export function prepareContract(wasm: Uint8Array, limits: VmLimits = DEFAULT_VM_LIMITS): PreparedContract {
  if (wasm.length > limits.maxCodeBytes) {
    throw new ContractRejectedError('TOO_LARGE', `module is ${wasm.length} bytes; the limit is ${limits.maxCodeBytes}`);
  }
  const m = parseModule(wasm);
  if (m.hasStart) {
    throw new ContractRejectedError(
      'START_FUNCTION',
      'a start function is not allowed; export it as `_initialize` instead',
    );
  }
  checkImports(m);
  const memoryPages = checkMemory(m, limits);
  checkTables(m, limits);
  const { hasDeploy, hasInitialize } = checkExports(m);
  const functionCount = m.imports.length + m.functions.length;
  if (functionCount > limits.maxFunctions) {
    throw new ContractRejectedError(
      'LIMIT',
      `module has ${functionCount} functions; the limit is ${limits.maxFunctions}`,
    );
  }
  if (m.globalCount > limits.maxGlobals) {
    throw new ContractRejectedError('LIMIT', `module has ${m.globalCount} globals; the limit is ${limits.maxGlobals}`);
  }

  const extraTypes: FuncType[] = [];
  const ctx: ModuleContext = {
    types: m.types,
    funcTypes: [...m.imports.map((i) => m.types[i.typeIndex]), ...m.functions.map((t) => m.types[t])],
    gasGlobal: m.globalCount,
    stackGlobal: m.globalCount + 1,
    stackLimit: limits.maxStackBytes,
    maxLocals: maxLocals(limits),
    maxFrameBytes: limits.maxFrameBytes,
    wrapperBlockType: wrapperBlockTypes(m.types, extraTypes),
  };
  const analyzed = m.bodies.map((body, i) => analyzeFunction(body, m.types[m.functions[i]], ctx, m.imports.length + i));

  // Straight-line leaves that something calls directly get an unmetered copy, appended
  // after every existing function so no index changes (see wasm/instrument.ts).
  const called = new Set(analyzed.flatMap((f) => f.instrs.filter((i) => i.info.kind === 'call').map((i) => i.callee)));
  const copies = new Map<number, InlineCharge>();
  const copyOf: number[] = [];
  for (const f of analyzed) {
    if (f.straightLineCost === undefined || !called.has(f.index)) continue;
    copies.set(f.index, { copy: functionCount + copyOf.length, cost: f.straightLineCost });
    copyOf.push(f.index - m.imports.length);
  }
  const bodies = [
    ...analyzed.map((f) => instrumentFunction(f, ctx, (callee) => copies.get(callee))),
    ...copyOf.map((i) => m.bodies[i]),
    resetBody(m),
  ];
  const functions = [...m.functions, ...copyOf.map((i) => m.functions[i]), emptyFunctionType(m.types, extraTypes)];
  const resetIndex = m.imports.length + functions.length - 1;

  if (!engine.validate(wasm)) {
    throw new ContractRejectedError('INVALID', 'module fails WebAssembly validation (type or structure error)');
  }
  const code = assemble(m, limits, [...m.types, ...extraTypes], functions, bodies, resetIndex);
  if (!engine.validate(code)) {
    throw new VmInternalError(
      'instrumented module fails validation; this is a VM bug',
      undefined,
      VmInternalCode.PreparedModuleFailed,
    );
  }
  return {
    codeHash: keccak_256(wasm),
    code,
    scheduleId: scheduleId(limits),
    limits,
    hasDeploy,
    hasInitialize,
    memoryPages,
    reusable: !m.passiveData,
  };
}

/** RESET_EXPORT's body: no locals, `<initialiser> global.set i` for each mutable global. */
function resetBody(m: ParsedModule): Uint8Array {
  const w = new Writer().u32(0);
  for (const g of m.mutableGlobals) w.bytes(g.init).byte(0x24).u32(g.index);
  return w.byte(0x0b).finish();
}

/** Index of a `[] -> []` function type, appended to `extra` if the module has none. */
function emptyFunctionType(types: readonly FuncType[], extra: FuncType[]): number {
  const all = [...types, ...extra];
  const found = all.findIndex((t) => t.params.length === 0 && t.results.length === 0);
  if (found >= 0) return found;
  extra.push({ params: [], results: [] });
  return all.length;
}

const sameTypes = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((t, i) => t === b[i]);

function formatType(t: FuncType): string {
  const name = (v: number) => (v === 0x7f ? 'i32' : 'i64');
  return `(${t.params.map(name).join(', ')}) -> (${t.results.map(name).join(', ')})`;
}

function checkImports(m: ParsedModule): void {
  for (const imp of m.imports) {
    const label = `import "${imp.module}"."${imp.name}"`;
    if (imp.module !== HOST_MODULE) {
      throw new ContractRejectedError(
        'FORBIDDEN_IMPORT',
        `${label}: only the "${HOST_MODULE}" host module may be imported`,
      );
    }
    const want = (HOST_FUNCTIONS as Record<string, FuncType>)[imp.name];
    if (!Object.hasOwn(HOST_FUNCTIONS, imp.name) || !want) {
      throw new ContractRejectedError(
        'FORBIDDEN_IMPORT',
        `${label}: "${imp.name}" is not a ${HOST_MODULE} v1 host function`,
      );
    }
    const got = m.types[imp.typeIndex];
    if (!sameTypes(got.params, want.params) || !sameTypes(got.results, want.results)) {
      throw new ContractRejectedError(
        'FORBIDDEN_IMPORT',
        `${label} has type ${formatType(got)}; ${HOST_MODULE} v1 defines ${formatType(want)}`,
      );
    }
  }
}

function checkMemory(m: ParsedModule, limits: VmLimits): number {
  if (m.memories.length === 0) {
    throw new ContractRejectedError(
      'MEMORY_LIMIT',
      'module defines no memory; a contract must define and export one memory named "memory"',
    );
  }
  if (m.memories.length > 1)
    throw new ContractRejectedError('UNSUPPORTED', 'module defines more than one memory (multi-memory)');
  const { min, max } = m.memories[0];
  const cap = limits.maxMemoryPages;
  const mib = (pages: number) => `${(pages * 65536) / (1024 * 1024)} MiB`;
  if (min > cap) {
    throw new ContractRejectedError(
      'MEMORY_LIMIT',
      `memory asks for ${min} initial pages (${mib(min)}); the cap is ${cap} pages (${mib(cap)})`,
    );
  }
  if (max !== undefined && max > cap) {
    throw new ContractRejectedError(
      'MEMORY_LIMIT',
      `memory declares a maximum of ${max} pages (${mib(max)}); the cap is ${cap} pages (${mib(cap)})`,
    );
  }
  return min;
}

function checkTables(m: ParsedModule, limits: VmLimits): void {
  if (m.tables.length > 1) throw new ContractRejectedError('TABLE_LIMIT', 'module defines more than one table');
  const t = m.tables[0];
  if (!t) return;
  const cap = limits.maxTableElements;
  if (t.min > cap)
    throw new ContractRejectedError('TABLE_LIMIT', `table asks for ${t.min} initial elements; the cap is ${cap}`);
  if (t.max !== undefined && t.max > cap) {
    throw new ContractRejectedError('TABLE_LIMIT', `table declares a maximum of ${t.max} elements; the cap is ${cap}`);
  }
}

/** Optional exports the runner calls: `deploy` (constructor) and `_initialize` (see below). */
interface OptionalEntries {
  readonly hasDeploy: boolean;
  readonly hasInitialize: boolean;
}

/**
 * `_initialize` is the WASI-reactor name for a module's own initialisation (what a start
 * function would do, e.g. AssemblyScript's `--exportStart _initialize`); the runner calls
 * it, metered, before the entry point of every run.
 */
const FUNCTION_EXPORTS = ['call', 'deploy', '_initialize'];

/** Checks the entry-point ABI. */
function checkExports(m: ParsedModule): OptionalEntries {
  const found = new Set<string>();
  for (const e of m.exports) {
    if (e.name.startsWith(RESERVED_PREFIX)) {
      throw new ContractRejectedError('BAD_EXPORT', `export "${e.name}" uses the reserved prefix "${RESERVED_PREFIX}"`);
    }
    if (FUNCTION_EXPORTS.includes(e.name)) {
      if (e.kind !== 0) {
        const kind = KIND_NAMES[e.kind] ?? `kind ${e.kind}`;
        throw new ContractRejectedError('BAD_EXPORT', `export "${e.name}" must be a function, not a ${kind}`);
      }
      const defined = e.index - m.imports.length;
      const typeIndex = m.functions[defined];
      if (defined < 0 || typeIndex === undefined) {
        throw new ContractRejectedError('BAD_EXPORT', `export "${e.name}" must be a function defined by the module`);
      }
      const t = m.types[typeIndex];
      if (t.params.length !== 0 || t.results.length !== 0) {
        throw new ContractRejectedError(
          'BAD_EXPORT',
          `export "${e.name}" has type ${formatType(t)}; entry points take and return nothing`,
        );
      }
    }
    if (e.name === 'memory' && e.kind !== 2)
      throw new ContractRejectedError('BAD_EXPORT', 'export "memory" must be the module\'s memory');
    found.add(e.name);
  }
  if (!found.has('call'))
    throw new ContractRejectedError('BAD_EXPORT', 'missing export "call" (the entry point of every contract call)');
  if (!found.has('memory'))
    throw new ContractRejectedError(
      'BAD_EXPORT',
      'missing export "memory" (the host reads inputs and outputs through it)',
    );
  return { hasDeploy: found.has('deploy'), hasInitialize: found.has('_initialize') };
}

/**
 * Block types for wrapper blocks (see wasm/instrument.ts): empty, a single value type, or
 * for multi-value results a `[] -> results` type, reused if the module has one and
 * appended otherwise. Memoised, since a module may have thousands of functions and types.
 */
function wrapperBlockTypes(types: readonly FuncType[], extra: FuncType[]): (results: readonly number[]) => number {
  const known = new Map<string, number>();
  types.forEach((t, i) => {
    const key = t.results.join(',');
    if (t.params.length === 0 && !known.has(key)) known.set(key, i);
  });
  return (results) => {
    if (results.length === 0) return -64; // 0x40 as s33: empty
    if (results.length === 1) return results[0] - 0x80; // a value type byte as s33
    const key = results.join(',');
    let index = known.get(key);
    if (index === undefined) {
      index = types.length + extra.length;
      extra.push({ params: [], results: results as FuncType['results'] });
      known.set(key, index);
    }
    return index;
  };
}

function encodeLimits(w: Writer, l: Limits, cap: number): void {
  w.byte(0x01)
    .u32(l.min)
    .u32(l.max ?? cap);
}

function assemble(
  m: ParsedModule,
  limits: VmLimits,
  types: readonly FuncType[],
  functions: readonly number[],
  bodies: readonly Uint8Array[],
  resetIndex: number,
): Uint8Array {
  const sections = new Map<SectionId, Uint8Array>(m.raw);

  const t = new Writer().u32(types.length);
  for (const ft of types) {
    t.byte(0x60).u32(ft.params.length).bytes(Uint8Array.from(ft.params));
    t.u32(ft.results.length).bytes(Uint8Array.from(ft.results));
  }
  sections.set(SectionId.Type, t.finish());

  const fn = new Writer().u32(functions.length);
  for (const t of functions) fn.u32(t);
  sections.set(SectionId.Function, fn.finish());

  // Memory and table get an explicit maximum (the cap when none was declared).
  const mem = new Writer().u32(1);
  encodeLimits(mem, m.memories[0], limits.maxMemoryPages);
  sections.set(SectionId.Memory, mem.finish());
  if (m.tables.length === 1) {
    const tab = new Writer().u32(1).byte(0x70);
    encodeLimits(tab, m.tables[0], limits.maxTableElements);
    sections.set(SectionId.Table, tab.finish());
  }

  // Two globals: the gas counter (i64, mut, 0) and the stack counter (i32, mut, 0).
  const g = new Writer().u32(m.globalCount + 2).bytes(m.globalEntries);
  g.bytes(Uint8Array.of(0x7e, 0x01, 0x42, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x00, 0x0b));
  sections.set(SectionId.Global, g.finish());

  const x = new Writer().u32(m.exports.length + 3);
  for (const e of m.exports) x.name(e.name).byte(e.kind).u32(e.index);
  x.name(GAS_EXPORT).byte(3).u32(m.globalCount);
  x.name(STACK_EXPORT)
    .byte(3)
    .u32(m.globalCount + 1);
  x.name(RESET_EXPORT).byte(0).u32(resetIndex);
  sections.set(SectionId.Export, x.finish());

  const c = new Writer().u32(bodies.length);
  for (const b of bodies) c.u32(b.length).bytes(b);
  sections.set(SectionId.Code, c.finish());

  const out = new Writer().bytes(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
  const order = [
    SectionId.Type,
    SectionId.Import,
    SectionId.Function,
    SectionId.Table,
    SectionId.Memory,
    SectionId.Global,
    SectionId.Export,
    SectionId.Element,
    SectionId.DataCount,
    SectionId.Code,
    SectionId.Data,
  ];
  for (const id of order) {
    const payload = sections.get(id);
    if (payload) out.byte(id).u32(payload.length).bytes(payload);
  }
  return out.finish();
}
