/** A contract that cannot be built, with a message that says what to fix and where. */
export class ContractBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractBuildError';
  }
}
