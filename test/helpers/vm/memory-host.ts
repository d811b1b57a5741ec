/**
 * An in-memory HostEnv for tests and benchmarks: storage in Maps per contract address,
 * events and debug lines collected in arrays, nested calls dispatched to contracts
 * registered by address. Writes of a failed nested call are not rolled back: journaling is
 * the executor's job, and the VM tests here look only at the VM's side.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hexKey } from '../../../node/codec/index.js';
import {
  runContract,
  type HostEnv,
  type ModuleCache,
  type NestedCallResult,
  type PreparedContract,
} from '../../../node/vm/index.js';

export interface World {
  readonly contracts: Map<string, PreparedContract>;
  readonly storage: Map<string, Map<string, Uint8Array>>;
  readonly events: { address: string; topics: Uint8Array[]; data: Uint8Array }[];
  readonly logs: string[];
  readonly cache?: ModuleCache;
}

export function newWorld(cache?: ModuleCache): World {
  return { contracts: new Map(), storage: new Map(), events: [], logs: [], ...(cache && { cache }) };
}

export function address(n: number): Uint8Array {
  const a = new Uint8Array(20);
  a[19] = n & 0xff;
  a[18] = (n >> 8) & 0xff;
  return a;
}

export class MemoryHost implements HostEnv {
  readonly blockNumber = 42;
  readonly timestamp = 1_700_000_000_000;

  constructor(
    private readonly world: World,
    readonly self: Uint8Array,
    readonly caller: Uint8Array = address(0xcafe),
    readonly origin: Uint8Array = caller,
  ) {}

  private slots(): Map<string, Uint8Array> {
    const key = hexKey(this.self);
    let s = this.world.storage.get(key);
    if (!s) this.world.storage.set(key, (s = new Map()));
    return s;
  }

  storageGet(key: Uint8Array): Uint8Array | undefined {
    return this.slots().get(hexKey(key));
  }
  storageSet(key: Uint8Array, value: Uint8Array): void {
    this.slots().set(hexKey(key), value.slice()); // a view of linear memory: kept as a copy
  }
  storageRemove(key: Uint8Array): void {
    this.slots().delete(hexKey(key));
  }
  emitEvent(topics: Uint8Array[], data: Uint8Array): void {
    this.world.events.push({ address: hexKey(this.self), topics, data });
  }
  callContract(target: Uint8Array, input: Uint8Array, gasForwarded: number): NestedCallResult {
    const prepared = this.world.contracts.get(hexKey(target));
    if (!prepared) return { status: 'trap', gasUsed: 0, output: new Uint8Array() };
    const host = new MemoryHost(this.world, target, this.self, this.origin);
    return runContract({
      prepared,
      entry: 'call',
      input,
      gasLimit: gasForwarded,
      host,
      ...(this.world.cache && { cache: this.world.cache }),
    });
  }
  hash(data: Uint8Array): Uint8Array {
    return keccak_256(data);
  }
  verifySignature(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
    // Stand-in rule for tests: a "signature" is valid when it equals keccak(digest || publicKey).
    return hexKey(signature) === hexKey(keccak_256(new Uint8Array([...digest, ...publicKey])));
  }
  debugLog(message: string): void {
    this.world.logs.push(message);
  }
}
