/**
 * An in-memory chain for contract tests: storage per contract, events, nested calls, and
 * the executor's rules that matter to contracts: a run that does not succeed leaves no
 * storage writes and no events (nested runs too), and reentrancy is refused (a contract
 * already on the call stack cannot be called again), as in node/exec.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hexKey } from '../../node/codec/index.js';
import {
  ModuleCache,
  prepareContract,
  runContract,
  type EntryPoint,
  type HostEnv,
  type NestedCallResult,
  type PreparedContract,
  type RunResult,
} from '../../node/vm/index.js';

export interface EmittedEvent {
  readonly address: string;
  readonly topics: Uint8Array[];
  readonly data: Uint8Array;
}

/** A built-in contract implemented in TypeScript (as the node's system contracts are): call data in, output out. */
export type NativeContract = (input: Uint8Array, caller: Uint8Array) => Uint8Array;

export interface Outcome extends RunResult {
  /** Events of this run (empty unless it succeeded). */
  readonly events: EmittedEvent[];
}

const EMPTY = new Uint8Array();

/** The address `n` as 20 bytes (big-endian in the last bytes). */
export function testAddress(n: number): Uint8Array {
  const a = new Uint8Array(20);
  new DataView(a.buffer).setUint32(16, n);
  return a;
}

export class TestChain {
  readonly blockNumber = 42;
  /** Block time (ms) seen by every run; tests move it forward to cross expiries and due dates. */
  timestamp = 1_700_000_000_000;
  readonly events: EmittedEvent[] = [];
  private readonly storage = new Map<string, Map<string, Uint8Array>>();
  private readonly code = new Map<string, PreparedContract>();
  private readonly natives = new Map<string, NativeContract>();
  private readonly cache = new ModuleCache();
  private readonly stack: string[] = [];
  private next = 0x10000;

  /** Deploys `wasm` with constructor input `args`; on failure nothing is deployed. */
  deploy(
    wasm: Uint8Array,
    args: Uint8Array,
    from: Uint8Array,
    gasLimit = 50_000_000,
  ): { address: Uint8Array; outcome: Outcome } {
    const prepared = prepareContract(wasm);
    const address = testAddress(this.next++);
    this.code.set(hexKey(address), prepared);
    const outcome = prepared.hasDeploy
      ? this.run(prepared, 'deploy', args, address, from, from, gasLimit)
      : { status: 'success' as const, gasUsed: 0, output: EMPTY, events: [] };
    if (outcome.status !== 'success') this.code.delete(hexKey(address));
    return { address, outcome };
  }

  /** A transaction (or query) from `from` to the contract at `to`. */
  call(to: Uint8Array, input: Uint8Array, from: Uint8Array, gasLimit = 50_000_000): Outcome {
    const prepared = this.code.get(hexKey(to));
    if (!prepared) throw new Error(`no contract at 0x${hexKey(to)}`);
    return this.run(prepared, 'call', input, to, from, from, gasLimit);
  }

  /** Puts a built-in contract at `address`, for contracts under test that call a system contract. */
  installNative(address: Uint8Array, contract: NativeContract): void {
    this.natives.set(hexKey(address), contract);
  }

  /** A copy of a contract's storage, keyed by hex key. */
  storageOf(address: Uint8Array): Map<string, string> {
    return new Map([...(this.storage.get(hexKey(address)) ?? [])].map(([k, v]) => [k, hexKey(v)]));
  }

  private run(
    prepared: PreparedContract,
    entry: EntryPoint,
    input: Uint8Array,
    self: Uint8Array,
    caller: Uint8Array,
    origin: Uint8Array,
    gasLimit: number,
  ): Outcome {
    const saved = new Map([...this.storage].map(([a, s]) => [a, new Map(s)]));
    const eventsBefore = this.events.length;
    this.stack.push(hexKey(self));
    let result: RunResult;
    try {
      result = runContract({
        prepared,
        entry,
        input,
        gasLimit,
        host: this.host(self, caller, origin),
        cache: this.cache,
      });
    } finally {
      this.stack.pop();
    }
    if (result.status !== 'success') {
      this.storage.clear();
      for (const [a, s] of saved) this.storage.set(a, s);
      this.events.length = eventsBefore;
    }
    return { ...result, events: this.events.slice(eventsBefore) };
  }

  private slots(self: Uint8Array): Map<string, Uint8Array> {
    const key = hexKey(self);
    let s = this.storage.get(key);
    if (!s) this.storage.set(key, (s = new Map()));
    return s;
  }

  private host(self: Uint8Array, caller: Uint8Array, origin: Uint8Array): HostEnv {
    return {
      self,
      caller,
      origin,
      blockNumber: this.blockNumber,
      timestamp: this.timestamp,
      storageGet: (key) => this.slots(self).get(hexKey(key)),
      // The value is a view of linear memory (HostEnv): kept as a copy.
      storageSet: (key, value) => void this.slots(self).set(hexKey(key), value.slice()),
      storageRemove: (key) => void this.slots(self).delete(hexKey(key)),
      emitEvent: (topics, data) => void this.events.push({ address: hexKey(self), topics, data }),
      callContract: (target, input, gas) => this.nested(self, target, input, gas, origin),
      hash: (data) => keccak_256(data),
      verifySignature: () => false,
      debugLog: () => {},
    };
  }

  private nested(
    self: Uint8Array,
    target: Uint8Array,
    input: Uint8Array,
    gas: number,
    origin: Uint8Array,
  ): NestedCallResult {
    const native = this.natives.get(hexKey(target));
    if (native) return { status: 'success', gasUsed: 0, output: native(input, self) };
    const prepared = this.code.get(hexKey(target));
    if (!prepared || this.stack.includes(hexKey(target))) return { status: 'trap', gasUsed: 0, output: EMPTY };
    const { status, gasUsed, output } = this.run(prepared, 'call', input, target, self, origin, gas);
    return { status, gasUsed, output };
  }
}
