/**
 * Support for the `call`/`deploy` entry points that the transform generates from a
 * `@contract` class (see ../transform). Not meant for hand-written contract code.
 */
import { revert } from "./revert";

/** The 4-byte function selector at the start of call data. */
export function selectorOf(data: Uint8Array): u32 {
  if (data.length < 4) revert("call data has no function selector");
  return bswap<u32>(load<u32>(data.dataStart));
}

/** Reverts for a selector that matches no method of the contract. */
export function unknownSelector(selector: u32): void {
  revert("unknown function selector 0x" + hex32(selector));
}

function hex32(v: u32): string {
  const digits = "0123456789abcdef";
  let s = "";
  for (let shift = 28; shift >= 0; shift -= 4) s += digits.charAt((v >> shift) & 0xf);
  return s;
}
