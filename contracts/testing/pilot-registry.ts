/**
 * A stand-in for the PilotRegistry system contract (0x…1006) on the in-memory test chain,
 * answering the two views a pilot contract reads about the transaction it runs in
 * (docs/design-decisions.md, Supervision, decision 8): `payloadCommitment()` and
 * `payloadPilot()`. A test sets `payload` to what the current transaction's private record
 * would carry; `undefined` is a transaction without one (zero commitment, pilot 0).
 */
import { AbiCoder, id } from 'ethers';
import { bytes } from './contract.js';
import type { TestChain } from './chain.js';

export const PILOT_REGISTRY = bytes('0x0000000000000000000000000000000000001006');

export interface PayloadSeen {
  readonly pilot: number;
  /** 0x-prefixed 32-byte hex. */
  readonly commitment: string;
}

const selector = (signature: string) => id(signature).slice(0, 10);
const PAYLOAD_COMMITMENT = selector('payloadCommitment()');
const PAYLOAD_PILOT = selector('payloadPilot()');
const ZERO_COMMITMENT = `0x${'00'.repeat(32)}`;

export class PilotRegistryStub {
  payload: PayloadSeen | undefined;

  constructor(chain: TestChain) {
    chain.installNative(PILOT_REGISTRY, (input) => this.call(input));
  }

  private call(input: Uint8Array): Uint8Array {
    const abi = AbiCoder.defaultAbiCoder();
    const sel = `0x${Buffer.from(input.subarray(0, 4)).toString('hex')}`;
    if (sel === PAYLOAD_COMMITMENT)
      return bytes(abi.encode(['bytes32'], [this.payload?.commitment ?? ZERO_COMMITMENT]));
    if (sel === PAYLOAD_PILOT) return bytes(abi.encode(['uint64'], [this.payload?.pilot ?? 0]));
    throw new Error(`PilotRegistryStub: no method with selector ${sel}`);
  }
}
