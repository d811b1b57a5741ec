/**
 * Errors of the VM. A contract that breaks a deploy-time rule gets a ContractRejectedError
 * whose `code` says which rule; callers (deploy transactions, the CLI) can branch on it
 * and show the message as is. VmInternalError is never the contract's fault: it means the
 * node cannot give a deterministic answer (for example V8's own stack ran out) and the
 * executor must not commit anything for this call.
 */
export type RejectCode =
  /** Not a WebAssembly binary, truncated, or structurally broken. */
  | 'MALFORMED'
  /** Well-formed bytes that V8's validator refuses (type errors and the like). */
  | 'INVALID'
  /** The module is larger than `maxCodeBytes`. */
  | 'TOO_LARGE'
  /** f32/f64 types or instructions (see HOST_API.md, "Floating point"). */
  | 'FLOAT'
  /** v128 types or 0xFD-prefixed instructions. */
  | 'SIMD'
  /** Shared memory or 0xFE-prefixed atomic instructions. */
  | 'THREADS'
  /** Any other post-MVP feature the VM does not accept (exceptions, tail calls, GC, multi-memory, memory64, ...). */
  | 'UNSUPPORTED'
  /** An import outside `lingding` v1, or with the wrong signature, or of a non-function. */
  | 'FORBIDDEN_IMPORT'
  /** A start section: code that would run at instantiation, outside gas metering's entry points. */
  | 'START_FUNCTION'
  /** Memory missing, too large, or more than one. */
  | 'MEMORY_LIMIT'
  /** Table too large or not a funcref table. */
  | 'TABLE_LIMIT'
  /** A count limit (functions, globals, locals, frame size) is exceeded. */
  | 'LIMIT'
  /** `call` or `memory` export missing, or an entry point with the wrong signature. */
  | 'BAD_EXPORT';

export class ContractRejectedError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(`contract rejected (${code}): ${message}`);
    this.name = 'ContractRejectedError';
  }
}

/** The node, not the contract, failed; the result of this call must not be committed. */
export class VmInternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmInternalError';
  }
}
