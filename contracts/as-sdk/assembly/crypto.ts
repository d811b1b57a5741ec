/** The chain's cryptography, served by the host (keccak-256/secp256k1, or SM3/SM2 on `sm` chains). */
import * as env from "./env";
import { Bytes32 } from "./bytes";

/** The chain's hash of `data`. */
export function hash(data: Uint8Array): Bytes32 {
  const out = new Bytes32();
  env.hash(data.dataStart, data.length, out.bytes.dataStart);
  return out;
}

/** Whether `signature` over `digest` is valid for `publicKey` under the chain's suite. */
export function verifySignature(digest: Bytes32, signature: Uint8Array, publicKey: Uint8Array): bool {
  return env.verify_signature(digest.bytes.dataStart, signature.dataStart, signature.length, publicKey.dataStart, publicKey.length) == 1;
}
