import { type CodeOf, LingdingError } from '../../node/errors/index.js';

export const ContractBuildErrorCode = {
  /** The source, its manifest or the build's output breaks a rule. */
  Invalid: 'INVALID',
  /** The compiler (asc, cargo) is missing or failed. */
  ToolchainFailed: 'TOOLCHAIN_FAILED',
} as const;
export type ContractBuildErrorCodeValue = CodeOf<typeof ContractBuildErrorCode>;

/** A contract that cannot be built, with a message that says what to fix and where. */
export class ContractBuildError extends LingdingError<ContractBuildErrorCodeValue> {
  constructor(message: string, code: ContractBuildErrorCodeValue = ContractBuildErrorCode.Invalid) {
    super(code, message);
    this.name = 'ContractBuildError';
  }
}
