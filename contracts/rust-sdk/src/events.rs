//! Events, laid out as Solidity emits them so ethers' `Interface.parseLog` reads them:
//! topic 0 is keccak-256 of the signature (`event_topic`, computed at compile time),
//! indexed parameters are further topics, the rest is ABI-encoded data.

use alloc::vec::Vec;

use crate::abi::{encode_one, AbiType, Encoder};
use crate::env;

/// An indexed parameter's topic: its 32-byte ABI word (use static types; index a digest
/// rather than a string).
pub fn topic<T: AbiType>(v: &T) -> [u8; 32] {
    let word = encode_one(v);
    let mut t = [0u8; 32];
    t.copy_from_slice(&word[..32]);
    t
}

/// Emits an event with up to 4 topics.
pub fn emit(topics: &[[u8; 32]], data: &Encoder) {
    let flat: Vec<u8> = topics.iter().flatten().copied().collect();
    let data = data.finish(&[]);
    unsafe { env::emit_event(flat.as_ptr(), topics.len() as i32, data.as_ptr(), data.len() as i32) }
}
