//! The run's context: call data, who is calling, which contract and block this is.

use alloc::vec;
use alloc::vec::Vec;

use crate::env;
use crate::types::Address;

/// The call data (for `deploy`: the constructor arguments).
pub fn input() -> Vec<u8> {
    let n = unsafe { env::input_size() };
    let mut data = vec![0u8; n as usize];
    unsafe { env::input_copy(data.as_mut_ptr(), 0, n) };
    data
}

/// The immediate caller: the signer, or the contract that called this one.
pub fn caller() -> Address {
    let mut a = Address::ZERO;
    unsafe { env::caller(a.0.as_mut_ptr()) };
    a
}

/// The transaction's signer, however deep the call chain.
pub fn origin() -> Address {
    let mut a = Address::ZERO;
    unsafe { env::origin(a.0.as_mut_ptr()) };
    a
}

/// This contract's own address.
pub fn self_address() -> Address {
    let mut a = Address::ZERO;
    unsafe { env::self_address(a.0.as_mut_ptr()) };
    a
}

pub fn block_number() -> u64 {
    unsafe { env::block_number() as u64 }
}

/// Block timestamp in milliseconds, chosen by the block's proposer.
pub fn timestamp() -> u64 {
    unsafe { env::timestamp() as u64 }
}

pub fn gas_left() -> u64 {
    unsafe { env::gas_left() as u64 }
}

/// A developer log line (the node's debug log; never part of consensus).
pub fn debug_log(message: &str) {
    unsafe { env::debug_log(message.as_ptr(), message.len() as i32) }
}
