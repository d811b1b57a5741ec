import { Interface, type EventFragment, type FunctionFragment } from 'ethers';
import { AbiError, AbiErrorCode, decodeAbi, encodeAbi, type AbiValue } from '../../abi/codec.js';
import { ReceiptStatus } from '../../codec/block.js';
import { CallFailure, RevertError, type CallFrame, type Contract } from '../types.js';

export type AbiMethod = (frame: CallFrame, args: AbiValue[]) => AbiValue[];

interface Method {
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly impl: AbiMethod;
}

/**
 * A built-in contract whose methods are dispatched by Solidity ABI selector, so the same
 * ethers.js / web3j tooling that talks to WebAssembly contracts talks to these. The
 * human-readable ABI is parsed once (by ethers); calls use node/abi's codec.
 */
export class AbiContract implements Contract {
  readonly iface: Interface;
  private readonly bySelector = new Map<number, Method>();

  constructor(
    readonly name: string,
    abi: readonly string[],
    methods: Record<string, AbiMethod>,
  ) {
    this.iface = new Interface(abi);
    this.iface.forEachFunction((fn: FunctionFragment) => {
      const impl = methods[fn.name];
      if (!impl) throw new Error(`${name}: ABI method ${fn.name} has no implementation`);
      this.bySelector.set(Number.parseInt(fn.selector.slice(2), 16), {
        name: fn.name,
        inputs: fn.inputs.map((p) => p.type),
        outputs: fn.outputs.map((p) => p.type),
        impl,
      });
    });
  }

  call(frame: CallFrame): Uint8Array {
    const input = frame.input;
    if (input.length < 4)
      throw new CallFailure(ReceiptStatus.BadCall, `${this.name}: input shorter than a 4-byte selector`);
    const selector = ((input[0] << 24) | (input[1] << 16) | (input[2] << 8) | input[3]) >>> 0;
    const m = this.bySelector.get(selector);
    if (!m)
      throw new CallFailure(
        ReceiptStatus.BadCall,
        `${this.name}: unknown method selector 0x${selector.toString(16).padStart(8, '0')}`,
      );
    let args: AbiValue[];
    try {
      args = decodeAbi(m.inputs, input.subarray(4));
    } catch (e) {
      throw new RevertError(`${this.name}.${m.name}: malformed ABI arguments (${(e as Error).message})`);
    }
    return encodeAbi(m.outputs, m.impl(frame, args));
  }

  /** Prepares an event for repeated emission: topic hash and parameter types computed once. */
  event(name: string): AbiEvent {
    const ev = this.iface.getEvent(name);
    if (!ev) throw new Error(`${this.name}: no event ${name}`);
    return new AbiEvent(ev);
  }
}

/** Emits Solidity-ABI logs for one event; indexed parameters must be static types. */
export class AbiEvent {
  private readonly topic0: Uint8Array;
  private readonly indexed: string[];
  private readonly data: string[];

  constructor(fragment: EventFragment) {
    this.topic0 = new Uint8Array(Buffer.from(fragment.topicHash.slice(2), 'hex'));
    this.indexed = fragment.inputs.filter((p) => p.indexed).map((p) => p.type);
    this.data = fragment.inputs.filter((p) => !p.indexed).map((p) => p.type);
    for (const t of this.indexed)
      if (t === 'string' || t === 'bytes' || t.includes('[') || t.startsWith('tuple'))
        throw new AbiError(`indexed ${t} is not supported by built-in contracts`, AbiErrorCode.UnsupportedType);
  }

  emit(frame: CallFrame, indexedValues: readonly AbiValue[], dataValues: readonly AbiValue[]): void {
    const topics = [this.topic0, ...this.indexed.map((t, i) => encodeAbi([t], [indexedValues[i]]))];
    frame.emit({ address: frame.self, topics, data: encodeAbi(this.data, dataValues) });
  }
}
