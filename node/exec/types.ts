import type { Log, ReceiptStatusCode } from '../codec/block.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { StateOverlay } from '../state/overlay.js';
import { LingdingError } from '../errors/index.js';
import { ExecErrorCode } from './errors.js';
import type { GasMeter } from './gas.js';

/** What a block gives to every transaction in it. Only deterministic inputs. */
export interface BlockContext {
  readonly number: number;
  /** Proposer-chosen block timestamp (ms); never the local clock. */
  readonly timestamp: number;
  readonly suite: CryptoSuite;
}

/** What execution knows of a transaction's private record: never its plaintext. */
export interface PrivatePayloadRef {
  readonly pilotId: number;
  /** keccak256(salt ‖ record), 32 bytes. */
  readonly commitment: Uint8Array;
}

/** One call into a contract, built-in or (later) WebAssembly. */
export interface CallFrame {
  readonly block: BlockContext;
  /** The state this call reads and writes; dropped by the caller if the call fails. */
  readonly state: StateOverlay;
  readonly gas: GasMeter;
  readonly origin: Uint8Array;
  readonly sender: Uint8Array;
  readonly self: Uint8Array;
  readonly input: Uint8Array;
  /** The transaction being run (absent for `call` RPC queries): recorded by permission changes. */
  readonly txHash?: Uint8Array;
  /**
   * The private record the transaction carries (a type-3 transaction, design decision 6):
   * its pilot and commitment, which PilotRegistry's payloadPilot()/payloadCommitment()
   * return to contracts (decision 8). Absent without one.
   */
  readonly privatePayload?: PrivatePayloadRef;
  /** True for `call` RPC queries: writes are refused. */
  readonly readOnly: boolean;
  /** Addresses (hex) of the contracts on the call stack, outermost first. */
  readonly callStack: readonly string[];
  emit(log: Log): void;
}

/** A contract handler returns its output or throws one of the errors below. */
export interface Contract {
  call(frame: CallFrame): Uint8Array;
}

/** Ends a call with status Reverted and a reason; state and events of the call roll back. */
export class RevertError extends LingdingError<typeof ExecErrorCode.Reverted> {
  constructor(
    reason: string,
    readonly data: Uint8Array = new Uint8Array(),
  ) {
    super(ExecErrorCode.Reverted, reason);
    this.name = 'RevertError';
  }
}

/** Ends a call with a given non-success status. */
export class CallFailure extends LingdingError<typeof ExecErrorCode.CallFailed, { status: ReceiptStatusCode }> {
  constructor(
    readonly status: ReceiptStatusCode,
    message: string,
  ) {
    super(ExecErrorCode.CallFailed, message, { status });
    this.name = 'CallFailure';
  }
}
