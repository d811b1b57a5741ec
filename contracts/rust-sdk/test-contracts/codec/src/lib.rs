//! Echoes values through the SDK's codec and computes with U256, one method per case, with
//! the same ABI as as-sdk/test/assembly/codec.ts.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use lingding_sdk::{self as sdk, finish_with, selector, Address, Bytes32, U256};

const ECHO_INT: u32 = selector("echoInt(int64)");
const ECHO_SMALL: u32 = selector("echoSmall(int8)");
const ECHO_U16: u32 = selector("echoU16(uint16)");
const ECHO_BYTES: u32 = selector("echoBytes(bytes)");
const ECHO_STRING: u32 = selector("echoString(string)");
const ECHO_ADDRESS: u32 = selector("echoAddress(address)");
const ECHO_WORD: u32 = selector("echoWord(bytes32)");
const ADD: u32 = selector("add(uint256,uint256)");
const SUB: u32 = selector("sub(uint256,uint256)");
const MUL: u32 = selector("mul(uint256,uint256)");
const LESS: u32 = selector("less(uint256,uint256)");
const JOIN: u32 = selector("join(string,uint8,bytes)");

#[no_mangle]
pub extern "C" fn call() {
    let input = sdk::input();
    let (sel, mut args) = sdk::call_data(&input);
    match sel {
        ECHO_INT => finish_with(&args.read::<i64>()),
        ECHO_SMALL => finish_with(&args.read::<i8>()),
        ECHO_U16 => finish_with(&args.read::<u16>()),
        ECHO_BYTES => finish_with(&args.read::<Vec<u8>>()),
        ECHO_STRING => finish_with(&args.read::<String>()),
        ECHO_ADDRESS => finish_with(&args.read::<Address>()),
        ECHO_WORD => finish_with(&args.read::<Bytes32>()),
        ADD => finish_with(&(args.read::<U256>() + args.read::<U256>())),
        SUB => finish_with(&(args.read::<U256>() - args.read::<U256>())),
        MUL => finish_with(&(args.read::<U256>() * args.read::<U256>())),
        LESS => finish_with(&(args.read::<U256>() < args.read::<U256>())),
        JOIN => {
            let (a, sep, b): (String, u8, Vec<u8>) = (args.read(), args.read(), args.read());
            let mut out = a;
            out.push(sep as char);
            out.push_str(&String::from_utf8_lossy(&b));
            finish_with(&out)
        }
        other => sdk::unknown_selector(other),
    }
}
