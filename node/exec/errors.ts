import type { CodeOf } from '../errors/index.js';

/**
 * Codes of the errors that end a call (node/exec/gas.ts OutOfGasError, node/exec/types.ts
 * RevertError and CallFailure). The receipt records the status and the message, never
 * the code, so these can be added to without changing what is hashed.
 */
export const ExecErrorCode = {
  OutOfGas: 'OUT_OF_GAS',
  Reverted: 'REVERTED',
  /** A non-success status other than a revert or running out of gas (see `status`). */
  CallFailed: 'CALL_FAILED',
} as const;
export type ExecErrorCodeValue = CodeOf<typeof ExecErrorCode>;
