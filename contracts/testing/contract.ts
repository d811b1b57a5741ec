/**
 * A deployed contract seen through its JSON ABI, as a dapp would see it: ethers'
 * `Interface` encodes the call data and decodes results, revert data and events.
 */
import { getAddress, Interface, hexlify, type InterfaceAbi, type LogDescription, type Result } from 'ethers';
import { hexKey } from '../../node/codec/index.js';
import type { Outcome, TestChain } from './chain.js';

export interface Built {
  readonly wasm: Uint8Array;
  readonly abi: InterfaceAbi;
}

export interface Sent {
  readonly outcome: Outcome;
  /** The decoded return values (success only). */
  readonly result?: Result;
  /** Events decoded with the contract's ABI (events of other contracts are left out). */
  readonly events: LogDescription[];
}

export const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
/** The checksummed address, as ethers returns decoded addresses. */
export const addressHex = (a: Uint8Array) => getAddress(`0x${hexKey(a)}`);

export class TestContract {
  readonly iface: Interface;

  private constructor(
    readonly chain: TestChain,
    readonly address: Uint8Array,
    abi: InterfaceAbi,
  ) {
    this.iface = new Interface(abi);
  }

  static deploy(
    chain: TestChain,
    built: Built,
    args: readonly unknown[],
    from: Uint8Array,
  ): { contract: TestContract; deployed: Sent } {
    const iface = new Interface(built.abi);
    const input = bytes(iface.encodeDeploy(args));
    const { address, outcome } = chain.deploy(built.wasm, input, from);
    const contract = new TestContract(chain, address, built.abi);
    return { contract, deployed: { outcome, events: contract.parseEvents(outcome) } };
  }

  send(fn: string, args: readonly unknown[], from: Uint8Array): Sent {
    const input = bytes(this.iface.encodeFunctionData(fn, args));
    const outcome = this.chain.call(this.address, input, from);
    const events = this.parseEvents(outcome);
    if (outcome.status !== 'success') return { outcome, events };
    return { outcome, events, result: this.iface.decodeFunctionResult(fn, outcome.output) };
  }

  /** The single return value of a successful call. */
  value(fn: string, args: readonly unknown[], from: Uint8Array): unknown {
    const sent = this.send(fn, args, from);
    if (!sent.result)
      throw new Error(
        `${fn} ended with ${sent.outcome.status}: ${sent.outcome.revertReason ?? sent.outcome.trapMessage ?? ''}`,
      );
    return sent.result[0];
  }

  private parseEvents(outcome: Outcome): LogDescription[] {
    const mine = outcome.events.filter((e) => e.address === hexKey(this.address));
    return mine.map((e) => {
      const log = this.iface.parseLog({ topics: e.topics.map((t) => hexlify(t)), data: hexlify(e.data) });
      if (!log) throw new Error(`event with topic ${hexlify(e.topics[0] ?? new Uint8Array())} is not in the ABI`);
      return log;
    });
  }
}
