//! Contract storage, with the same layout as the AssemblyScript SDK (so either language
//! can read the other's state):
//!
//!   StorageValue(name)          key = utf8(name)
//!   StorageMap(name)[k]         key = utf8(name) ++ 0x00 ++ abi(k)
//!   StorageMap2(name)[k1][k2]   key = utf8(name) ++ 0x00 ++ abi(k1) ++ abi(k2)
//!   value                       abi(v)
//!
//! Names contain no NUL byte, so no key can alias another's.

use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::abi::{decode_one, encode_one, AbiType};
use crate::env;

/// Most values (a word, a short string) fit here, so one storage_get usually suffices.
const FIRST_READ: usize = 128;

/// The raw value under `key`, if any.
pub fn get(key: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(FIRST_READ);
    let len = unsafe { env::storage_get(key.as_ptr(), key.len() as i32, buf.as_mut_ptr(), FIRST_READ as i32) };
    if len < 0 {
        return None;
    }
    let len = len as usize;
    if len > FIRST_READ {
        buf.reserve(len);
        unsafe { env::storage_get(key.as_ptr(), key.len() as i32, buf.as_mut_ptr(), len as i32) };
    }
    // SAFETY: the host wrote `len` bytes into the buffer, whose capacity is at least `len`.
    unsafe { buf.set_len(len) };
    Some(buf)
}

pub fn set(key: &[u8], value: &[u8]) {
    unsafe { env::storage_set(key.as_ptr(), key.len() as i32, value.as_ptr(), value.len() as i32) }
}

pub fn remove(key: &[u8]) {
    unsafe { env::storage_remove(key.as_ptr(), key.len() as i32) }
}

fn map_key(name: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 1 + 32 * parts.len());
    key.extend_from_slice(name.as_bytes());
    key.push(0);
    for p in parts {
        key.extend_from_slice(p);
    }
    key
}

/// One typed value under a name.
pub struct StorageValue<T> {
    name: &'static str,
    _t: PhantomData<T>,
}

impl<T: AbiType> StorageValue<T> {
    pub const fn new(name: &'static str) -> Self {
        StorageValue { name, _t: PhantomData }
    }

    /// The stored value, or `fallback` if none was set.
    pub fn get_or(&self, fallback: T) -> T {
        get(self.name.as_bytes()).map(|raw| decode_one(&raw)).unwrap_or(fallback)
    }

    pub fn has(&self) -> bool {
        get(self.name.as_bytes()).is_some()
    }

    pub fn set(&self, value: &T) {
        set(self.name.as_bytes(), &encode_one(value))
    }

    pub fn remove(&self) {
        remove(self.name.as_bytes())
    }
}

/// A map from ABI-encodable keys to typed values (Solidity's `mapping(K => V)`).
pub struct StorageMap<K, V> {
    name: &'static str,
    _kv: PhantomData<(K, V)>,
}

impl<K: AbiType, V: AbiType> StorageMap<K, V> {
    pub const fn new(name: &'static str) -> Self {
        StorageMap { name, _kv: PhantomData }
    }

    fn key(&self, k: &K) -> Vec<u8> {
        map_key(self.name, &[&encode_one(k)])
    }

    pub fn get_or(&self, k: &K, fallback: V) -> V {
        get(&self.key(k)).map(|raw| decode_one(&raw)).unwrap_or(fallback)
    }

    pub fn has(&self, k: &K) -> bool {
        get(&self.key(k)).is_some()
    }

    pub fn set(&self, k: &K, value: &V) {
        set(&self.key(k), &encode_one(value))
    }

    pub fn remove(&self, k: &K) {
        remove(&self.key(k))
    }
}

/// A map keyed by two values (Solidity's `mapping(K1 => mapping(K2 => V))`).
pub struct StorageMap2<K1, K2, V> {
    name: &'static str,
    _kv: PhantomData<(K1, K2, V)>,
}

impl<K1: AbiType, K2: AbiType, V: AbiType> StorageMap2<K1, K2, V> {
    pub const fn new(name: &'static str) -> Self {
        StorageMap2 { name, _kv: PhantomData }
    }

    fn key(&self, k1: &K1, k2: &K2) -> Vec<u8> {
        map_key(self.name, &[&encode_one(k1), &encode_one(k2)])
    }

    pub fn get_or(&self, k1: &K1, k2: &K2, fallback: V) -> V {
        get(&self.key(k1, k2)).map(|raw| decode_one(&raw)).unwrap_or(fallback)
    }

    pub fn has(&self, k1: &K1, k2: &K2) -> bool {
        get(&self.key(k1, k2)).is_some()
    }

    pub fn set(&self, k1: &K1, k2: &K2, value: &V) {
        set(&self.key(k1, k2), &encode_one(value))
    }

    pub fn remove(&self, k1: &K1, k2: &K2) {
        remove(&self.key(k1, k2))
    }
}
