/**
 * Splits a WebAssembly binary into the parts the deploy pipeline checks or rewrites.
 *
 * Why a hand-written reader rather than binaryen: metering must be injected into the
 * original stack-machine instruction stream at exact basic-block boundaries, and every
 * section we do not touch must come out byte for byte. Binaryen lifts code into its own
 * tree IR and re-emits the whole module (renumbering locals, restructuring blocks), which
 * would make the metered blocks depend on binaryen's optimiser version; it is also a
 * multi-megabyte dependency for a few hundred lines of format handling.
 *
 * The reader also enforces the value-type policy: only i32 and i64 may appear in
 * signatures, locals, globals and block types (no floats, no v128, no reference values).
 */
import { ContractRejectedError } from '../errors.js';
import { Reader } from './bytes.js';

export type ValType = 0x7f | 0x7e;
export const I32 = 0x7f;
export const I64 = 0x7e;
const FUNCREF = 0x70;

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
}

export interface Import {
  readonly module: string;
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global, 4 tag. */
  readonly kind: number;
  /** Type index, for function imports. */
  readonly typeIndex: number;
}

export interface Export {
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global. */
  readonly kind: number;
  readonly index: number;
}

/** A mutable global the module defines, with its initialiser (one `i32.const`/`i64.const`, without `end`). */
export interface MutableGlobal {
  readonly index: number;
  readonly init: Uint8Array;
}

export interface ParsedModule {
  readonly types: FuncType[];
  readonly imports: Import[];
  /** Type index of each function defined in this module (imports excluded). */
  readonly functions: number[];
  readonly tables: Limits[];
  readonly memories: Limits[];
  /** Number of globals defined, and the raw encoded entries (copied through unchanged). */
  readonly globalCount: number;
  readonly globalEntries: Uint8Array;
  readonly mutableGlobals: MutableGlobal[];
  /** Whether any data segment is passive (for memory.init; data.drop changes an instance for good). */
  readonly passiveData: boolean;
  readonly exports: Export[];
  readonly hasStart: boolean;
  /** Function bodies (locals + code, without the size prefix). */
  readonly bodies: Uint8Array[];
  /** Raw payload of every non-custom section, for those copied through unchanged. */
  readonly raw: ReadonlyMap<SectionId, Uint8Array>;
}

export const SectionId = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Function: 3,
  Table: 4,
  Memory: 5,
  Global: 6,
  Export: 7,
  Start: 8,
  Element: 9,
  Code: 10,
  Data: 11,
  DataCount: 12,
  Tag: 13,
} as const;
export type SectionId = (typeof SectionId)[keyof typeof SectionId];

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Checks a value type byte against the i32/i64-only policy; `where` names the place for the message. */
export function checkValType(b: number, where: string): ValType {
  switch (b) {
    case I32:
    case I64:
      return b;
    case 0x7d:
    case 0x7c:
      throw new ContractRejectedError('FLOAT', `${where} uses a floating-point type (${b === 0x7d ? 'f32' : 'f64'})`);
    case 0x7b:
      throw new ContractRejectedError('SIMD', `${where} uses the SIMD type v128`);
    case 0x70:
    case 0x6f:
      throw new ContractRejectedError(
        'UNSUPPORTED',
        `${where} uses a reference type; only i32 and i64 values are allowed`,
      );
    default:
      throw new ContractRejectedError('UNSUPPORTED', `${where} uses unknown value type 0x${b.toString(16)}`);
  }
}

function readLimits(r: Reader, what: string, memory: boolean): Limits {
  const flags = r.byte();
  if (memory && flags & 0x02) {
    throw new ContractRejectedError('THREADS', `${what} is shared; shared memory (threads) is not allowed`);
  }
  if (memory && flags & 0x04) throw new ContractRejectedError('UNSUPPORTED', `${what} is a 64-bit memory (memory64)`);
  if (flags > 0x01)
    throw new ContractRejectedError('UNSUPPORTED', `${what} has unsupported limits flags 0x${flags.toString(16)}`);
  const min = r.u32();
  const max = flags === 0x01 ? r.u32() : undefined;
  return { min, max };
}

/**
 * Reads a constant expression (global initialiser, segment offset): exactly one
 * `i32.const` or `i64.const` of the expected type, then `end`. Decided here, not by the
 * engine: engines disagree on what else a constant expression may hold (extended-const
 * arithmetic, `global.get` of a module's own globals are accepted by newer V8 and refused
 * by older), and which modules deploy must not depend on the node's Node.js version.
 * `global.get` could only name an imported global, and contracts import none.
 */
function readConstExpr(r: Reader, where: string, type?: ValType): void {
  const b = r.byte();
  if (b === 0x41 || b === 0x42) {
    if (type !== undefined && b !== (type === I32 ? 0x41 : 0x42)) {
      throw new ContractRejectedError('MALFORMED', `${where} has a constant of the wrong type`);
    }
    r.skipSigned(b === 0x41 ? 32 : 64);
  } else if (b === 0x43 || b === 0x44) {
    throw new ContractRejectedError('FLOAT', `${where} uses a floating-point constant`);
  } else {
    throw new ContractRejectedError(
      'UNSUPPORTED',
      `${where} uses instruction 0x${b.toString(16)}; a constant expression here is one i32.const or i64.const`,
    );
  }
  if (r.byte() !== 0x0b) {
    throw new ContractRejectedError(
      'UNSUPPORTED',
      `${where} has more than one instruction; a constant expression here is one i32.const or i64.const`,
    );
  }
}

/**
 * Element segments: active, for table 0, with a vector of function indices (forms 0 and 2).
 * Passive and declarative segments and expression-form elements only serve table and
 * reference instructions, which contracts may not use.
 */
function checkElementSection(s: Reader, functionCount: number): void {
  for (let n = s.u32(), i = 0; i < n; i++) {
    const where = `element segment ${i}`;
    const form = s.u32();
    if (form !== 0 && form !== 2) {
      throw new ContractRejectedError(
        'UNSUPPORTED',
        `${where} has form ${form}; only active segments of function indices are supported`,
      );
    }
    if (form === 2) {
      const table = s.u32();
      if (table !== 0) throw new ContractRejectedError('MALFORMED', `${where} names table ${table}`);
    }
    readConstExpr(s, `${where} offset`, I32);
    if (form === 2 && s.byte() !== 0x00) throw new ContractRejectedError('MALFORMED', `${where} has an unknown kind`);
    for (let k = s.u32(), j = 0; j < k; j++) {
      const f = s.u32();
      if (f >= functionCount) throw new ContractRejectedError('MALFORMED', `${where} names missing function ${f}`);
    }
  }
}

/** Data segments: active for memory 0 (forms 0 and 2) or passive (form 1, for memory.init). */
function checkDataSection(s: Reader): { count: number; passive: boolean } {
  const n = s.u32();
  let passive = false;
  for (let i = 0; i < n; i++) {
    const where = `data segment ${i}`;
    const form = s.u32();
    if (form === 2) {
      const memory = s.u32();
      if (memory !== 0) throw new ContractRejectedError('MALFORMED', `${where} names memory ${memory}`);
    } else if (form !== 0 && form !== 1) {
      throw new ContractRejectedError('MALFORMED', `${where} has unknown form ${form}`);
    }
    if (form === 1) passive = true;
    else readConstExpr(s, `${where} offset`, I32);
    s.take(s.u32());
  }
  return { count: n, passive };
}

export function parseModule(bytes: Uint8Array): ParsedModule {
  if (bytes.length < 8 || MAGIC_AND_VERSION.some((b, i) => bytes[i] !== b)) {
    throw new ContractRejectedError('MALFORMED', 'not a WebAssembly version-1 binary (bad magic or version)');
  }
  const r = new Reader(bytes, 8);
  const types: FuncType[] = [];
  const imports: Import[] = [];
  const functions: number[] = [];
  const tables: Limits[] = [];
  const memories: Limits[] = [];
  const exports: Export[] = [];
  const bodies: Uint8Array[] = [];
  const raw = new Map<SectionId, Uint8Array>();
  let globalCount = 0;
  let globalEntries: Uint8Array = new Uint8Array();
  const mutableGlobals: MutableGlobal[] = [];
  let hasStart = false;
  let dataSegments = 0;
  let passiveData = false;
  let dataCount: number | undefined;

  while (!r.atEnd) {
    const id = r.byte();
    const size = r.u32();
    const payload = r.take(size);
    if (id === SectionId.Custom) continue; // names, producers, debug info: no effect on execution
    if (raw.has(id as SectionId)) throw new ContractRejectedError('MALFORMED', `section ${id} appears twice`);
    raw.set(id as SectionId, payload);
    const s = new Reader(payload);
    switch (id) {
      case SectionId.Type:
        for (let n = s.u32(), i = 0; i < n; i++) {
          const form = s.byte();
          if (form !== 0x60)
            throw new ContractRejectedError(
              'UNSUPPORTED',
              `type ${i} is not a plain function type (form 0x${form.toString(16)})`,
            );
          const params = Array.from({ length: s.u32() }, () => checkValType(s.byte(), `type ${i} parameter`));
          const results = Array.from({ length: s.u32() }, () => checkValType(s.byte(), `type ${i} result`));
          types.push({ params, results });
        }
        break;
      case SectionId.Import:
        for (let n = s.u32(), i = 0; i < n; i++) {
          const module = s.name();
          const name = s.name();
          const kind = s.byte();
          if (kind !== 0) {
            const what = ['function', 'table', 'memory', 'global', 'tag'][kind] ?? `kind ${kind}`;
            const message = `import "${module}"."${name}" is a ${what}; only lingding host functions may be imported`;
            throw new ContractRejectedError('FORBIDDEN_IMPORT', message);
          }
          imports.push({ module, name, kind, typeIndex: s.u32() });
        }
        break;
      case SectionId.Function:
        for (let n = s.u32(), i = 0; i < n; i++) functions.push(s.u32());
        break;
      case SectionId.Table:
        for (let n = s.u32(), i = 0; i < n; i++) {
          const elem = s.byte();
          if (elem !== FUNCREF) throw new ContractRejectedError('TABLE_LIMIT', `table ${i} is not a funcref table`);
          tables.push(readLimits(s, `table ${i}`, false));
        }
        break;
      case SectionId.Memory:
        for (let n = s.u32(), i = 0; i < n; i++) memories.push(readLimits(s, `memory ${i}`, true));
        break;
      case SectionId.Global: {
        globalCount = s.u32();
        const start = s.pos;
        for (let i = 0; i < globalCount; i++) {
          const valType = checkValType(s.byte(), `global ${i}`);
          const mut = s.byte();
          if (mut > 1) s.fail(`global ${i} has bad mutability flag`);
          const init = s.pos;
          readConstExpr(s, `global ${i} initialiser`, valType);
          if (mut === 1) mutableGlobals.push({ index: i, init: payload.subarray(init, s.pos - 1) });
        }
        globalEntries = payload.subarray(start, s.pos);
        break;
      }
      case SectionId.Export:
        for (let n = s.u32(), i = 0; i < n; i++) exports.push({ name: s.name(), kind: s.byte(), index: s.u32() });
        break;
      case SectionId.Start:
        hasStart = true;
        s.u32();
        break;
      case SectionId.Code:
        for (let n = s.u32(), i = 0; i < n; i++) bodies.push(s.take(s.u32()));
        break;
      // Checked here in full, then copied through unchanged.
      case SectionId.Element:
        checkElementSection(s, imports.length + functions.length);
        break;
      case SectionId.Data:
        ({ count: dataSegments, passive: passiveData } = checkDataSection(s));
        break;
      case SectionId.DataCount:
        dataCount = s.u32();
        break;
      case SectionId.Tag:
        throw new ContractRejectedError('UNSUPPORTED', 'exception tags (exception handling) are not supported');
      default:
        throw new ContractRejectedError('MALFORMED', `unknown section id ${id}`);
    }
    if (!s.atEnd) throw new ContractRejectedError('MALFORMED', `section ${id} has ${s.end - s.pos} trailing bytes`);
  }
  if (dataCount !== undefined && dataCount !== dataSegments) {
    throw new ContractRejectedError(
      'MALFORMED',
      `the data count section says ${dataCount} segments, the data section has ${dataSegments}`,
    );
  }
  if (bodies.length !== functions.length) {
    throw new ContractRejectedError(
      'MALFORMED',
      `${functions.length} functions declared but ${bodies.length} bodies given`,
    );
  }
  for (const t of functions) {
    if (t >= types.length) throw new ContractRejectedError('MALFORMED', `function refers to missing type ${t}`);
  }
  for (const imp of imports) {
    if (imp.typeIndex >= types.length)
      throw new ContractRejectedError('MALFORMED', `import refers to missing type ${imp.typeIndex}`);
  }
  return {
    types,
    imports,
    functions,
    tables,
    memories,
    globalCount,
    globalEntries,
    mutableGlobals,
    passiveData,
    exports,
    hasStart,
    bodies,
    raw,
  };
}
