/**
 * Binds one contract run to its HostEnv: the `lingding` v1 import object. Every host
 * function charges its gas first (so an out-of-gas call has no effect), reads and writes
 * linear memory only through bounds-checked helpers, and ends the run by throwing one of
 * the signals below, which unwind through WebAssembly untouched (exception handling is
 * refused at deploy time, so a contract cannot catch them).
 */
import { VmInternalError } from './errors.js';
import type { WasmGlobal, WasmMemory } from './wasm/engine.js';
import { EVENT_TOPIC_COST, HostCost } from './gas.js';
import { type GasCharge, gasMeter } from './gas-meter.js';
import {
  ADDRESS_BYTES,
  CallStatus,
  HASH_BYTES,
  MAX_TOPICS,
  TOPIC_BYTES,
  type HostEnv,
  type HostFunctionName,
} from './host-api.js';

/** `finish` or `revert` was called: the run ends with this status and data. */
export class HaltSignal {
  constructor(
    readonly status: 'success' | 'revert',
    readonly data: Uint8Array,
  ) {}
}

/** A host function found the gas counter short. */
export class OutOfGasSignal {}

/** A host function refused its arguments (bad pointer, too many topics, ...). */
export class HostTrapSignal {
  constructor(readonly message: string) {}
}

const EMPTY = new Uint8Array();
const utf8 = new TextDecoder('utf-8', { fatal: false });

// biome-ignore lint/suspicious/noConfusingVoidType: host functions without a result return nothing to WebAssembly
type HostImports = Record<HostFunctionName, (...args: never[]) => number | bigint | void>;

/**
 * The host side of one instance. An instance may serve many runs (see cache.ts), one at a
 * time: `begin` gives it the run's world and input and `end` takes them away again, so
 * nothing of one run (its return data included) is visible to the next.
 */
export class HostBinding {
  private memory: WasmMemory | undefined;
  /** A view of `memory`'s buffer (see `bytes`); EMPTY until the first host call of an instance. */
  private mem8: Uint8Array = EMPTY;
  private gas: WasmGlobal | undefined;
  /** Takes gas from `gas` without a BigInt (gas-meter.ts). */
  private chargeGas: GasCharge | undefined;
  private env: HostEnv | undefined;
  private input: Uint8Array = EMPTY;
  /** Output of the last call_contract, read with return_data_size/return_data_copy. */
  private returnData: Uint8Array = EMPTY;
  /** False between runs; any host call then is a VM bug, not contract behaviour. */
  private live = false;
  readonly imports: HostImports;

  constructor() {
    this.imports = this.build();
  }

  /** Connects the instance's memory and gas counter (exports exist only after instantiation). */
  attach(memory: WasmMemory, gas: WasmGlobal): void {
    this.memory = memory;
    this.mem8 = EMPTY;
    this.gas = gas;
    this.chargeGas = gasMeter(gas);
  }

  begin(env: HostEnv, input: Uint8Array): void {
    this.env = env;
    this.input = input;
    this.returnData = EMPTY;
    this.live = true;
  }

  end(): void {
    this.live = false;
    this.env = undefined;
    this.input = EMPTY;
    this.returnData = EMPTY;
  }

  /** Charges `name`'s base cost (plus `extra`) and its per-byte cost for `bytes`. */
  private charge(name: HostFunctionName, bytes: number, extra = 0): void {
    const { base, perByte } = HostCost[name];
    // Exact in a double: bytes < 2^33 (two u32 lengths) and perByte <= 50 keep it far below 2^53.
    this.pay(name, base + extra + perByte * bytes);
  }

  /** `amount`: an integer below 2^53. */
  private pay(name: HostFunctionName, amount: number): void {
    if (!this.live || !this.chargeGas) throw new VmInternalError(`host function ${name} called outside a live run`);
    if (this.chargeGas(amount)) throw new OutOfGasSignal();
  }

  /**
   * Linear memory as bytes, kept between host calls: making a view costs more than most
   * host functions' own work. Growing memory detaches the old buffer, and a view of a
   * detached buffer has length 0, which is when a new one is made.
   */
  private bytes(): Uint8Array {
    let m = this.mem8;
    if (m.length === 0) m = this.mem8 = new Uint8Array(this.memory!.buffer);
    return m;
  }

  /** The start of [ptr, ptr+len) in `m`, trapping unless the range is inside it. */
  private bounds(name: string, m: Uint8Array, ptr: number, len: number): number {
    const start = ptr >>> 0;
    const n = len >>> 0;
    if (start + n > m.length)
      throw new HostTrapSignal(`${name}: memory access out of bounds (${start}+${n} > ${m.length})`);
    return start;
  }

  /** Memory's bytes at [ptr, ptr+len), not copied: valid only until the contract runs again. */
  private view(name: string, ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    const start = this.bounds(name, m, ptr, len);
    return m.subarray(start, start + (len >>> 0));
  }

  /**
   * A copy of memory's bytes at [ptr, ptr+len). Callers read long ranges in parts where
   * they can: V8 keeps a copy of at most 64 bytes on its heap, and a longer one costs an
   * allocation outside it several times dearer.
   */
  private read(name: string, ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    const start = this.bounds(name, m, ptr, len);
    return m.slice(start, start + (len >>> 0));
  }

  private write(name: string, ptr: number, data: Uint8Array): void {
    const m = this.bytes();
    m.set(data, this.bounds(name, m, ptr, data.length));
  }

  /** Copies `len` bytes of `src` from `offset` into memory, trapping if the range is outside `src`. */
  private copyOut(name: string, src: Uint8Array, dst: number, offset: number, len: number): void {
    const o = offset >>> 0;
    const n = len >>> 0;
    if (o + n > src.length)
      throw new HostTrapSignal(`${name}: range ${o}+${n} is outside the ${src.length}-byte source`);
    this.write(name, dst, src.subarray(o, o + n));
  }

  private fixed(name: string, value: Uint8Array, size: number): Uint8Array {
    if (value.length !== size)
      throw new VmInternalError(`HostEnv gave ${value.length} bytes for ${name}, expected ${size}`);
    return value;
  }

  private build(): HostImports {
    // The run's world, read at each call: the imports outlive any one run.
    const env = () => this.env!;
    return {
      input_size: () => {
        this.charge('input_size', 0);
        return this.input.length;
      },
      input_copy: (dst: number, offset: number, len: number) => {
        this.charge('input_copy', len >>> 0);
        this.copyOut('input_copy', this.input, dst, offset, len);
      },
      finish: (ptr: number, len: number) => {
        this.charge('finish', len >>> 0);
        throw new HaltSignal('success', this.read('finish', ptr, len));
      },
      revert: (ptr: number, len: number) => {
        this.charge('revert', len >>> 0);
        throw new HaltSignal('revert', this.read('revert', ptr, len));
      },
      caller: (dst: number) => {
        this.charge('caller', 0);
        this.write('caller', dst, this.fixed('caller', env().caller, ADDRESS_BYTES));
      },
      origin: (dst: number) => {
        this.charge('origin', 0);
        this.write('origin', dst, this.fixed('origin', env().origin, ADDRESS_BYTES));
      },
      self_address: (dst: number) => {
        this.charge('self_address', 0);
        this.write('self_address', dst, this.fixed('self', env().self, ADDRESS_BYTES));
      },
      block_number: () => {
        this.charge('block_number', 0);
        return BigInt(env().blockNumber);
      },
      timestamp: () => {
        this.charge('timestamp', 0);
        return BigInt(env().timestamp);
      },
      gas_left: () => {
        this.charge('gas_left', 0);
        return this.gas!.value as bigint;
      },
      storage_get: (keyPtr: number, keyLen: number, dst: number, cap: number) => {
        this.charge('storage_get', keyLen >>> 0);
        const value = env().storageGet(this.view('storage_get', keyPtr, keyLen));
        if (value === undefined) return -1;
        // Exact in a double, as in charge.
        this.pay('storage_get', HostCost.storage_get.perByte * value.length);
        const room = cap >>> 0;
        this.write('storage_get', dst, value.length <= room ? value : value.subarray(0, room));
        return value.length;
      },
      storage_set: (keyPtr: number, keyLen: number, valuePtr: number, valueLen: number) => {
        this.charge('storage_set', (keyLen >>> 0) + (valueLen >>> 0));
        env().storageSet(this.view('storage_set', keyPtr, keyLen), this.view('storage_set', valuePtr, valueLen));
      },
      storage_remove: (keyPtr: number, keyLen: number) => {
        this.charge('storage_remove', keyLen >>> 0);
        env().storageRemove(this.view('storage_remove', keyPtr, keyLen));
      },
      emit_event: (topicsPtr: number, topicCount: number, dataPtr: number, dataLen: number) => {
        const count = topicCount >>> 0;
        if (count > MAX_TOPICS) throw new HostTrapSignal(`emit_event: ${count} topics; at most ${MAX_TOPICS}`);
        this.charge('emit_event', dataLen >>> 0, EVENT_TOPIC_COST * count);
        const start = this.bounds('emit_event', this.bytes(), topicsPtr, count * TOPIC_BYTES);
        const topics: Uint8Array[] = [];
        for (let i = 0; i < count; i++) topics.push(this.read('emit_event', start + i * TOPIC_BYTES, TOPIC_BYTES));
        env().emitEvent(topics, this.read('emit_event', dataPtr, dataLen));
      },
      call_contract: (addrPtr: number, inputPtr: number, inputLen: number, gas: bigint) => {
        this.charge('call_contract', inputLen >>> 0);
        const address = this.read('call_contract', addrPtr, ADDRESS_BYTES);
        const input = this.read('call_contract', inputPtr, inputLen);
        // As EIP-150: the caller keeps 1/64 of what it has left, so a callee that burns
        // everything it was given (a trap, an endless loop) cannot strand the caller.
        const left = this.gas!.value as bigint;
        const available = left - left / 64n;
        const forwarded = gas < 0n || gas > available ? available : gas;
        this.gas!.value = left - forwarded;
        const result = env().callContract(address, input, Number(forwarded));
        if (!Number.isSafeInteger(result.gasUsed) || result.gasUsed < 0 || result.gasUsed > forwarded) {
          throw new VmInternalError(`callContract reported gasUsed ${result.gasUsed} for ${forwarded} forwarded`);
        }
        this.gas!.value = (this.gas!.value as bigint) + forwarded - BigInt(result.gasUsed);
        const ok = result.status === 'success';
        this.returnData = ok || result.status === 'revert' ? result.output : EMPTY;
        return ok ? CallStatus.success : result.status === 'revert' ? CallStatus.revert : CallStatus.failure;
      },
      return_data_size: () => {
        this.charge('return_data_size', 0);
        return this.returnData.length;
      },
      return_data_copy: (dst: number, offset: number, len: number) => {
        this.charge('return_data_copy', len >>> 0);
        this.copyOut('return_data_copy', this.returnData, dst, offset, len);
      },
      hash: (ptr: number, len: number, dst: number) => {
        this.charge('hash', len >>> 0);
        const digest = this.fixed('hash', env().hash(this.read('hash', ptr, len)), HASH_BYTES);
        this.write('hash', dst, digest);
      },
      verify_signature: (digestPtr: number, sigPtr: number, sigLen: number, keyPtr: number, keyLen: number) => {
        this.charge('verify_signature', (sigLen >>> 0) + (keyLen >>> 0));
        const digest = this.read('verify_signature', digestPtr, HASH_BYTES);
        const ok = env().verifySignature(
          digest,
          this.read('verify_signature', sigPtr, sigLen),
          this.read('verify_signature', keyPtr, keyLen),
        );
        return ok ? 1 : 0;
      },
      debug_log: (ptr: number, len: number) => {
        this.charge('debug_log', len >>> 0);
        env().debugLog(utf8.decode(this.read('debug_log', ptr, len)));
      },
    };
  }
}
