/**
 * The `lingding` v1 host imports, one declaration per host function (see
 * node/vm/HOST_API.md for gas and semantics). Pointers are offsets into linear memory.
 * Contracts normally use the typed wrappers in context.ts, storage.ts, events.ts and
 * call.ts instead of these.
 */

// @ts-ignore: decorator
@external("lingding", "input_size") export declare function input_size(): i32;
// @ts-ignore: decorator
@external("lingding", "input_copy") export declare function input_copy(dst: usize, offset: i32, len: i32): void;
// @ts-ignore: decorator
@external("lingding", "finish") export declare function finish(ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("lingding", "revert") export declare function revert(ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("lingding", "caller") export declare function caller(dst: usize): void;
// @ts-ignore: decorator
@external("lingding", "origin") export declare function origin(dst: usize): void;
// @ts-ignore: decorator
@external("lingding", "self_address") export declare function self_address(dst: usize): void;
// @ts-ignore: decorator
@external("lingding", "block_number") export declare function block_number(): i64;
// @ts-ignore: decorator
@external("lingding", "timestamp") export declare function timestamp(): i64;
// @ts-ignore: decorator
@external("lingding", "gas_left") export declare function gas_left(): i64;
// @ts-ignore: decorator
@external("lingding", "storage_get") export declare function storage_get(keyPtr: usize, keyLen: i32, dst: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("lingding", "storage_set") export declare function storage_set(keyPtr: usize, keyLen: i32, valPtr: usize, valLen: i32): void;
// @ts-ignore: decorator
@external("lingding", "storage_remove") export declare function storage_remove(keyPtr: usize, keyLen: i32): void;
// @ts-ignore: decorator
@external("lingding", "emit_event") export declare function emit_event(topicsPtr: usize, topicCount: i32, dataPtr: usize, dataLen: i32): void;
// @ts-ignore: decorator
@external("lingding", "call_contract") export declare function call_contract(addrPtr: usize, inputPtr: usize, inputLen: i32, gas: i64): i32;
// @ts-ignore: decorator
@external("lingding", "return_data_size") export declare function return_data_size(): i32;
// @ts-ignore: decorator
@external("lingding", "return_data_copy") export declare function return_data_copy(dst: usize, offset: i32, len: i32): void;
// @ts-ignore: decorator
@external("lingding", "hash") export declare function hash(ptr: usize, len: i32, dst: usize): void;
// @ts-ignore: decorator
@external("lingding", "verify_signature") export declare function verify_signature(digestPtr: usize, sigPtr: usize, sigLen: i32, keyPtr: usize, keyLen: i32): i32;
// @ts-ignore: decorator
@external("lingding", "debug_log") export declare function debug_log(ptr: usize, len: i32): void;
