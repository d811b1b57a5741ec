/**
 * Reverting: Solidity's `Error(string)` encoding, so ethers.js and the node's
 * `revertReason` decode the message. The host's revert ends the run; `unreachable` after
 * it only tells the compiler that control does not come back.
 */
import * as env from "./env";
import { utf8 } from "./bytes";

/** Error(string): selector 0x08c379a0, then the ABI-encoded string. */
export function encodeError(message: string): Uint8Array {
  const text = utf8(message);
  const padded = (text.length + 31) & ~31;
  const out = new Uint8Array(4 + 64 + padded);
  const p = out.dataStart;
  store<u32>(p, bswap<u32>(0x08c379a0));
  store<u8>(p + 4 + 31, 0x20);
  store<u32>(p + 4 + 60, bswap<u32>(<u32>text.length));
  memory.copy(p + 68, text.dataStart, <usize>text.length);
  return out;
}

/** Ends the run reverted with `message`; storage writes and events of the run are dropped. */
export function revert(message: string): void {
  const data = encodeError(message);
  env.revert(data.dataStart, data.length);
  unreachable();
}

/** Ends the run reverted with `data` as is (e.g. a callee's revert data, passed on). */
export function revertWith(data: Uint8Array): void {
  env.revert(data.dataStart, data.length);
  unreachable();
}

/** Reverts with `message` unless `condition` holds. */
export function require(condition: bool, message: string): void {
  if (!condition) revert(message);
}

/**
 * AssemblyScript's `abort` (failed assertions, `throw`, bounds checks) routed to revert,
 * so a contract never imports `env.abort`. The build passes it as `--use abort=...`.
 */
export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  revert(message !== null ? message : "abort");
}
