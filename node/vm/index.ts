/**
 * The deterministic WebAssembly VM: deploy-time preparation (validation, metering and
 * stack-limit injection), a compiled-module cache, and execution against a HostEnv.
 * See HOST_API.md for the contract-facing side (`lingding` v1).
 */
export { ContractRejectedError, RejectCode, VmInternalCode, VmInternalError } from './errors.js';
export { DEFAULT_VM_LIMITS, scheduleId, type VmLimits } from './limits.js';
export { prepareContract, type EntryPoint, type PreparedContract } from './prepare.js';
export { ModuleCache, DEFAULT_MODULE_CACHE_OPTIONS, type ModuleCacheOptions, type ModuleCacheStats } from './cache.js';
export { runContract, STACK_LIMIT_MESSAGE, TrapReason, type RunParams, type RunResult } from './run.js';
export {
  HOST_MODULE,
  HOST_FUNCTIONS,
  CallStatus,
  type HostEnv,
  type HostFunctionName,
  type NestedCallResult,
  type RunStatus,
} from './host-api.js';
export { GAS_SCHEDULE_VERSION, InstructionCost, DynamicCost, InstantiateCost, HostCost, FrameCost } from './gas.js';
