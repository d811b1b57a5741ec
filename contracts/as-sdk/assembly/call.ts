/**
 * Calling other contracts. The callee runs with this contract as its caller; its
 * writes and events are kept only if it succeeds. The node refuses reentrancy: a
 * contract already on the call stack cannot be called again (the call fails).
 */
import * as env from "./env";
import { Address } from "./bytes";

export enum CallStatus {
  Success = 0,
  /** The callee reverted; `data` is its revert data (normally Error(string)). */
  Revert = 1,
  /** Out of gas, a trap, no contract at the address, or reentrancy. */
  Failure = 2,
}

export class CallResult {
  constructor(
    public readonly status: CallStatus,
    /** Return data on success, revert data on revert, empty on failure. */
    public readonly data: Uint8Array,
  ) {}

  get ok(): bool {
    return this.status == CallStatus.Success;
  }
}

/** The 4 bytes that start call data for `selector` (pass to `AbiEncoder.finish`). */
export function selectorBytes(selector: u32): Uint8Array {
  const out = new Uint8Array(4);
  store<u32>(out.dataStart, bswap<u32>(selector));
  return out;
}

/**
 * Calls `target` with ABI call data (selector + arguments), forwarding at most `gas`
 * (-1: all that may be forwarded, which is all but 1/64 of what is left).
 */
export function callContract(target: Address, callData: Uint8Array, gas: i64 = -1): CallResult {
  const status = env.call_contract(target.bytes.dataStart, callData.dataStart, callData.length, gas);
  const n = env.return_data_size();
  const data = new Uint8Array(n);
  env.return_data_copy(data.dataStart, 0, n);
  return new CallResult(<CallStatus>status, data);
}
