/**
 * The gas schedule of `lingding` v1. One gas is roughly one simple WebAssembly
 * instruction; host functions are priced on the same scale as the executor's built-in
 * contracts (node/exec/gas.ts), so a storage write costs about as much here as there.
 * Changing any number here changes consensus: bump GAS_SCHEDULE_VERSION, which feeds the
 * schedule id that keys compiled-module caches and PreparedContract.
 *
 * HOST_API.md carries the same tables for contract authors; keep both in step.
 */
export const GAS_SCHEDULE_VERSION = 1;

/** Cost of each instruction class, charged per basic block before the block runs. */
export const InstructionCost = {
  /** block, loop, end, else, nop: no machine code of their own. */
  structural: 0,
  /** unreachable: it traps, so nothing after it is paid for anyway. */
  unreachable: 0,
  /** constants, local/global access, drop, select, integer add/sub/logic/shift/compare/convert. */
  simple: 1,
  mul: 2,
  /** div_s, div_u, rem_s, rem_u (i32 and i64). */
  div: 8,
  /** if, br, br_if, return. */
  branch: 2,
  br_table: 4,
  load: 3,
  store: 3,
  memory_size: 1,
  /** Plus memoryGrowPerPage for each page asked for, charged when the instruction runs. */
  memory_grow: 100,
  /** Plus the callee's own blocks; covers the injected stack-depth bookkeeping too. */
  call: 10,
  call_indirect: 15,
  /** memory.copy / memory.fill / memory.init, plus bulkPerWord per started 8-byte word. */
  bulk: 10,
  data_drop: 1,
} as const;

/** Dynamic parts, charged by injected code from the run-time operand. */
export const DynamicCost = {
  memoryGrowPerPage: 8192,
  /** Per started 8-byte word moved or written by memory.copy/fill/init. */
  bulkPerWord: 1,
} as const;

/** Charged by runContract before instantiating: base plus zeroing the initial memory. */
export const InstantiateCost = {
  base: 2_000,
  perMemoryPage: DynamicCost.memoryGrowPerPage,
} as const;

/**
 * Host function costs (`lingding` v1). `perByte` applies to the bytes the function moves
 * (see HOST_API.md for which lengths count). Gas is charged before the effect happens, so
 * an out-of-gas host call has no effect.
 */
export const HostCost = {
  input_size: { base: 20, perByte: 0 },
  input_copy: { base: 20, perByte: 1 },
  finish: { base: 20, perByte: 1 },
  revert: { base: 20, perByte: 1 },
  caller: { base: 20, perByte: 0 },
  origin: { base: 20, perByte: 0 },
  self_address: { base: 20, perByte: 0 },
  block_number: { base: 20, perByte: 0 },
  timestamp: { base: 20, perByte: 0 },
  gas_left: { base: 20, perByte: 0 },
  storage_get: { base: 800, perByte: 3 },
  storage_set: { base: 20_000, perByte: 50 },
  storage_remove: { base: 5_000, perByte: 3 },
  emit_event: { base: 375, perByte: 8 },
  call_contract: { base: 5_000, perByte: 3 },
  return_data_size: { base: 20, perByte: 0 },
  return_data_copy: { base: 20, perByte: 1 },
  hash: { base: 300, perByte: 3 },
  verify_signature: { base: 50_000, perByte: 1 },
  debug_log: { base: 100, perByte: 1 },
} as const;

/** Extra per event topic, on top of emit_event's base. */
export const EVENT_TOPIC_COST = 375;

/**
 * The frame-size model behind the stack-depth limit. Each function's entry adds
 * `base + perSlot * (params + locals + max operand-stack height + injectedSlots)` to the
 * stack counter and its exit takes it off again. V8's baseline compiler (Liftoff) was
 * measured at 48 bytes + 8 per local or operand slot, its optimising compiler at less;
 * these figures are twice that, so the estimate stays above the real frame whichever tier
 * runs the code, and the limit fires before V8's own stack guard.
 */
export const FrameCost = {
  base: 96,
  perSlot: 16,
  /** Operand-stack slots used by the injected gas and depth sequences. */
  injectedSlots: 4,
} as const;
