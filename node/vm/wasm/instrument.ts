/**
 * Rewrites function bodies to meter gas and bound the call stack.
 *
 * Gas: a body is cut into metered segments, each charged in full, from the schedule in
 * gas.ts, by inline code placed before its first instruction. A segment ends after every
 * instruction that may branch (if, else, br, br_if, br_table, return, unreachable) and
 * before every point a branch can arrive at (the start of a loop body, the instruction
 * after the `end` of a block or if). Calls do not end a segment: a call returns to the
 * next instruction unless the run halts inside it. `block` and the `end` of a loop are
 * not cut points either: nothing branches to a block's start or past a loop's end except
 * by falling through. And the code after the `end` of a construct that nothing inside
 * branches out of runs exactly when the construct's start does, so it joins the segment
 * the construct started in (one charge per loop iteration for an `if` in a loop, not two).
 *
 * So every instruction is paid for before it runs; a run that returns normally pays
 * exactly the cost of what it executed; a run that halts early (finish or revert inside a
 * callee, a trap, out of gas) has prepaid up to the end of the segment it halted in.
 * memory.grow and the bulk-memory instructions also pay for their run-time size operand
 * just before they run.
 *
 * The counter of record is a mutable i64 global, exported so the host can set it and
 * charge host calls against it. A charge either works on the global directly:
 *
 *     global.get $gas; i64.const cost; i64.sub; global.set $gas
 *     global.get $gas; i64.const 0; i64.lt_s; if unreachable end
 *
 * or, in functions with a loop that makes no calls, on a local copy that V8 keeps in a
 * register across the loop (a global is a load and a store per charge, and consecutive
 * charges then wait on each other through memory):
 *
 *     local.get $g; i64.const cost; i64.sub; local.tee $g
 *     i64.const 0; i64.lt_s; if local.get $g; global.set $gas; unreachable end
 *
 * The local is loaded from the global on entry and after every call and stored back
 * before every call and on exit, so callees and host functions always see the true
 * value; around calls inside loops those copies cost more than they save, hence the
 * choice per function. Either way the global goes negative only at the instant of a
 * metering trap, which is how the runner tells out-of-gas from other traps. Other traps
 * (memory out of bounds, the contract's own `unreachable`, ...) can leave the global a
 * few blocks behind the local; that is one reason a trap consumes the whole gas limit
 * (as an exceptional halt does in the EVM) instead of reporting a partial count.
 *
 * Straight-line leaves: a function without calls, loops or branches (one live segment)
 * costs the same on every run, so its direct callers pay that cost with their own
 * segment and call an unmetered copy of it appended to the module (appending keeps every
 * existing function index). The metered original stays for the table and exports. This
 * removes the metering of small helpers, whose single charge would otherwise cost as
 * much as their body.
 *
 * Stack: each function adds its estimated frame size (FrameCost in gas.ts) to a global
 * counter on entry, traps past the limit, and subtracts it on every exit. To catch every
 * exit without touching branch depths, the original body is wrapped in a block whose type
 * is the function's result type: a branch to the function's label now lands at the end of
 * that block, and `return` is rewritten to a branch to it. The epilogue follows the block.
 * Leaf functions (no call instructions) skip the counter: a leaf is always the top frame,
 * and the top frame is unaccounted anyway (a function's check runs after V8 has pushed
 * its frame), so the real stack stays under maxStackBytes + maxFrameBytes either way.
 */
import { ContractRejectedError } from '../errors.js';
import { DynamicCost, FrameCost } from '../gas.js';
import { Reader, Writer } from './bytes.js';
import { checkValType, I32, I64, type FuncType } from './module.js';
import { FC_OPCODES, isRefusal, OPCODES, type OpInfo } from './opcodes.js';

/** What the instrumenter needs to know about the module around one function. */
export interface ModuleContext {
  readonly types: readonly FuncType[];
  /** Type of every function in the index space (imports first). */
  readonly funcTypes: readonly FuncType[];
  readonly gasGlobal: number;
  readonly stackGlobal: number;
  readonly stackLimit: number;
  readonly maxLocals: number;
  readonly maxFrameBytes: number;
  /** Block type of the wrapper block for a given result list (a type index for multi-value). */
  wrapperBlockType(results: readonly number[]): number;
}

/** A straight-line leaf's unmetered copy, and what a call to it costs the caller. */
export interface InlineCharge {
  readonly copy: number;
  readonly cost: number;
}

interface Instr {
  readonly info: OpInfo;
  readonly start: number;
  readonly end: number;
  /**
   * Branch depth: the label of br/br_if, the deepest label of br_table, and for `return`
   * the depth of the function's label (how many blocks enclose it).
   */
  readonly branchDepth: number;
  /** Callee of a direct `call`. */
  readonly callee: number;
  /** Inside a loop (calls there decide where the gas counter lives). */
  readonly inLoop: boolean;
}

interface Frame {
  readonly kind: 'function' | 'block' | 'loop' | 'if';
  /** Operand height below the block's parameters. */
  readonly base: number;
  readonly params: number;
  readonly results: number;
}

interface Segment {
  /** Index of the instruction the charge goes before. */
  readonly at: number;
  cost: number;
  /** Starts right after an unconditional transfer, so it can never run: no charge emitted. */
  readonly dead: boolean;
}

// Opcodes of the injected sequences.
const OP = {
  unreachable: 0x00,
  block: 0x02,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GtU: 0x4b,
  i64LtS: 0x53,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64ShrU: 0x88,
  i64ExtendI32U: 0xad,
  void: 0x40,
} as const;

/** The frame estimate charged against the stack limit (FrameCost in gas.ts). */
function frameBytes(locals: number, maxHeight: number): number {
  return FrameCost.base + FrameCost.perSlot * (locals + maxHeight + FrameCost.injectedSlots);
}

/** A decoded, checked function, ready to be instrumented. */
export interface AnalyzedFunction {
  readonly index: number;
  readonly type: FuncType;
  readonly body: Uint8Array;
  readonly localGroups: number;
  readonly localDecls: Uint8Array;
  readonly locals: number;
  readonly instrs: readonly Instr[];
  readonly maxHeight: number;
  readonly needsScratch: boolean;
  readonly hasLoop: boolean;
  /** The whole cost, when the function is a straight-line leaf (see the file comment). */
  readonly straightLineCost: number | undefined;
}

/** Decodes and checks one body (allow-list, locals, frame size). */
export function analyzeFunction(body: Uint8Array, type: FuncType, ctx: ModuleContext, index: number): AnalyzedFunction {
  const where = `function ${index}`;
  const r = new Reader(body);
  const localGroups = r.u32();
  const localsStart = r.pos;
  let locals = 0;
  for (let g = 0; g < localGroups; g++) {
    locals += r.u32();
    if (locals > ctx.maxLocals)
      throw new ContractRejectedError('LIMIT', `${where} declares more than ${ctx.maxLocals} locals`);
    checkValType(r.byte(), `${where} local`);
  }
  const localDecls = body.subarray(localsStart, r.pos);
  const { instrs, maxHeight, needsScratch, hasLoop } = decode(r, type, ctx, where);

  // Worst case of the instrumented frame: both injected locals.
  const frameCost = frameBytes(type.params.length + locals + 2, maxHeight);
  if (frameCost > ctx.maxFrameBytes) {
    throw new ContractRejectedError(
      'LIMIT',
      `${where} needs an estimated ${frameCost}-byte stack frame (limit ${ctx.maxFrameBytes})`,
    );
  }

  let straightLineCost: number | undefined;
  if (!needsScratch && !instrs.some((i) => i.info.kind === 'call' || i.info.kind === 'call_indirect')) {
    const live = meterSegments(instrs, () => undefined).filter((s) => !s.dead);
    if (live.length === 1) straightLineCost = live[0].cost;
  }
  return {
    index,
    type,
    body,
    localGroups,
    localDecls,
    locals,
    instrs,
    maxHeight,
    needsScratch,
    hasLoop,
    straightLineCost,
  };
}

/** Emits the metered, stack-bounded body of an analysed function. */
export function instrumentFunction(
  f: AnalyzedFunction,
  ctx: ModuleContext,
  inline: (callee: number) => InlineCharge | undefined,
): Uint8Array {
  const meteredCall = (i: Instr) => i.info.kind === 'call_indirect' || (i.info.kind === 'call' && !inline(i.callee));
  const hasCall = f.instrs.some((i) => i.info.kind === 'call' || i.info.kind === 'call_indirect');
  const localGas = f.hasLoop && !f.instrs.some((i) => i.inLoop && meteredCall(i));

  const firstExtra = f.type.params.length + f.locals;
  const gas = new GasEmitter(ctx.gasGlobal, localGas ? firstExtra : undefined);
  const scratchLocal = firstExtra + (localGas ? 1 : 0);
  const extraLocals = (localGas ? 1 : 0) + (f.needsScratch ? 1 : 0);
  const frameCost = frameBytes(f.type.params.length + f.locals + extraLocals, f.maxHeight);

  const segments = meterSegments(f.instrs, inline);
  const w = new Writer(f.body.length * 2 + 64);
  w.u32(f.localGroups + extraLocals).bytes(f.localDecls);
  if (localGas) w.u32(1).byte(I64);
  if (f.needsScratch) w.u32(1).byte(I32);

  if (hasCall) {
    // Reserve the frame, trap past the limit.
    w.byte(OP.globalGet)
      .u32(ctx.stackGlobal)
      .byte(OP.i32Const)
      .signed(frameCost)
      .byte(OP.i32Add)
      .byte(OP.globalSet)
      .u32(ctx.stackGlobal);
    w.byte(OP.globalGet).u32(ctx.stackGlobal).byte(OP.i32Const).signed(ctx.stackLimit).byte(OP.i32GtU);
    w.byte(OP.if).byte(OP.void).byte(OP.unreachable).byte(OP.end);
  }
  gas.load(w);
  w.byte(OP.block).signed(ctx.wrapperBlockType(f.type.results));

  let next = 0;
  for (let i = 0; i < f.instrs.length; i++) {
    const seg = segments[next];
    if (seg && seg.at === i) {
      if (!seg.dead && seg.cost > 0) gas.charge(w, seg.cost);
      next++;
    }
    const ins = f.instrs[i];
    switch (ins.info.kind) {
      case 'return':
        w.byte(OP.br).u32(ins.branchDepth);
        continue;
      case 'memory_grow':
        gas.chargeOperand(w, scratchLocal, 'pages');
        break;
      case 'bulk':
        gas.chargeOperand(w, scratchLocal, 'bytes');
        break;
      case 'call': {
        const charge = inline(ins.callee);
        if (charge) {
          w.byte(OP.call).u32(charge.copy);
          continue;
        }
        gas.store(w);
        w.bytes(f.body.subarray(ins.start, ins.end));
        gas.load(w);
        continue;
      }
      case 'call_indirect':
        gas.store(w);
        w.bytes(f.body.subarray(ins.start, ins.end));
        gas.load(w);
        continue;
    }
    w.bytes(f.body.subarray(ins.start, ins.end));
  }

  // Every exit arrives here: close the wrapper block, store the gas, release the frame.
  w.byte(OP.end);
  gas.store(w);
  if (hasCall) {
    w.byte(OP.globalGet)
      .u32(ctx.stackGlobal)
      .byte(OP.i32Const)
      .signed(frameCost)
      .byte(OP.i32Sub)
      .byte(OP.globalSet)
      .u32(ctx.stackGlobal);
  }
  w.byte(OP.end);
  return w.finish();
}

/** Emits gas accounting on the global, or on a local copy of it when `local` is given. */
class GasEmitter {
  constructor(
    private readonly global: number,
    private readonly local: number | undefined,
  ) {}

  /** Refreshes the local copy from the global (function entry, after a call). */
  load(w: Writer): void {
    if (this.local !== undefined) w.byte(OP.globalGet).u32(this.global).byte(OP.localSet).u32(this.local);
  }

  /** Writes the local copy back (before a call, on exit). */
  store(w: Writer): void {
    if (this.local !== undefined) w.byte(OP.localGet).u32(this.local).byte(OP.globalSet).u32(this.global);
  }

  charge(w: Writer, cost: number): void {
    this.get(w);
    w.byte(OP.i64Const).signed(cost).byte(OP.i64Sub);
    this.setAndCheck(w);
  }

  /** Charges for the i32 operand on top of the stack (left in place) before the instruction runs. */
  chargeOperand(w: Writer, scratch: number, unit: 'pages' | 'bytes'): void {
    w.byte(OP.localTee).u32(scratch);
    this.get(w);
    w.byte(OP.localGet).u32(scratch).byte(OP.i64ExtendI32U);
    if (unit === 'pages') {
      w.byte(OP.i64Const).signed(DynamicCost.memoryGrowPerPage).byte(OP.i64Mul);
    } else {
      // started 8-byte words: (n + 7) >> 3
      w.byte(OP.i64Const).signed(7).byte(OP.i64Add).byte(OP.i64Const).signed(3).byte(OP.i64ShrU);
      if (DynamicCost.bulkPerWord !== 1) w.byte(OP.i64Const).signed(DynamicCost.bulkPerWord).byte(OP.i64Mul);
    }
    w.byte(OP.i64Sub);
    this.setAndCheck(w);
  }

  private get(w: Writer): void {
    if (this.local !== undefined) w.byte(OP.localGet).u32(this.local);
    else w.byte(OP.globalGet).u32(this.global);
  }

  /** Stores the new balance (on the stack) and traps if it is negative, the global holding it. */
  private setAndCheck(w: Writer): void {
    if (this.local !== undefined) {
      w.byte(OP.localTee).u32(this.local).byte(OP.i64Const).byte(0).byte(OP.i64LtS);
      w.byte(OP.if).byte(OP.void);
      w.byte(OP.localGet).u32(this.local).byte(OP.globalSet).u32(this.global).byte(OP.unreachable);
      w.byte(OP.end);
    } else {
      w.byte(OP.globalSet).u32(this.global);
      w.byte(OP.globalGet).u32(this.global).byte(OP.i64Const).byte(0).byte(OP.i64LtS);
      w.byte(OP.if).byte(OP.void).byte(OP.unreachable).byte(OP.end);
    }
  }
}

/** Splits the instruction list into metered segments (see the file comment). */
function meterSegments(instrs: readonly Instr[], inline: (callee: number) => InlineCharge | undefined): Segment[] {
  const segments: Segment[] = [];
  const begin = (at: number, dead: boolean): Segment => {
    const seg = { at, cost: 0, dead };
    segments.push(seg);
    return seg;
  };
  let current = begin(0, false);
  // Open constructs: where each started, and the outermost construct any branch inside
  // targets (as an index into `open`; -1 is the function), so a construct knows at its
  // `end` whether something left it early. Updating only the innermost construct and
  // folding into the parent at `end` keeps this linear in the code size.
  const open: { loop: boolean; startedIn: Segment; minTarget: number }[] = [];
  const branchTo = (depth: number) => {
    const inner = open[open.length - 1];
    if (inner) inner.minTarget = Math.min(inner.minTarget, open.length - 1 - depth);
  };

  for (let i = 0; i < instrs.length; i++) {
    const { info, branchDepth, callee } = instrs[i];
    const charge = info.kind === 'call' ? inline(callee) : undefined;
    current.cost += info.cost + (charge?.cost ?? 0);
    switch (info.kind) {
      case 'block':
        open.push({ loop: false, startedIn: current, minTarget: Infinity });
        break;
      case 'if':
      case 'loop':
        open.push({ loop: info.kind === 'loop', startedIn: current, minTarget: Infinity });
        current = begin(i + 1, false);
        break;
      case 'else':
        current = begin(i + 1, false);
        break;
      case 'end': {
        const c = open.pop()!;
        const parent = open[open.length - 1];
        if (parent) parent.minTarget = Math.min(parent.minTarget, c.minTarget);
        if (c.minTarget >= open.length)
          current = c.startedIn; // nothing left it early
        else if (!c.loop) current = begin(i + 1, false);
        break;
      }
      case 'br_if':
        branchTo(branchDepth);
        current = begin(i + 1, false);
        break;
      case 'br':
      case 'br_table':
      case 'return':
        branchTo(branchDepth);
        current = begin(i + 1, true);
        break;
      case 'unreachable':
        current = begin(i + 1, true);
        break;
    }
  }
  return segments;
}

interface Decoded {
  readonly instrs: Instr[];
  readonly maxHeight: number;
  /** memory.grow or a bulk-memory instruction needs a scratch local for its operand. */
  readonly needsScratch: boolean;
  readonly hasLoop: boolean;
}

/**
 * Decodes the instruction stream against the allow-list and tracks the operand-stack
 * height (for the frame estimate). Type checking proper is left to WebAssembly.validate;
 * this pass only reads what it needs and refuses what the policy forbids.
 */
function decode(r: Reader, type: FuncType, ctx: ModuleContext, where: string): Decoded {
  const instrs: Instr[] = [];
  const ctrl: Frame[] = [{ kind: 'function', base: 0, params: 0, results: type.results.length }];
  let height = 0;
  let maxHeight = 0;
  let needsScratch = false;
  let hasLoop = false;
  let openLoops = 0;

  const pop = (n: number) => {
    height = Math.max(ctrl[ctrl.length - 1].base, height - n);
  };
  const push = (n: number) => {
    height += n;
    if (height > maxHeight) maxHeight = height;
  };
  const blockType = (): { params: number; results: number } => {
    const b = r.bytes[r.pos];
    if (b === OP.void) {
      r.pos++;
      return { params: 0, results: 0 };
    }
    // A single byte in 0x40..0x7f is a negative s33: a value type. Type indices are >= 0.
    if (b !== undefined && b >= 0x40 && b < 0x80) {
      r.pos++;
      checkValType(b, `${where} block type`);
      return { params: 0, results: 1 };
    }
    const idx = r.signed(33);
    const t = ctx.types[Number(idx)];
    if (idx < 0n || !t) r.fail(`${where}: block type refers to missing type ${idx}`);
    return { params: t.params.length, results: t.results.length };
  };
  const memidx = () => {
    if (r.u32() !== 0) throw new ContractRejectedError('UNSUPPORTED', `${where} uses multiple memories`);
  };
  const unreachableFromHere = () => {
    height = ctrl[ctrl.length - 1].base;
  };

  while (ctrl.length > 0) {
    if (r.atEnd) r.fail(`${where}: body ends before its final 'end'`);
    const start = r.pos;
    const code = r.byte();
    let entry = OPCODES.get(code);
    if (code === 0xfc) {
      const sub = r.u32();
      entry = FC_OPCODES.get(sub);
      if (!entry) throw new ContractRejectedError('UNSUPPORTED', `${where} uses unknown instruction 0xfc ${sub}`);
    }
    if (!entry)
      throw new ContractRejectedError(
        'MALFORMED',
        `${where} has unknown opcode 0x${code.toString(16)} at byte ${start}`,
      );
    if (isRefusal(entry))
      throw new ContractRejectedError(entry.refuse, `${where}: ${entry.why} (opcode 0x${code.toString(16)})`);
    const info = entry;
    let branchDepth = ctrl.length - 1;
    let callee = -1;

    switch (info.imm) {
      case 'none':
        break;
      case 'blocktype': {
        if (info.kind === 'if') pop(1);
        const bt = blockType();
        const base = Math.max(ctrl[ctrl.length - 1].base, height - bt.params);
        ctrl.push({ kind: info.kind as 'block' | 'loop' | 'if', base, params: bt.params, results: bt.results });
        break;
      }
      case 'label':
        branchDepth = r.u32();
        break;
      case 'localidx':
      case 'globalidx':
      case 'dataidx':
        r.u32();
        break;
      case 'br_table':
        branchDepth = 0;
        for (let n = r.u32(), i = 0; i <= n; i++) branchDepth = Math.max(branchDepth, r.u32());
        break;
      case 'funcidx': {
        callee = r.u32();
        const f = ctx.funcTypes[callee];
        if (!f) r.fail(`${where}: call to a missing function`);
        pop(f.params.length);
        push(f.results.length);
        break;
      }
      case 'call_indirect': {
        const t = ctx.types[r.u32()];
        if (!t) r.fail(`${where}: call_indirect with a missing type`);
        if (r.u32() !== 0) throw new ContractRejectedError('UNSUPPORTED', `${where} uses a table other than table 0`);
        pop(1 + t.params.length);
        push(t.results.length);
        break;
      }
      case 'memarg': {
        const align = r.u32();
        if (align >= 64) throw new ContractRejectedError('UNSUPPORTED', `${where} uses multiple memories`);
        r.u32();
        break;
      }
      case 'memidx':
        memidx();
        break;
      case 'memory_copy':
        memidx();
        memidx();
        break;
      case 'memory_init':
        r.u32();
        memidx();
        break;
      case 'i32':
        r.skipSigned(32);
        break;
      case 'i64':
        r.skipSigned(64);
        break;
      case 'select_t': {
        const n = r.u32();
        if (n !== 1) r.fail(`${where}: typed select must name exactly one type`);
        checkValType(r.byte(), `${where} select`);
        break;
      }
    }

    switch (info.kind) {
      case 'plain':
      case 'memory_grow':
      case 'bulk':
        pop(info.pop);
        push(info.push);
        if (info.kind !== 'plain') needsScratch = true;
        break;
      case 'br_if':
      case 'br_table':
        pop(1);
        break;
      case 'loop':
        hasLoop = true;
        openLoops++;
        break;
      case 'else': {
        const f = ctrl[ctrl.length - 1];
        if (f.kind !== 'if') r.fail(`${where}: 'else' outside an 'if'`);
        height = f.base + f.params;
        break;
      }
      case 'end': {
        const f = ctrl.pop()!;
        if (f.kind === 'loop') openLoops--;
        height = f.base;
        push(f.results);
        break;
      }
      case 'br':
      case 'return':
      case 'unreachable':
        unreachableFromHere();
        break;
    }
    if (info.kind === 'br_table') unreachableFromHere();
    // The function's own final `end` is replaced by the epilogue.
    if (ctrl.length > 0) instrs.push({ info, start, end: r.pos, branchDepth, callee, inLoop: openLoops > 0 });
  }
  if (!r.atEnd) r.fail(`${where}: bytes after the function's final 'end'`);
  return { instrs, maxHeight, needsScratch, hasLoop };
}
