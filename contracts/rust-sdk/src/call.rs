//! Calling other contracts. The callee runs with this contract as its caller; its writes
//! and events are kept only if it succeeds. The node refuses reentrancy.

use alloc::vec;
use alloc::vec::Vec;

use crate::env;
use crate::types::Address;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallStatus {
    Success,
    /// The callee reverted; the data is its revert data (normally Error(string)).
    Revert,
    /// Out of gas, a trap, no contract at the address, or reentrancy.
    Failure,
}

pub struct CallResult {
    pub status: CallStatus,
    /// Return data on success, revert data on revert, empty on failure.
    pub data: Vec<u8>,
}

/// Calls `target` with ABI call data, forwarding at most `gas` (None: all that may be
/// forwarded, which is all but 1/64 of what is left).
pub fn call_contract(target: &Address, call_data: &[u8], gas: Option<u64>) -> CallResult {
    let gas = gas.map(|g| g as i64).unwrap_or(-1);
    let status = unsafe { env::call_contract(target.0.as_ptr(), call_data.as_ptr(), call_data.len() as i32, gas) };
    let n = unsafe { env::return_data_size() };
    let mut data = vec![0u8; n as usize];
    unsafe { env::return_data_copy(data.as_mut_ptr(), 0, n) };
    let status = match status {
        0 => CallStatus::Success,
        1 => CallStatus::Revert,
        _ => CallStatus::Failure,
    };
    CallResult { status, data }
}

/// The chain's hash (keccak-256, or SM3 on `sm` chains) of `data`.
pub fn hash(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    unsafe { env::hash(data.as_ptr(), data.len() as i32, out.as_mut_ptr()) };
    out
}

/// Whether `signature` over `digest` is valid for `public_key` under the chain's suite.
pub fn verify_signature(digest: &[u8; 32], signature: &[u8], public_key: &[u8]) -> bool {
    unsafe { env::verify_signature(digest.as_ptr(), signature.as_ptr(), signature.len() as i32, public_key.as_ptr(), public_key.len() as i32) == 1 }
}
