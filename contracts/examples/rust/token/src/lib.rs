//! A fungible token with the ERC-20 surface, the twin of contracts/examples/assembly/token.ts:
//! same storage layout, outputs, events and revert reasons. The JSON ABI is token.abi.json.
#![no_std]

extern crate alloc;

use alloc::string::String;
use lingding_sdk::{self as sdk, caller, event_topic, finish_with, require, selector, Address, Encoder, StorageMap, StorageMap2, StorageValue, U256};

const NAME: StorageValue<String> = StorageValue::new("name");
const SYMBOL: StorageValue<String> = StorageValue::new("symbol");
const DECIMALS: StorageValue<u8> = StorageValue::new("decimals");
const TOTAL_SUPPLY: StorageValue<U256> = StorageValue::new("totalSupply");
const BALANCES: StorageMap<Address, U256> = StorageMap::new("balances");
const ALLOWANCES: StorageMap2<Address, Address, U256> = StorageMap2::new("allowances");

const TRANSFER_EVENT: [u8; 32] = event_topic("Transfer(address,address,uint256)");
const APPROVAL_EVENT: [u8; 32] = event_topic("Approval(address,address,uint256)");

const NAME_FN: u32 = selector("name()");
const SYMBOL_FN: u32 = selector("symbol()");
const DECIMALS_FN: u32 = selector("decimals()");
const TOTAL_SUPPLY_FN: u32 = selector("totalSupply()");
const BALANCE_OF_FN: u32 = selector("balanceOf(address)");
const ALLOWANCE_FN: u32 = selector("allowance(address,address)");
const TRANSFER_FN: u32 = selector("transfer(address,uint256)");
const APPROVE_FN: u32 = selector("approve(address,uint256)");
const TRANSFER_FROM_FN: u32 = selector("transferFrom(address,address,uint256)");

/// Constructor: (name, symbol, decimals, initialSupply); mints the supply to the deployer.
#[no_mangle]
pub extern "C" fn deploy() {
    let input = sdk::input();
    let mut args = sdk::Decoder::new(&input, 0);
    let name: String = args.read();
    let symbol: String = args.read();
    let decimals: u8 = args.read();
    let supply: U256 = args.read();
    NAME.set(&name);
    SYMBOL.set(&symbol);
    DECIMALS.set(&decimals);
    TOTAL_SUPPLY.set(&supply);
    let owner = caller();
    BALANCES.set(&owner, &supply);
    transfer_event(&Address::ZERO, &owner, &supply);
}

#[no_mangle]
pub extern "C" fn call() {
    let input = sdk::input();
    let (sel, mut args) = sdk::call_data(&input);
    match sel {
        NAME_FN => finish_with(&NAME.get_or(String::new())),
        SYMBOL_FN => finish_with(&SYMBOL.get_or(String::new())),
        DECIMALS_FN => finish_with(&DECIMALS.get_or(0)),
        TOTAL_SUPPLY_FN => finish_with(&TOTAL_SUPPLY.get_or(U256::ZERO)),
        BALANCE_OF_FN => finish_with(&balance_of(&args.read())),
        ALLOWANCE_FN => {
            let (owner, spender): (Address, Address) = (args.read(), args.read());
            finish_with(&allowance(&owner, &spender))
        }
        TRANSFER_FN => {
            let (to, amount): (Address, U256) = (args.read(), args.read());
            move_tokens(&caller(), &to, amount);
            finish_with(&true)
        }
        APPROVE_FN => {
            let (spender, amount): (Address, U256) = (args.read(), args.read());
            finish_with(&approve(&spender, amount))
        }
        TRANSFER_FROM_FN => {
            let (from, to, amount): (Address, Address, U256) = (args.read(), args.read(), args.read());
            finish_with(&transfer_from(&from, &to, amount))
        }
        other => sdk::unknown_selector(other),
    }
}

fn balance_of(owner: &Address) -> U256 {
    BALANCES.get_or(owner, U256::ZERO)
}

fn allowance(owner: &Address, spender: &Address) -> U256 {
    ALLOWANCES.get_or(owner, spender, U256::ZERO)
}

fn approve(spender: &Address, amount: U256) -> bool {
    require(!spender.is_zero(), "ERC20: approve to the zero address");
    let owner = caller();
    ALLOWANCES.set(&owner, spender, &amount);
    let mut data = Encoder::new();
    data.write(&amount);
    sdk::emit(&[APPROVAL_EVENT, sdk::topic(&owner), sdk::topic(spender)], &data);
    true
}

/// Spends an allowance; U256::MAX means unlimited and is never decreased.
fn transfer_from(from: &Address, to: &Address, amount: U256) -> bool {
    let spender = caller();
    let allowed = allowance(from, &spender);
    if allowed != U256::MAX {
        require(allowed >= amount, "ERC20: insufficient allowance");
        ALLOWANCES.set(from, &spender, &(allowed - amount));
    }
    move_tokens(from, to, amount);
    true
}

fn move_tokens(from: &Address, to: &Address, amount: U256) {
    require(!to.is_zero(), "ERC20: transfer to the zero address");
    let balance = balance_of(from);
    require(balance >= amount, "ERC20: transfer amount exceeds balance");
    BALANCES.set(from, &(balance - amount));
    BALANCES.set(to, &(balance_of(to) + amount));
    transfer_event(from, to, &amount);
}

fn transfer_event(from: &Address, to: &Address, amount: &U256) {
    let mut data = Encoder::new();
    data.write(amount);
    sdk::emit(&[TRANSFER_EVENT, sdk::topic(from), sdk::topic(to)], &data);
}
