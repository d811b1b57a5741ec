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
import { decodeOne, encodeOne, isStaticAbi, readWord, writeWord } from "./abi";
import { revert } from "./revert";

const WORD: i32 = 32;

/** Most values (a word, a short string) fit here, so one storage_get usually suffices. */
const FIRST_READ: i32 = 128;

/**
 * A static value on its way to or from the host, which copies it (and charges a read by
 * the value's length, not by what it copies), so reads and writes of words allocate nothing.
 */
const VALUE_WORD: usize = memory.data(WORD);

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

/** The value under `key` decoded as T, or `fallback`; a static T is read into VALUE_WORD. */
function getValue<T>(key: Uint8Array, fallback: T): T {
  if (!isStaticAbi<T>()) {
    const raw = storageGet(key);
    return raw === null ? fallback : decodeOne<T>(raw);
  }
  const len = env.storage_get(key.dataStart, key.length, VALUE_WORD, WORD);
  if (len < 0) return fallback;
  // As decodeOne would on a value shorter than its word.
  if (len < WORD) revert("abi: call data too short");
  return readWord<T>(VALUE_WORD);
}

/** Whether `key` holds a value: a read that copies nothing (and is charged as any read). */
function exists(key: Uint8Array): bool {
  return env.storage_get(key.dataStart, key.length, VALUE_WORD, 0) >= 0;
}

function setValue<T>(key: Uint8Array, value: T): void {
  if (!isStaticAbi<T>()) {
    storageSet(key, encodeOne<T>(value));
    return;
  }
  writeWord<T>(VALUE_WORD, value);
  env.storage_set(key.dataStart, key.length, VALUE_WORD, WORD);
}

/**
 * utf8(name) ++ 0x00, then `room` bytes that static key words are written into (the new
 * array's bytes after the name are zero). A contract's collections are built on every
 * call and most go unused, so they make this on first use.
 */
function mapKey(name: string, room: i32): Uint8Array {
  // Encoded straight into the key, as String.UTF8.encode (which utf8() uses) would encode it.
  const out = new Uint8Array(String.UTF8.byteLength(name) + 1 + room);
  String.UTF8.encodeUnsafe(changetype<usize>(name), name.length, out.dataStart);
  return out;
}

/** One typed value under a name. */
export class StorageValue<T> {
  /** utf8(name), made on first use. */
  private encodedKey: Uint8Array | null = null;

  constructor(private readonly name: string) {}

  private key(): Uint8Array {
    let k = this.encodedKey;
    if (k === null) this.encodedKey = k = utf8(this.name);
    return k;
  }

  /** The stored value, or `fallback` if none was set. */
  get(fallback: T): T {
    return getValue<T>(this.key(), fallback);
  }

  has(): bool {
    return exists(this.key());
  }

  set(value: T): void {
    setValue<T>(this.key(), value);
  }

  remove(): void {
    storageRemove(this.key());
  }
}

/**
 * A map from ABI-encodable keys to typed values (Solidity's `mapping(K => V)`). A static
 * key's word is written in place after the prefix of one array the map keeps: the host
 * copies a key before returning, so the array is reused by every access.
 */
export class StorageMap<K, V> {
  private buffer: Uint8Array | null = null;

  constructor(private readonly name: string) {}

  private keyOf(k: K): Uint8Array {
    let b = this.buffer;
    if (isStaticAbi<K>()) {
      if (b === null) this.buffer = b = mapKey(this.name, WORD);
      writeWord<K>(b.dataStart + <usize>(b.length - WORD), k);
      return b;
    }
    if (b === null) this.buffer = b = mapKey(this.name, 0);
    return concat(b, encodeOne<K>(k));
  }

  get(k: K, fallback: V): V {
    return getValue<V>(this.keyOf(k), fallback);
  }

  has(k: K): bool {
    return exists(this.keyOf(k));
  }

  set(k: K, value: V): void {
    setValue<V>(this.keyOf(k), value);
  }

  remove(k: K): void {
    storageRemove(this.keyOf(k));
  }
}

/** A map keyed by two values (Solidity's `mapping(K1 => mapping(K2 => V))`, e.g. allowances). */
export class StorageMap2<K1, K2, V> {
  /** As StorageMap's: room for both words when both keys are static, else the bare prefix. */
  private buffer: Uint8Array | null = null;

  constructor(private readonly name: string) {}

  private keyOf(k1: K1, k2: K2): Uint8Array {
    let b = this.buffer;
    if (isStaticAbi<K1>() && isStaticAbi<K2>()) {
      if (b === null) this.buffer = b = mapKey(this.name, 2 * WORD);
      const words = b.dataStart + <usize>(b.length - 2 * WORD);
      writeWord<K1>(words, k1);
      writeWord<K2>(words + WORD, k2);
      return b;
    }
    if (b === null) this.buffer = b = mapKey(this.name, 0);
    return concat(concat(b, encodeOne<K1>(k1)), encodeOne<K2>(k2));
  }

  get(k1: K1, k2: K2, fallback: V): V {
    return getValue<V>(this.keyOf(k1, k2), fallback);
  }

  has(k1: K1, k2: K2): bool {
    return exists(this.keyOf(k1, k2));
  }

  set(k1: K1, k2: K2, value: V): void {
    setValue<V>(this.keyOf(k1, k2), value);
  }

  remove(k1: K1, k2: K2): void {
    storageRemove(this.keyOf(k1, k2));
  }
}
