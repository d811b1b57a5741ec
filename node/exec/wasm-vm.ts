import { ReceiptStatus } from '../codec/block.js';
import { decodeCanonical, encodeCanonical, type Canonical } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import type { StateReader } from '../state/overlay.js';
import {
  ContractRejectedError,
  DEFAULT_VM_LIMITS,
  ModuleCache,
  prepareContract,
  runContract,
  type HostEnv,
  type NestedCallResult,
  type PreparedContract,
  type RunResult,
  type VmLimits,
} from '../vm/index.js';
import { codeKey, storageKey } from './addresses.js';
import type { ContractVm } from './executor.js';
import { GasMeter, GasCost, OutOfGasError } from './gas.js';
import { CallFailure, RevertError, type CallFrame, type Contract } from './types.js';
import type { Log } from '../codec/block.js';

/** Nested calls deeper than this fail (the callee sees status 'failure'). */
export const MAX_CALL_DEPTH = 64;

/**
 * What a deployment transaction carries as input: the canonical encoding of
 * `[wasm: bytes, constructorInput: bytes, abi: string]`. The ABI (JSON, may be empty) is
 * stored so that getAbi can serve it to tools.
 */
export function encodeDeployInput(wasm: Uint8Array, constructorInput: Uint8Array, abi: string): Uint8Array {
  return encodeCanonical([wasm, constructorInput, abi]);
}

export function decodeDeployInput(input: Uint8Array): { wasm: Uint8Array; constructorInput: Uint8Array; abi: string } {
  let v: Canonical;
  try {
    v = decodeCanonical(input);
  } catch (e) {
    throw new CallFailure(
      ReceiptStatus.DeployFailed,
      `deployment input is not [wasm, constructorInput, abi]: ${(e as Error).message}`,
    );
  }
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    !(v[0] instanceof Uint8Array) ||
    !(v[1] instanceof Uint8Array) ||
    typeof v[2] !== 'string'
  ) {
    throw new CallFailure(
      ReceiptStatus.DeployFailed,
      'deployment input must be [wasm: bytes, constructorInput: bytes, abi: string]',
    );
  }
  return { wasm: v[0], constructorInput: v[1], abi: v[2] };
}

/**
 * The `data` of an Ethereum deploy transaction (no `to`) for this contract: the deploy
 * payload with an empty constructor input. Ethereum tools (ethers' ContractFactory) append
 * the ABI-encoded constructor arguments to it; ethDeployInput takes them off again.
 */
export function ethDeployBytecode(wasm: Uint8Array, abi: string): Uint8Array {
  return encodeDeployInput(wasm, new Uint8Array(), abi);
}

/**
 * The deploy input of an Ethereum deploy transaction's `data`: ethDeployBytecode's payload,
 * then the constructor arguments (any bytes, possibly none), which become the constructor
 * input. The payload's end is read from its msgpack headers; decodeDeployInput then checks
 * the payload is canonical.
 */
export function ethDeployInput(data: Uint8Array): Uint8Array {
  const end = deployPayloadEnd(data);
  const { wasm, constructorInput, abi } = decodeDeployInput(data.subarray(0, end));
  if (constructorInput.length !== 0)
    throw new CallFailure(
      ReceiptStatus.DeployFailed,
      'an Ethereum deploy carries its constructor arguments after the payload, not inside it',
    );
  return encodeDeployInput(wasm, data.subarray(end), abi);
}

/** Offset just past the [wasm, constructorInput, abi] payload at the start of `data`. */
function deployPayloadEnd(data: Uint8Array): number {
  const bad = () =>
    new CallFailure(
      ReceiptStatus.DeployFailed,
      'Ethereum deploy data does not start with a deploy payload (ethDeployBytecode)',
    );
  if (data[0] !== 0x93) throw bad(); // a msgpack fixarray of 3
  let at = 1;
  for (let item = 0; item < 3; item++) {
    const tag = data[at];
    const width =
      tag === 0xc4 || tag === 0xd9 ? 1 : tag === 0xc5 || tag === 0xda ? 2 : tag === 0xc6 || tag === 0xdb ? 4 : 0;
    let length: number;
    if (width > 0) {
      if (at + 1 + width > data.length) throw bad();
      length = 0;
      for (let i = 0; i < width; i++) length = length * 256 + data[at + 1 + i];
    } else if (tag >= 0xa0 && tag <= 0xbf) {
      length = tag - 0xa0; // fixstr
    } else throw bad();
    at += 1 + width + length;
    if (at > data.length) throw bad();
  }
  return at;
}

/** What the state holds for a deployed contract (at codeKey(address)). */
interface StoredCode {
  readonly codeHash: Uint8Array;
  readonly wasm: Uint8Array;
  readonly abi: string;
}

export function readStoredCode(state: StateReader, address: Uint8Array): StoredCode | null {
  const raw = state.get(codeKey(address));
  return raw ? decodeStoredCode(raw) : null;
}

function decodeStoredCode(raw: Uint8Array): StoredCode {
  const [codeHash, wasm, abi] = decodeCanonical(raw) as [Uint8Array, Uint8Array, string];
  return { codeHash, wasm, abi };
}

/**
 * The code hash of stored code, read from its first bytes: the canonical encoding starts
 * with a 3-array header (0x93) and the 32-byte hash as bin 8 (0xc4 0x20). A call then finds
 * its prepared module by hash without decoding (copying) the whole module every time.
 */
function storedCodeHash(raw: Uint8Array): Uint8Array | undefined {
  return raw.length >= 35 && raw[0] === 0x93 && raw[1] === 0xc4 && raw[2] === 0x20 ? raw.subarray(3, 35) : undefined;
}

/**
 * The executor's WebAssembly contracts (node/vm): deploys code, and runs calls with a
 * HostEnv over the call's state overlay. Gas: the VM meters the run and this adapter
 * charges the frame's GasMeter with what the run used.
 *
 * Nested calls run the callee in a child overlay that is merged only if the callee
 * succeeds; its events reach the caller only then. Reentrancy is refused: a contract
 * already on the call stack cannot be called again (the call fails), which rules out the
 * reentrancy bugs of EVM contracts at the cost of callback patterns.
 */
export class WasmContractVm implements ContractVm {
  private readonly cache: ModuleCache;
  private resolveAny: (state: StateReader, address: Uint8Array) => Contract | null = () => null;

  constructor(
    private readonly limits: VmLimits = DEFAULT_VM_LIMITS,
    opts: { cache?: ModuleCache; debugLog?: (contract: string, message: string) => void } = {},
  ) {
    this.cache = opts.cache ?? new ModuleCache();
    this.debugLog = opts.debugLog ?? (() => {});
  }

  /** Where contracts' debug_log lines go: the local node's log, never consensus. */
  private readonly debugLog: (contract: string, message: string) => void;

  bindResolver(resolve: (state: StateReader, address: Uint8Array) => Contract | null): void {
    this.resolveAny = resolve;
  }

  cacheStats() {
    return this.cache.stats();
  }

  deploy(frame: CallFrame, input: Uint8Array, address: Uint8Array): void {
    const { wasm, constructorInput, abi } = decodeDeployInput(input);
    if (frame.state.get(codeKey(address)))
      throw new CallFailure(ReceiptStatus.DeployFailed, `an account already exists at 0x${hexKey(address)}`);
    let prepared: PreparedContract;
    try {
      prepared = prepareContract(wasm, this.limits);
    } catch (e) {
      if (e instanceof ContractRejectedError)
        throw new CallFailure(ReceiptStatus.DeployFailed, `contract refused (${e.code}): ${e.message}`);
      throw e;
    }
    frame.gas.charge(GasCost.codeByte * wasm.length);
    frame.state.set(codeKey(address), encodeCanonical([prepared.codeHash, wasm, abi]));
    if (prepared.hasDeploy) this.run(frame, prepared, 'deploy', constructorInput);
  }

  resolve(state: StateReader, address: Uint8Array): Contract | null {
    const raw = state.get(codeKey(address));
    if (!raw) return null;
    return { call: (frame) => this.run(frame, this.prepared(raw), 'call', frame.input) };
  }

  /**
   * The prepared form of each stored code record seen, by the record's identity: the world
   * state hands out the same array for a contract's code on every read while it stays in its
   * cache, and finding the module by hash costs a hex key per call.
   */
  private readonly preparedOfRecord = new WeakMap<Uint8Array, PreparedContract>();

  /** The prepared form of stored code: from the module cache, or prepared again (not yet cached, or evicted). */
  private prepared(raw: Uint8Array): PreparedContract {
    let prepared = this.preparedOfRecord.get(raw);
    if (prepared === undefined) {
      const hash = storedCodeHash(raw);
      prepared =
        (hash && this.cache.lookup(hash, this.limits)) || prepareContract(decodeStoredCode(raw).wasm, this.limits);
      this.preparedOfRecord.set(raw, prepared);
    }
    return prepared;
  }

  private run(frame: CallFrame, prepared: PreparedContract, entry: 'call' | 'deploy', input: Uint8Array): Uint8Array {
    const result: RunResult = runContract({
      prepared,
      entry,
      input,
      gasLimit: frame.gas.left,
      host: this.host(frame),
      cache: this.cache,
    });
    switch (result.status) {
      case 'success':
        frame.gas.charge(result.gasUsed);
        return result.output;
      case 'revert':
        frame.gas.charge(result.gasUsed);
        throw new RevertError(result.revertReason ?? 'reverted', result.output);
      case 'outOfGas':
        return frame.gas.exhaust();
      case 'trap':
        frame.gas.charge(Math.min(result.gasUsed, frame.gas.left));
        throw new CallFailure(ReceiptStatus.Trapped, result.trapReason ?? 'trapped');
    }
  }

  private host(frame: CallFrame): HostEnv {
    return new FrameHost(frame, this.nestedCall, this.debugLog);
  }

  private readonly nestedCall = (
    frame: CallFrame,
    address: Uint8Array,
    input: Uint8Array,
    gasForwarded: number,
  ): NestedCallResult => {
    const failure = (gasUsed: number): NestedCallResult => ({ status: 'trap', gasUsed, output: new Uint8Array() });
    const target = hexKey(address);
    const stack = [...frame.callStack, hexKey(frame.self)];
    if (stack.includes(target) || stack.length >= MAX_CALL_DEPTH) return failure(0);
    const callee = this.resolveAny(frame.state, address);
    if (!callee) return failure(0);
    const gas = new GasMeter(gasForwarded);
    const logs: Log[] = [];
    const child = frame.state.child();
    const sub: CallFrame = {
      ...frame,
      state: child,
      gas,
      sender: frame.self,
      self: address,
      input,
      callStack: stack,
      emit: (l) => logs.push(l),
    };
    try {
      const output = callee.call(sub);
      child.mergeInto(frame.state);
      for (const l of logs) frame.emit(l);
      return { status: 'success', gasUsed: gas.used, output };
    } catch (e) {
      if (e instanceof RevertError) return { status: 'revert', gasUsed: gas.used, output: e.data };
      if (e instanceof OutOfGasError) return { status: 'outOfGas', gasUsed: gasForwarded, output: new Uint8Array() };
      if (e instanceof CallFailure) return failure(gas.used);
      throw e;
    }
  };
}

/**
 * The HostEnv of one contract run over its frame's state overlay. A class, not an object
 * of closures: one is made per run, and its methods are shared.
 */
class FrameHost implements HostEnv {
  constructor(
    private readonly frame: CallFrame,
    private readonly nested: (
      frame: CallFrame,
      address: Uint8Array,
      input: Uint8Array,
      gas: number,
    ) => NestedCallResult,
    private readonly log: (contract: string, message: string) => void,
  ) {}

  get caller(): Uint8Array {
    return this.frame.sender;
  }

  get origin(): Uint8Array {
    return this.frame.origin;
  }

  get self(): Uint8Array {
    return this.frame.self;
  }

  get blockNumber(): number {
    return this.frame.block.number;
  }

  get timestamp(): number {
    return this.frame.block.timestamp;
  }

  storageGet(key: Uint8Array): Uint8Array | undefined {
    return this.frame.state.get(storageKey(this.frame.self, key)) ?? undefined;
  }

  storageSet(key: Uint8Array, value: Uint8Array): void {
    this.writable();
    this.frame.state.set(storageKey(this.frame.self, key), value);
  }

  storageRemove(key: Uint8Array): void {
    this.writable();
    this.frame.state.delete(storageKey(this.frame.self, key));
  }

  /** The topics and data are the VM's copies out of linear memory (host.ts `read`): kept as they are. */
  emitEvent(topics: Uint8Array[], data: Uint8Array): void {
    this.frame.emit({ address: this.frame.self, topics, data });
  }

  callContract(address: Uint8Array, input: Uint8Array, gasForwarded: number): NestedCallResult {
    return this.nested(this.frame, address, input, gasForwarded);
  }

  hash(data: Uint8Array): Uint8Array {
    return this.frame.block.suite.hash(data);
  }

  verifySignature(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
    return this.frame.block.suite.verify(digest, signature, publicKey);
  }

  debugLog(message: string): void {
    this.log(`0x${hexKey(this.frame.self)}`, message);
  }

  private writable(): void {
    if (this.frame.readOnly) throw new CallFailure(ReceiptStatus.BadCall, 'state modification in a read-only call');
  }
}
