/**
 * Runs one entry point of a prepared contract in an instance in its just-instantiated
 * state (fresh memory and globals every call: contract state lives in storage, as in the
 * EVM). With a cache the instance is usually a reused one, restored (see instance.ts);
 * what a run sees and the gas it uses are the same either way.
 *
 * Consensus-relevant outputs are `status`, `gasUsed`, `output` and `trapReason` (words the VM
 * itself defines); `trapMessage` and `revertReason` are diagnostics: `trapMessage` may carry
 * V8's own wording, which differs between Node versions, so it never reaches a hashed byte.
 */
import { VmInternalCode, VmInternalError } from './errors.js';
import { InstantiateCost } from './gas.js';
import type { HostEnv, RunStatus } from './host-api.js';
import { HaltSignal, HostTrapSignal, OutOfGasSignal } from './host.js';
import type { ModuleCache } from './cache.js';
import { ContractInstance } from './instance.js';
import type { EntryPoint, PreparedContract } from './prepare.js';
import { decodeRevertReason } from './revert.js';
import { engine, type WasmGlobal } from './wasm/engine.js';

export interface RunParams {
  readonly prepared: PreparedContract;
  readonly entry: EntryPoint;
  readonly input: Uint8Array;
  readonly gasLimit: number;
  readonly host: HostEnv;
  /** Where compiled modules are kept; without one the module is compiled on every run. */
  readonly cache?: ModuleCache;
}

export interface RunResult {
  readonly status: RunStatus;
  /**
   * Gas consumed: everything metered up to the end of the run for success and revert;
   * the whole gasLimit for outOfGas and trap (an exceptional halt, as in the EVM; see
   * wasm/instrument.ts for why a trap has no exact partial count).
   */
  readonly gasUsed: number;
  /** finish() data on success, revert() data on revert, empty otherwise. */
  readonly output: Uint8Array;
  /** Error(string) reason (or UTF-8 text) of revert data, when it decodes. */
  readonly revertReason?: string;
  /** Why a trap happened, in the VM's own words: the receipt carries this. */
  readonly trapReason?: string;
  /** The trap as the engine or the host worded it: for logs and developers only. */
  readonly trapMessage?: string;
}

export const STACK_LIMIT_MESSAGE = 'call stack limit exceeded';

/** The reasons a receipt may give for a trap besides host traps (whose words the VM writes). */
export const TrapReason = {
  /** The engine trapped: unreachable, out-of-bounds memory or table access, division by zero, … */
  Engine: 'WebAssembly trap',
  /** An active data or element segment did not fit its memory or table. */
  Instantiation: 'instantiation failed: a segment does not fit',
  StackLimit: STACK_LIMIT_MESSAGE,
} as const;

/**
 * Runs in progress, innermost last. Runs nest only through a host call (call_contract →
 * HostEnv.callContract → runContract), all on one JavaScript stack, so the innermost
 * outer run is the caller, and a nested run starts its stack counter where the caller's
 * stands: the stack limit holds for the whole transaction, not per contract.
 */
const active: WasmGlobal[] = [];

const EMPTY = new Uint8Array();

const trap = (gasLimit: number, trapReason: string, trapMessage: string = trapReason): RunResult => ({
  status: 'trap',
  gasUsed: gasLimit,
  output: EMPTY,
  trapReason,
  trapMessage,
});

export function runContract(params: RunParams): RunResult {
  const { prepared, entry, input, gasLimit, host, cache } = params;
  if (!Number.isSafeInteger(gasLimit) || gasLimit < 0)
    throw new TypeError(`gasLimit must be a non-negative safe integer, got ${gasLimit}`);
  const limits = prepared.limits;

  const caller = active.at(-1);
  const stackBase = caller ? (caller.value as number) + limits.hostCallStackBytes : 0;
  if (stackBase > limits.maxStackBytes) return trap(gasLimit, STACK_LIMIT_MESSAGE);

  const instantiateCost = InstantiateCost.base + InstantiateCost.perMemoryPage * prepared.memoryPages;
  if (instantiateCost > gasLimit) return { status: 'outOfGas', gasUsed: gasLimit, output: EMPTY };

  let instance: ContractInstance;
  try {
    instance = cache ? cache.instance(prepared) : new ContractInstance(new engine.Module(prepared.code));
  } catch (e) {
    // Out-of-bounds data or element segments: a property of the code, so deterministic.
    if (e instanceof engine.RuntimeError) {
      return trap(gasLimit, TrapReason.Instantiation, `instantiation failed: ${e.message}`);
    }
    throw new VmInternalError(
      'instantiating a prepared contract failed',
      { cause: e },
      VmInternalCode.PreparedModuleFailed,
    );
  }
  const { binding, gas, stack } = instance;
  binding.begin(host, input);
  gas.value = BigInt(gasLimit - instantiateCost);
  stack.value = stackBase;
  active.push(stack);
  let result: RunResult;
  try {
    result = execute(instance, prepared, entry, gasLimit);
  } finally {
    active.pop();
    binding.end();
  }
  // Only an instance whose run ended in a result goes back: after anything else (a VM
  // error, a node bug) it is dropped.
  cache?.release(instance);
  return result;
}

/** Runs `_initialize` (if any) and `entry` in an instance that is ready for the run. */
function execute(
  instance: ContractInstance,
  prepared: PreparedContract,
  entry: EntryPoint,
  gasLimit: number,
): RunResult {
  const { gas, stack } = instance;
  const limits = prepared.limits;
  const used = () => gasLimit - Number(gas.value as bigint);
  // Only `deploy` may be missing (prepareContract insists on `call`): no constructor is a no-op.
  const fn = instance.entry(entry);
  const initialize = prepared.hasInitialize ? instance.entry('_initialize') : undefined;
  try {
    initialize?.();
    fn?.();
    return { status: 'success', gasUsed: used(), output: EMPTY };
  } catch (e) {
    if (e instanceof HaltSignal) {
      if (e.status === 'success') return { status: 'success', gasUsed: used(), output: e.data };
      const reason = decodeRevertReason(e.data);
      return {
        status: 'revert',
        gasUsed: used(),
        output: e.data,
        ...(reason !== undefined && { revertReason: reason }),
      };
    }
    if (e instanceof OutOfGasSignal) return { status: 'outOfGas', gasUsed: gasLimit, output: EMPTY };
    if (e instanceof HostTrapSignal) return trap(gasLimit, e.message);
    if (e instanceof engine.RuntimeError) {
      // The injected checks trap with `unreachable` right after a counter crosses its
      // limit, and the counters cross at no other time: they tell these traps apart.
      if ((gas.value as bigint) < 0n) return { status: 'outOfGas', gasUsed: gasLimit, output: EMPTY };
      if ((stack.value as number) > limits.maxStackBytes) return trap(gasLimit, TrapReason.StackLimit);
      return trap(gasLimit, TrapReason.Engine, e.message);
    }
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new VmInternalError(
        'V8 ran out of stack before the VM stack limit; the node stack is too small for the configured limits',
        { cause: e },
        VmInternalCode.StackExhausted,
      );
    }
    throw e;
  }
}
