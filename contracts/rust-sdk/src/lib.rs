//! Lingding contract SDK for Rust (`no_std`, no dependencies): the `lingding` v1 host
//! bindings, the Solidity ABI codec, storage collections and events, with the same
//! layouts and revert messages as the AssemblyScript SDK. Build contracts as `cdylib`
//! for `wasm32-unknown-unknown`; see contracts/README.md.
//!
//! A contract exports `call` (and optionally `deploy`), decodes its input with
//! [`Decoder`], dispatches on [`selector`] constants and ends with [`finish`] or [`revert`].
#![no_std]
#![cfg_attr(needs_alloc_error_handler, feature(alloc_error_handler))]

extern crate alloc;

pub mod abi;
mod bump;
pub mod call;
pub mod context;
pub mod env;
pub mod events;
pub mod keccak;
pub mod storage;
pub mod types;

use alloc::vec::Vec;

pub use abi::{decode_one, encode_one, AbiType, Decoder, Encoder};
pub use call::{call_contract, hash, verify_signature, CallResult, CallStatus};
pub use context::{block_number, caller, debug_log, gas_left, input, origin, self_address, timestamp};
pub use events::{emit, topic};
pub use keccak::{event_topic, keccak256, selector};
pub use storage::{StorageMap, StorageMap2, StorageValue};
pub use types::{Address, Bytes32, U256};

#[global_allocator]
static ALLOCATOR: bump::BumpAllocator = bump::BumpAllocator;

/// Solidity's `Error(string)`: selector 0x08c379a0, then the ABI-encoded message.
pub fn encode_error(message: &str) -> Vec<u8> {
    let mut e = Encoder::new();
    e.dynamic(message.as_bytes());
    e.finish(&0x08c3_79a0u32.to_be_bytes())
}

/// Ends the run reverted with `message`; the run's storage writes and events are dropped.
pub fn revert(message: &str) -> ! {
    let data = encode_error(message);
    unsafe { env::revert(data.as_ptr(), data.len() as i32) }
}

/// Reverts with `message` unless `condition` holds.
pub fn require(condition: bool, message: &str) {
    if !condition {
        revert(message)
    }
}

/// Ends the run successfully with `output` as return data.
pub fn finish(output: &[u8]) -> ! {
    unsafe { env::finish(output.as_ptr(), output.len() as i32) }
}

/// Ends the run returning one ABI-encoded value.
pub fn finish_with<T: AbiType>(value: &T) -> ! {
    finish(&encode_one(value))
}

/// The call data and its selector, with a decoder positioned after the selector.
/// Reverts like the AssemblyScript SDK when there is no selector.
pub fn call_data(data: &[u8]) -> (u32, Decoder<'_>) {
    if data.len() < 4 {
        revert("call data has no function selector");
    }
    (u32::from_be_bytes([data[0], data[1], data[2], data[3]]), Decoder::new(data, 4))
}

/// Reverts for a selector that matches no method.
pub fn unknown_selector(selector: u32) -> ! {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut msg = *b"unknown function selector 0x00000000";
    for i in 0..8 {
        msg[28 + i] = DIGITS[((selector >> (28 - 4 * i)) & 0xf) as usize];
    }
    revert(core::str::from_utf8(&msg).unwrap_or("unknown function selector"))
}

/// A panic (index out of bounds, `unwrap` on None, ...) reverts the run. The message is
/// fixed: formatting the panic's own would pull core::fmt into every contract.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    revert("panic")
}

#[cfg(needs_alloc_error_handler)]
#[alloc_error_handler]
fn out_of_memory(_layout: core::alloc::Layout) -> ! {
    revert("out of memory")
}
