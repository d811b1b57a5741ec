import { Interface, type Result } from 'ethers';
import { CallFailure, RevertError, type CallFrame, type Contract } from '../types.js';
import { ReceiptStatus } from '../../codec/block.js';
import { toHex } from '../../codec/hex.js';

export type AbiMethod = (frame: CallFrame, args: Result) => readonly unknown[];

/**
 * A built-in contract whose methods are dispatched by Solidity ABI selector, so the same
 * ethers.js / web3j tooling that talks to WebAssembly contracts talks to these.
 */
export class AbiContract implements Contract {
  readonly iface: Interface;

  constructor(
    readonly name: string,
    abi: readonly string[],
    private readonly methods: Record<string, AbiMethod>,
  ) {
    this.iface = new Interface(abi);
  }

  call(frame: CallFrame): Uint8Array {
    if (frame.input.length < 4) throw new CallFailure(ReceiptStatus.BadCall, `${this.name}: input shorter than a 4-byte selector`);
    const selector = toHex(frame.input.subarray(0, 4));
    const fn = this.iface.getFunction(selector);
    if (!fn) throw new CallFailure(ReceiptStatus.BadCall, `${this.name}: unknown method selector ${selector}`);
    const impl = this.methods[fn.name];
    if (!impl) throw new CallFailure(ReceiptStatus.BadCall, `${this.name}: method ${fn.name} not implemented`);
    let args: Result;
    try {
      args = this.iface.decodeFunctionData(fn, frame.input);
    } catch (e) {
      throw new RevertError(`${this.name}.${fn.name}: malformed ABI arguments (${shortReason(e)})`);
    }
    const out = impl(frame, args);
    return new Uint8Array(Buffer.from(this.iface.encodeFunctionResult(fn, out).slice(2), 'hex'));
  }
}

function shortReason(e: unknown): string {
  const m = (e as { shortMessage?: string; message?: string }).shortMessage ?? (e as Error).message;
  return m.length > 120 ? m.slice(0, 120) + '…' : m;
}
