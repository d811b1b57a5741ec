//! The key-value evidence store, twin of contracts/examples/assembly/evidence.ts: an
//! issuer records a document digest with metadata, anyone looks it up, only the issuer
//! revokes. The JSON ABI is evidence.abi.json.
#![no_std]

extern crate alloc;

use alloc::string::String;
use lingding_sdk::{self as sdk, caller, event_topic, finish_with, require, selector, Address, Bytes32, Encoder, StorageMap, StorageValue};

const ISSUERS: StorageMap<Bytes32, Address> = StorageMap::new("issuer");
const METADATA: StorageMap<Bytes32, String> = StorageMap::new("metadata");
const TIMES: StorageMap<Bytes32, u64> = StorageMap::new("storedAt");
const BLOCKS: StorageMap<Bytes32, u64> = StorageMap::new("storedBlock");
const REVOCATIONS: StorageMap<Bytes32, String> = StorageMap::new("revoked");
const TOTAL: StorageValue<u64> = StorageValue::new("count");

const STORED_EVENT: [u8; 32] = event_topic("EvidenceStored(bytes32,address,string)");
const REVOKED_EVENT: [u8; 32] = event_topic("EvidenceRevoked(bytes32,address,string)");

const STORE_FN: u32 = selector("store(bytes32,string)");
const REVOKE_FN: u32 = selector("revoke(bytes32,string)");
const EXISTS_FN: u32 = selector("exists(bytes32)");
const IS_VALID_FN: u32 = selector("isValid(bytes32)");
const ISSUER_OF_FN: u32 = selector("issuerOf(bytes32)");
const METADATA_OF_FN: u32 = selector("metadataOf(bytes32)");
const STORED_AT_FN: u32 = selector("storedAt(bytes32)");
const STORED_BLOCK_FN: u32 = selector("storedBlock(bytes32)");
const REVOCATION_REASON_FN: u32 = selector("revocationReason(bytes32)");
const COUNT_FN: u32 = selector("count()");

#[no_mangle]
pub extern "C" fn call() {
    let input = sdk::input();
    let (sel, mut args) = sdk::call_data(&input);
    match sel {
        STORE_FN => store(&args.read(), args.read()),
        REVOKE_FN => revoke(&args.read(), args.read()),
        EXISTS_FN => finish_with(&ISSUERS.has(&args.read())),
        IS_VALID_FN => {
            let digest = args.read();
            finish_with(&(ISSUERS.has(&digest) && !REVOCATIONS.has(&digest)))
        }
        ISSUER_OF_FN => finish_with(&ISSUERS.get_or(&args.read(), Address::ZERO)),
        METADATA_OF_FN => finish_with(&METADATA.get_or(&args.read(), String::new())),
        STORED_AT_FN => finish_with(&TIMES.get_or(&args.read(), 0)),
        STORED_BLOCK_FN => finish_with(&BLOCKS.get_or(&args.read(), 0)),
        REVOCATION_REASON_FN => finish_with(&REVOCATIONS.get_or(&args.read(), String::new())),
        COUNT_FN => finish_with(&TOTAL.get_or(0)),
        other => sdk::unknown_selector(other),
    }
}

/// Records `digest` with the caller as issuer; a digest can be stored once.
fn store(digest: &Bytes32, metadata: String) {
    require(!digest.is_zero(), "evidence: empty digest");
    require(!ISSUERS.has(digest), "evidence: already stored");
    let issuer = caller();
    ISSUERS.set(digest, &issuer);
    METADATA.set(digest, &metadata);
    TIMES.set(digest, &sdk::timestamp());
    BLOCKS.set(digest, &sdk::block_number());
    TOTAL.set(&(TOTAL.get_or(0) + 1));
    let mut data = Encoder::new();
    data.write(&metadata);
    sdk::emit(&[STORED_EVENT, digest.0, sdk::topic(&issuer)], &data);
}

/// Marks `digest` revoked; only its issuer may, and only once.
fn revoke(digest: &Bytes32, reason: String) {
    require(ISSUERS.has(digest), "evidence: not found");
    let issuer = ISSUERS.get_or(digest, Address::ZERO);
    require(issuer == caller(), "evidence: only the issuer can revoke");
    require(!REVOCATIONS.has(digest), "evidence: already revoked");
    REVOCATIONS.set(digest, &reason);
    let mut data = Encoder::new();
    data.write(&reason);
    sdk::emit(&[REVOKED_EVENT, digest.0, sdk::topic(&issuer)], &data);
}
