import { type CodeOf, LingdingError } from '../errors/index.js';

/**
 * Errors of the VM. A contract that breaks a deploy-time rule gets a ContractRejectedError
 * whose `code` says which rule; callers (deploy transactions, the CLI) can branch on it
 * and show the message as is. VmInternalError is never the contract's fault: it means the
 * node cannot give a deterministic answer (for example V8's own stack ran out) and the
 * executor must not commit anything for this call.
 */
export const RejectCode = {
  /** Not a WebAssembly binary, truncated, or structurally broken. */
  Malformed: 'MALFORMED',
  /** Well-formed bytes that V8's validator refuses (type errors and the like). */
  Invalid: 'INVALID',
  /** The module is larger than `maxCodeBytes`. */
  TooLarge: 'TOO_LARGE',
  /** f32/f64 types or instructions (see HOST_API.md, "Floating point"). */
  Float: 'FLOAT',
  /** v128 types or 0xFD-prefixed instructions. */
  Simd: 'SIMD',
  /** Shared memory or 0xFE-prefixed atomic instructions. */
  Threads: 'THREADS',
  /** Any other post-MVP feature the VM does not accept (exceptions, tail calls, GC, multi-memory, memory64, ...). */
  Unsupported: 'UNSUPPORTED',
  /** An import outside `lingding` v1, or with the wrong signature, or of a non-function. */
  ForbiddenImport: 'FORBIDDEN_IMPORT',
  /** A start section: code that would run at instantiation, outside gas metering's entry points. */
  StartFunction: 'START_FUNCTION',
  /** Memory missing, too large, or more than one. */
  MemoryLimit: 'MEMORY_LIMIT',
  /** Table too large or not a funcref table. */
  TableLimit: 'TABLE_LIMIT',
  /** A count limit (functions, globals, locals, frame size) is exceeded. */
  Limit: 'LIMIT',
  /** `call` or `memory` export missing, or an entry point with the wrong signature. */
  BadExport: 'BAD_EXPORT',
} as const;
export type RejectCode = CodeOf<typeof RejectCode>;

export class ContractRejectedError extends LingdingError<RejectCode, { reason: string }> {
  constructor(code: RejectCode, reason: string) {
    super(code, `contract rejected (${code}): ${reason}`, { reason });
    this.name = 'ContractRejectedError';
  }
}

export const VmInternalCode = {
  /** V8's own stack ran out before the VM's metered stack limit did. */
  StackExhausted: 'STACK_EXHAUSTED',
  /** A prepared module that V8 will not instantiate or validate: a VM bug. */
  PreparedModuleFailed: 'PREPARED_MODULE_FAILED',
  /** The host environment broke an invariant (a call outside a run, a wrong-sized value). */
  HostInvariant: 'HOST_INVARIANT',
} as const;
export type VmInternalCodeValue = CodeOf<typeof VmInternalCode>;

/** The node, not the contract, failed; the result of this call must not be committed. */
export class VmInternalError extends LingdingError<VmInternalCodeValue> {
  constructor(
    message: string,
    options?: { cause?: unknown },
    code: VmInternalCodeValue = VmInternalCode.HostInvariant,
  ) {
    super(code, message, undefined, options);
    this.name = 'VmInternalError';
  }
}
