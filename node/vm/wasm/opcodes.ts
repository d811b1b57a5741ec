/**
 * The instruction set the VM accepts, with each opcode's immediates, operand-stack effect
 * (for the frame-size estimate) and gas class. It is an allow-list: an opcode missing here
 * is refused, so a new WebAssembly proposal can never slip through unmetered. Refused
 * families get a specific reason so a developer knows which compiler flag to change.
 */
import type { RejectCode } from '../errors.js';
import { InstructionCost as C } from '../gas.js';

/** What follows the opcode byte(s). */
export type Imm =
  | 'none'
  | 'blocktype'
  | 'label'
  | 'br_table'
  | 'funcidx'
  | 'call_indirect'
  | 'localidx'
  | 'globalidx'
  | 'memarg'
  | 'memidx'
  | 'i32'
  | 'i64'
  | 'select_t'
  | 'dataidx'
  | 'memory_init'
  | 'memory_copy';

/** Instructions whose handling goes beyond "pop, push, cost". */
export type Kind =
  | 'plain'
  | 'block'
  | 'loop'
  | 'if'
  | 'else'
  | 'end'
  | 'br'
  | 'br_if'
  | 'br_table'
  | 'return'
  | 'unreachable'
  | 'call'
  | 'call_indirect'
  | 'memory_grow'
  /** memory.copy / memory.fill / memory.init: the byte count is the top operand. */
  | 'bulk';

export interface OpInfo {
  readonly name: string;
  readonly imm: Imm;
  readonly kind: Kind;
  /** Operands popped and results pushed (ignored for calls and control, which depend on types). */
  readonly pop: number;
  readonly push: number;
  readonly cost: number;
}

export interface Refusal {
  readonly refuse: RejectCode;
  readonly why: string;
}

export type OpEntry = OpInfo | Refusal;

const op = (name: string, imm: Imm, pop: number, push: number, cost: number, kind: Kind = 'plain'): OpInfo => ({
  name,
  imm,
  kind,
  pop,
  push,
  cost,
});

const FLOAT: Refusal = { refuse: 'FLOAT', why: 'floating-point instructions are not allowed' };

/** Single-byte opcodes. */
export const OPCODES: ReadonlyMap<number, OpEntry> = (() => {
  const m = new Map<number, OpEntry>();
  const set = (code: number, e: OpEntry) => m.set(code, e);
  const range = (from: number, to: number, f: (code: number) => OpEntry) => {
    for (let c = from; c <= to; c++) set(c, f(c));
  };

  set(0x00, op('unreachable', 'none', 0, 0, C.unreachable, 'unreachable'));
  set(0x01, op('nop', 'none', 0, 0, C.structural));
  set(0x02, op('block', 'blocktype', 0, 0, C.structural, 'block'));
  set(0x03, op('loop', 'blocktype', 0, 0, C.structural, 'loop'));
  set(0x04, op('if', 'blocktype', 1, 0, C.branch, 'if'));
  set(0x05, op('else', 'none', 0, 0, C.structural, 'else'));
  const eh: Refusal = { refuse: 'UNSUPPORTED', why: 'exception handling is not supported' };
  for (const c of [0x06, 0x07, 0x08, 0x09, 0x0a, 0x18, 0x19, 0x1f]) set(c, eh);
  set(0x0b, op('end', 'none', 0, 0, C.structural, 'end'));
  set(0x0c, op('br', 'label', 0, 0, C.branch, 'br'));
  set(0x0d, op('br_if', 'label', 1, 0, C.branch, 'br_if'));
  set(0x0e, op('br_table', 'br_table', 1, 0, C.br_table, 'br_table'));
  set(0x0f, op('return', 'none', 0, 0, C.branch, 'return'));
  set(0x10, op('call', 'funcidx', 0, 0, C.call, 'call'));
  set(0x11, op('call_indirect', 'call_indirect', 0, 0, C.call_indirect, 'call_indirect'));
  const tail: Refusal = { refuse: 'UNSUPPORTED', why: 'tail calls are not supported' };
  set(0x12, tail);
  set(0x13, tail);
  const refs: Refusal = {
    refuse: 'UNSUPPORTED',
    why: 'reference-type and typed-reference instructions are not supported',
  };
  for (const c of [0x14, 0x15, 0x25, 0x26, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6]) set(c, refs);

  set(0x1a, op('drop', 'none', 1, 0, C.simple));
  set(0x1b, op('select', 'none', 3, 1, C.simple));
  set(0x1c, op('select', 'select_t', 3, 1, C.simple));
  set(0x20, op('local.get', 'localidx', 0, 1, C.simple));
  set(0x21, op('local.set', 'localidx', 1, 0, C.simple));
  set(0x22, op('local.tee', 'localidx', 1, 1, C.simple));
  set(0x23, op('global.get', 'globalidx', 0, 1, C.simple));
  set(0x24, op('global.set', 'globalidx', 1, 0, C.simple));

  // Loads 0x28..0x35 and stores 0x36..0x3e; the f32/f64 ones are refused.
  range(0x28, 0x35, (c) => (c === 0x2a || c === 0x2b ? FLOAT : op('load', 'memarg', 1, 1, C.load)));
  range(0x36, 0x3e, (c) => (c === 0x38 || c === 0x39 ? FLOAT : op('store', 'memarg', 2, 0, C.store)));
  set(0x3f, op('memory.size', 'memidx', 0, 1, C.memory_size));
  set(0x40, op('memory.grow', 'memidx', 1, 1, C.memory_grow, 'memory_grow'));
  set(0x41, op('i32.const', 'i32', 0, 1, C.simple));
  set(0x42, op('i64.const', 'i64', 0, 1, C.simple));
  set(0x43, FLOAT);
  set(0x44, FLOAT);

  set(0x45, op('i32.eqz', 'none', 1, 1, C.simple));
  range(0x46, 0x4f, () => op('i32.compare', 'none', 2, 1, C.simple));
  set(0x50, op('i64.eqz', 'none', 1, 1, C.simple));
  range(0x51, 0x5a, () => op('i64.compare', 'none', 2, 1, C.simple));
  range(0x5b, 0x66, () => FLOAT);

  const binary = (c: number, mul: number, divFrom: number, divTo: number) =>
    c === mul
      ? op('mul', 'none', 2, 1, C.mul)
      : c >= divFrom && c <= divTo
        ? op('div', 'none', 2, 1, C.div)
        : op('binary', 'none', 2, 1, C.simple);
  range(0x67, 0x69, () => op('i32.unary', 'none', 1, 1, C.simple));
  range(0x6a, 0x78, (c) => binary(c, 0x6c, 0x6d, 0x70));
  range(0x79, 0x7b, () => op('i64.unary', 'none', 1, 1, C.simple));
  range(0x7c, 0x8a, (c) => binary(c, 0x7e, 0x7f, 0x82));
  range(0x8b, 0xa6, () => FLOAT);

  set(0xa7, op('i32.wrap_i64', 'none', 1, 1, C.simple));
  range(0xa8, 0xab, () => FLOAT);
  set(0xac, op('i64.extend_i32_s', 'none', 1, 1, C.simple));
  set(0xad, op('i64.extend_i32_u', 'none', 1, 1, C.simple));
  range(0xae, 0xbf, () => FLOAT);
  range(0xc0, 0xc4, () => op('sign_extend', 'none', 1, 1, C.simple));

  set(0xfb, { refuse: 'UNSUPPORTED', why: 'garbage-collection instructions are not supported' });
  set(0xfd, { refuse: 'SIMD', why: 'SIMD (v128) instructions are not allowed' });
  set(0xfe, { refuse: 'THREADS', why: 'atomic (threads) instructions are not allowed' });
  return m;
})();

/** 0xFC-prefixed opcodes, keyed by the LEB128 sub-opcode. */
export const FC_OPCODES: ReadonlyMap<number, OpEntry> = (() => {
  const m = new Map<number, OpEntry>();
  for (let c = 0; c <= 7; c++) m.set(c, FLOAT); // trunc_sat: float-to-int
  m.set(8, op('memory.init', 'memory_init', 3, 0, C.bulk, 'bulk'));
  m.set(9, op('data.drop', 'dataidx', 0, 0, C.data_drop));
  m.set(10, op('memory.copy', 'memory_copy', 3, 0, C.bulk, 'bulk'));
  m.set(11, op('memory.fill', 'memidx', 3, 0, C.bulk, 'bulk'));
  const tables: Refusal = {
    refuse: 'UNSUPPORTED',
    why: 'table instructions (table.init/copy/grow/size/fill, elem.drop) are not supported',
  };
  for (let c = 12; c <= 17; c++) m.set(c, tables);
  return m;
})();

export function isRefusal(e: OpEntry): e is Refusal {
  return 'refuse' in e;
}
