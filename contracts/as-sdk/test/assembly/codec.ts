/** Exercises the SDK's ABI codec and u256 through the generated dispatcher (see ../sdk.test.ts). */
import { Address, Bytes32, u256 } from "../../assembly";

@contract
class Codec {
  @view echoInt(v: i64): i64 { return v; }
  @view echoSmall(v: i8): i8 { return v; }
  @view echoU16(v: u16): u16 { return v; }
  @view echoBytes(v: Uint8Array): Uint8Array { return v; }
  @view echoString(v: string): string { return v; }
  @view echoAddress(v: Address): Address { return v; }
  @view echoWord(v: Bytes32): Bytes32 { return v; }
  @view add(a: u256, b: u256): u256 { return a + b; }
  @view sub(a: u256, b: u256): u256 { return a - b; }
  @view mul(a: u256, b: u256): u256 { return a * b; }
  @view less(a: u256, b: u256): bool { return a < b; }
  /** Two dynamic arguments around a static one: offsets must count from the arguments' start. */
  @view join(a: string, sep: u8, b: Uint8Array): string { return a + String.fromCharCode(sep) + String.UTF8.decode(b.buffer); }
}
