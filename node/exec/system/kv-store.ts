import { concatBytes, utf8 } from '../../codec/hex.js';
import { AbiContract } from './abi-contract.js';
import { RevertError } from '../types.js';
import { ContractStorage } from './storage.js';

/**
 * An application key/value table, like FISCO BCOS's KVTable precompile: each caller
 * has its own namespace, so `set("k", …)` by two accounts writes two rows.
 */
const MAX_KEY = 256;
const MAX_VALUE = 16 * 1024;

function row(owner: Uint8Array, key: string): Uint8Array {
  return concatBytes(owner, utf8(key));
}

export const kvStoreContract = new AbiContract(
  'KVStore',
  [
    'function set(string key, string value) returns (int32)',
    'function get(string key) view returns (bool, string)',
    'function getOf(address owner, string key) view returns (bool, string)',
    'function remove(string key) returns (int32)',
    'event KVSet(address indexed owner, string key, string value)',
  ],
  {
    set(frame, [key, value]) {
      const k = String(key);
      const v = String(value);
      const keyBytes = utf8(k);
      const valueBytes = utf8(v);
      if (k.length === 0 || keyBytes.length > MAX_KEY)
        throw new RevertError(`KVStore: key must be 1..${MAX_KEY} bytes`);
      if (valueBytes.length > MAX_VALUE) throw new RevertError(`KVStore: value must be at most ${MAX_VALUE} bytes`);
      new ContractStorage(frame).set(concatBytes(frame.sender, keyBytes), valueBytes);
      kvSetEvent.emit(frame, [frame.sender], [k, v]);
      return [0n];
    },
    get(frame, [key]) {
      const v = new ContractStorage(frame).get(row(frame.sender, String(key)));
      return v ? [true, new TextDecoder().decode(v)] : [false, ''];
    },
    getOf(frame, [owner, key]) {
      const v = new ContractStorage(frame).get(row(owner as Uint8Array, String(key)));
      return v ? [true, new TextDecoder().decode(v)] : [false, ''];
    },
    remove(frame, [key]) {
      new ContractStorage(frame).delete(row(frame.sender, String(key)));
      return [0n];
    },
  },
);

const kvSetEvent = kvStoreContract.event('KVSet');
