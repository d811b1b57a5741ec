/**
 * Deploy-time and run-time limits. They are part of consensus: every node of a chain must
 * use the same values (the defaults, unless genesis says otherwise), because they decide
 * which contracts are accepted and where recursion stops.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FrameCost, GAS_SCHEDULE_VERSION } from './gas.js';

export interface VmLimits {
  /** Size of the module as deployed. */
  readonly maxCodeBytes: number;
  /** Linear memory cap in 64 KiB pages; imposed as the maximum when a module declares none. */
  readonly maxMemoryPages: number;
  /** Table size cap in elements; imposed as the maximum when a module declares none. */
  readonly maxTableElements: number;
  /** Functions, imported and defined. */
  readonly maxFunctions: number;
  readonly maxGlobals: number;
  /** Largest estimated frame of a single function (bounds locals and operand-stack height). */
  readonly maxFrameBytes: number;
  /** Estimated stack, summed over all active frames of a transaction, past which a call traps. */
  readonly maxStackBytes: number;
  /** Estimated stack charged for the JavaScript frames between a contract and a contract it calls. */
  readonly hostCallStackBytes: number;
}

/**
 * Stack figures are estimates (FrameCost, about twice V8's real frames), so 256 KiB of
 * estimate is at most ~150 KiB of real stack with the largest last frame: well inside the
 * ~500 KiB of `node --stack-size=500` and the ~984 KiB of Node's default. A nested
 * contract call measured ~1.7 KiB of real JavaScript and wasm frames per level; 8 KiB of
 * estimate leaves room for the executor's own frames in between. That allows 32 levels
 * of contracts calling contracts, or ~1,300 levels of a small recursive function.
 */
export const DEFAULT_VM_LIMITS: VmLimits = Object.freeze({
  maxCodeBytes: 1024 * 1024,
  maxMemoryPages: 256,
  maxTableElements: 4096,
  maxFunctions: 10_000,
  maxGlobals: 1_024,
  maxFrameBytes: 32 * 1024,
  maxStackBytes: 256 * 1024,
  hostCallStackBytes: 8 * 1024,
});

/** Bumped whenever instrumentation output changes for the same input. */
export const INSTRUMENTER_VERSION = 2;

/** Most locals a function can declare before its frame alone exceeds `maxFrameBytes`. */
export function maxLocals(limits: VmLimits): number {
  return Math.floor((limits.maxFrameBytes - FrameCost.base) / FrameCost.perSlot);
}

/**
 * Names the instrumentation a prepared contract went through: instrumenter version, gas
 * schedule version and limits. Compiled modules are only reused under the same id.
 */
export function scheduleId(limits: VmLimits): string {
  let id = scheduleIds.get(limits);
  if (id === undefined) {
    id = computeScheduleId(limits);
    scheduleIds.set(limits, id);
  }
  return id;
}

// Memoised per limits object: cache lookups ask for the id on every call.
const scheduleIds = new WeakMap<VmLimits, string>();

function computeScheduleId(limits: VmLimits): string {
  const keys = Object.keys(limits).sort() as (keyof VmLimits)[];
  const text =
    `lingding-vm/${INSTRUMENTER_VERSION}/${GAS_SCHEDULE_VERSION}/` + keys.map((k) => `${k}=${limits[k]}`).join(',');
  return Buffer.from(keccak_256(new TextEncoder().encode(text)).subarray(0, 8)).toString('hex');
}
