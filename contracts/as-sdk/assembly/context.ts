/** The run's context: call data, who is calling, which contract and block this is. */
import * as env from "./env";
import { Address } from "./bytes";
import { writeWord } from "./abi";

/** Where a static return value's word is written for the host to copy. */
const RESULT_WORD: usize = memory.data(32);

/** The call data (for `deploy`: the constructor arguments). */
export function input(): Uint8Array {
  const n = env.input_size();
  const data = new Uint8Array(n);
  env.input_copy(data.dataStart, 0, n);
  return data;
}

/** The immediate caller: the signer, or the contract that called this one. */
export function caller(): Address {
  const a = new Address();
  env.caller(a.bytes.dataStart);
  return a;
}

/** The transaction's signer, however deep the call chain. */
export function origin(): Address {
  const a = new Address();
  env.origin(a.bytes.dataStart);
  return a;
}

/** This contract's own address. */
export function selfAddress(): Address {
  const a = new Address();
  env.self_address(a.bytes.dataStart);
  return a;
}

export function blockNumber(): u64 {
  return <u64>env.block_number();
}

/** Block timestamp in milliseconds, chosen by the block's proposer. */
export function timestamp(): u64 {
  return <u64>env.timestamp();
}

export function gasLeft(): u64 {
  return <u64>env.gas_left();
}

/** Ends the run successfully with `output` as the return data. */
export function finish(output: Uint8Array): void {
  env.finish(output.dataStart, output.length);
  unreachable();
}

/** Ends the run successfully returning `v`, a static ABI type, as its one word (no encoder, no array). */
export function finishWord<T>(v: T): void {
  writeWord<T>(RESULT_WORD, v);
  env.finish(RESULT_WORD, 32);
  unreachable();
}

/** A developer log line (shown by the node's debug log, never part of consensus). */
export function debugLog(message: string): void {
  const text = String.UTF8.encode(message);
  env.debug_log(changetype<usize>(text), text.byteLength);
}
