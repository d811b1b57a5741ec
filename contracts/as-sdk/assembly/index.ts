/**
 * Lingding contract SDK for AssemblyScript. Import what a contract needs from here:
 *
 *   import { Address, u256, StorageMap, caller, require, Indexed } from "<path>/as-sdk/assembly";
 *
 * and build with `lingding contract build <file.ts>`, which runs the compiler with the
 * contract transform (dispatcher, constructor, events and the JSON ABI are generated).
 */
export { Address, Bytes32, bytesEqual, concat, fromUtf8, utf8 } from "./bytes";
export { u256 } from "./u256";
export { AbiDecoder, AbiEncoder, decodeOne, encodeOne, writeWord } from "./abi";
export { StorageMap, StorageMap2, StorageValue, storageGet, storageRemove, storageSet } from "./storage";
export { blockNumber, caller, debugLog, finish, finishWord, gasLeft, input, origin, selfAddress, timestamp } from "./context";
export { emitEvent, emitEventAt, topicOf } from "./events";
export { CallResult, CallStatus, callContract, selectorBytes } from "./call";
export { hash, verifySignature } from "./crypto";
export { encodeError, require, revert, revertWith } from "./revert";
export { selectorOf, unknownSelector } from "./dispatch";

/** Marks an event parameter as indexed: `@event declare function Transfer(from: Indexed<Address>, ...)`. */
export type Indexed<T> = T;
