/**
 * Contract storage. Keys and values are bytes; the typed collections below fix one
 * layout, shared with the Rust SDK so both languages read each other's state:
 *
 *   StorageValue(name)          key = utf8(name)
 *   StorageMap(name)[k]         key = utf8(name) ++ 0x00 ++ abi(k)
 *   StorageMap2(name)[k1][k2]   key = utf8(name) ++ 0x00 ++ abi(k1) ++ abi(k2)
 *   value                       abi(v)  (the ABI encoding of the single value)
 *
 * Names contain no NUL byte, so the layout is prefix-free: no value or map entry can
 * alias another's key.
 */
import * as env from "./env";
import { concat, utf8 } from "./bytes";
import { decodeOne, encodeOne } from "./abi";

/** Most values (a word, a short string) fit here, so one storage_get usually suffices. */
const FIRST_READ: i32 = 128;

/** The raw value under `key`, or null if there is none. */
export function storageGet(key: Uint8Array): Uint8Array | null {
  const buf = new Uint8Array(FIRST_READ);
  const len = env.storage_get(key.dataStart, key.length, buf.dataStart, FIRST_READ);
  if (len < 0) return null;
  if (len <= FIRST_READ) return buf.subarray(0, len);
  const full = new Uint8Array(len);
  env.storage_get(key.dataStart, key.length, full.dataStart, len);
  return full;
}

export function storageSet(key: Uint8Array, value: Uint8Array): void {
  env.storage_set(key.dataStart, key.length, value.dataStart, value.length);
}

export function storageRemove(key: Uint8Array): void {
  env.storage_remove(key.dataStart, key.length);
}

/** utf8(name) ++ 0x00 (the new array's last byte is already zero). */
function mapPrefix(name: string): Uint8Array {
  const n = utf8(name);
  const out = new Uint8Array(n.length + 1);
  memory.copy(out.dataStart, n.dataStart, <usize>n.length);
  return out;
}

/** One typed value under a name. */
export class StorageValue<T> {
  private readonly key: Uint8Array;

  constructor(name: string) {
    this.key = utf8(name);
  }

  /** The stored value, or `fallback` if none was set. */
  get(fallback: T): T {
    const raw = storageGet(this.key);
    return raw === null ? fallback : decodeOne<T>(raw);
  }

  has(): bool {
    return storageGet(this.key) !== null;
  }

  set(value: T): void {
    storageSet(this.key, encodeOne<T>(value));
  }

  remove(): void {
    storageRemove(this.key);
  }
}

/** A map from ABI-encodable keys to typed values (Solidity's `mapping(K => V)`). */
export class StorageMap<K, V> {
  private readonly prefix: Uint8Array;

  constructor(name: string) {
    this.prefix = mapPrefix(name);
  }

  private keyOf(k: K): Uint8Array {
    return concat(this.prefix, encodeOne<K>(k));
  }

  get(k: K, fallback: V): V {
    const raw = storageGet(this.keyOf(k));
    return raw === null ? fallback : decodeOne<V>(raw);
  }

  has(k: K): bool {
    return storageGet(this.keyOf(k)) !== null;
  }

  set(k: K, value: V): void {
    storageSet(this.keyOf(k), encodeOne<V>(value));
  }

  remove(k: K): void {
    storageRemove(this.keyOf(k));
  }
}

/** A map keyed by two values (Solidity's `mapping(K1 => mapping(K2 => V))`, e.g. allowances). */
export class StorageMap2<K1, K2, V> {
  private readonly prefix: Uint8Array;

  constructor(name: string) {
    this.prefix = mapPrefix(name);
  }

  private keyOf(k1: K1, k2: K2): Uint8Array {
    return concat(concat(this.prefix, encodeOne<K1>(k1)), encodeOne<K2>(k2));
  }

  get(k1: K1, k2: K2, fallback: V): V {
    const raw = storageGet(this.keyOf(k1, k2));
    return raw === null ? fallback : decodeOne<V>(raw);
  }

  has(k1: K1, k2: K2): bool {
    return storageGet(this.keyOf(k1, k2)) !== null;
  }

  set(k1: K1, k2: K2, value: V): void {
    storageSet(this.keyOf(k1, k2), encodeOne<V>(value));
  }

  remove(k1: K1, k2: K2): void {
    storageRemove(this.keyOf(k1, k2));
  }
}
