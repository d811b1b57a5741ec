/**
 * Events (logs). Contracts declare them with `@event declare function Name(...)` and the
 * transform generates the body from these helpers: topic 0 is keccak-256 of the Solidity
 * signature (computed at build time), indexed parameters are further topics, the rest is
 * ABI-encoded data, exactly as Solidity emits them, so ethers' `Interface.parseLog` reads them.
 */
import * as env from "./env";
import { encodeOne } from "./abi";

/** Emits an event with up to 4 topics of 32 bytes each. */
export function emitEvent(topics: Array<Uint8Array>, data: Uint8Array): void {
  const n = topics.length;
  const buf = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    const t = topics[i];
    if (t.length != 32) throw new Error("event topic must be 32 bytes");
    memory.copy(buf.dataStart + <usize>(i * 32), t.dataStart, 32);
  }
  env.emit_event(buf.dataStart, n, data.dataStart, data.length);
}

/** An indexed parameter's topic: its 32-byte ABI word (dynamic types cannot be indexed). */
export function topicOf<T>(v: T): Uint8Array {
  if (isString<T>() || (isManaged<T>() && idof<T>() == idof<Uint8Array>())) ERROR("indexed string/bytes parameters are not supported");
  return encodeOne<T>(v);
}

/**
 * Emits an event whose `topicCount` topics lie back to back at `topics` and whose data is
 * the `dataLen` bytes at `data` (how generated event bodies emit: no arrays to copy from).
 */
export function emitEventAt(topics: usize, topicCount: i32, data: usize, dataLen: i32): void {
  env.emit_event(topics, topicCount, data, dataLen);
}
