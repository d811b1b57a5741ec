//! The `lingding` v1 host imports (see node/vm/HOST_API.md for gas and semantics).
//! Contracts use the safe wrappers in the other modules instead of these.

#[link(wasm_import_module = "lingding")]
extern "C" {
    pub fn input_size() -> i32;
    pub fn input_copy(dst: *mut u8, offset: i32, len: i32);
    pub fn finish(ptr: *const u8, len: i32) -> !;
    pub fn revert(ptr: *const u8, len: i32) -> !;
    pub fn caller(dst: *mut u8);
    pub fn origin(dst: *mut u8);
    pub fn self_address(dst: *mut u8);
    pub fn block_number() -> i64;
    pub fn timestamp() -> i64;
    pub fn gas_left() -> i64;
    pub fn storage_get(key_ptr: *const u8, key_len: i32, dst: *mut u8, cap: i32) -> i32;
    pub fn storage_set(key_ptr: *const u8, key_len: i32, val_ptr: *const u8, val_len: i32);
    pub fn storage_remove(key_ptr: *const u8, key_len: i32);
    pub fn emit_event(topics_ptr: *const u8, topic_count: i32, data_ptr: *const u8, data_len: i32);
    pub fn call_contract(addr_ptr: *const u8, input_ptr: *const u8, input_len: i32, gas: i64) -> i32;
    pub fn return_data_size() -> i32;
    pub fn return_data_copy(dst: *mut u8, offset: i32, len: i32);
    pub fn hash(ptr: *const u8, len: i32, dst: *mut u8);
    pub fn verify_signature(digest_ptr: *const u8, sig_ptr: *const u8, sig_len: i32, key_ptr: *const u8, key_len: i32) -> i32;
    pub fn debug_log(ptr: *const u8, len: i32);
}
