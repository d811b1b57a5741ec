import { decodeRlp, encodeRlp, type AccessList, type RlpStructuredData } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CodecError, CodecErrorCode } from './canonical.js';
import { concatBytes, fromHex, toHex } from './hex.js';

/** The ledger's type tag of an Ethereum-signed transaction (TxType.Ethereum in tx.ts). */
export const ETH_TX_TYPE = 2;

/** EIP-2718 envelope types this chain accepts: 0 legacy (EIP-155), 1 EIP-2930, 2 EIP-1559. */
export type EthTxType = 0 | 1 | 2;

/**
 * An Ethereum-signed transaction as sent to eth_sendRawTransaction. `raw` is the exact
 * signed bytes (what the ledger stores and what the hash is over); every other field is
 * decoded from it and never encoded back.
 */
export interface EthTx {
  readonly type: typeof ETH_TX_TYPE;
  readonly raw: Uint8Array;
  readonly ethType: EthTxType;
  readonly chainId: number;
  readonly nonce: number;
  /** Contract address, or null to deploy (see ethDeployBytecode in node/exec/wasm-vm.ts). */
  readonly to: Uint8Array | null;
  readonly value: bigint;
  readonly input: Uint8Array;
  readonly gasLimit: number;
  /** Legacy and EIP-2930; accepted and ignored (no coin, no fee). */
  readonly gasPrice: bigint | null;
  /** EIP-1559; accepted and ignored. */
  readonly maxFeePerGas: bigint | null;
  readonly maxPriorityFeePerGas: bigint | null;
  /** EIP-2930 / EIP-1559, as decoded (lower-case hex); empty for legacy. */
  readonly accessList: AccessList;
  readonly yParity: 0 | 1;
  readonly r: Uint8Array;
  readonly s: Uint8Array;
  /** As Ethereum reports it: 35 + 2 * chainId + yParity for legacy, yParity for typed. */
  readonly v: bigint;
}

/** secp256k1's group order; EIP-2 refuses s above its half (the malleable twin). */
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = CURVE_N >> 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UINT256_BYTES = 32;

/** Field layouts of the three envelopes, in RLP order. */
const LEGACY_FIELDS = 9;
const EIP2930_FIELDS = 11;
const EIP1559_FIELDS = 12;

function fail(message: string, code: (typeof CodecErrorCode)[keyof typeof CodecErrorCode] = CodecErrorCode.Malformed) {
  return new CodecError(`Ethereum transaction: ${message}`, code);
}

/**
 * Decodes and validates a raw Ethereum transaction. Refused: pre-EIP-155 legacy
 * signatures (v = 27/28 names no chain, so the transaction replays on any chain), blob
 * (type 3) and set-code (type 4) transactions and unknown types, non-canonical RLP,
 * trailing bytes, integers with leading zeros or wider than their field, s above half the
 * curve order (EIP-2), and a nonce or gas limit above 2^53 - 1 (they are JS numbers here).
 * The signature is checked for shape only; ethSignature gives what recovers the sender.
 */
export function decodeEthTx(raw: Uint8Array): EthTx {
  if (raw.length === 0) throw fail('empty');
  const first = raw[0];
  if (first >= 0xc0) return decodeLegacy(raw);
  if (first === 1 || first === 2) return decodeTyped(raw, first);
  if (first === 3) throw fail('blob transactions (type 3, EIP-4844) are not supported');
  if (first === 4) throw fail('set-code transactions (type 4, EIP-7702) are not supported');
  throw fail(`unknown transaction type 0x${first.toString(16).padStart(2, '0')}`);
}

function decodeLegacy(raw: Uint8Array): EthTx {
  const f = rlpList(raw, LEGACY_FIELDS, 'legacy');
  const v = uint(f[6], 'v', UINT256_BYTES);
  if (v === 27n || v === 28n)
    throw fail(
      'pre-EIP-155 signature (v = 27/28) names no chain id and could be replayed on any chain: sign with a chain id',
    );
  if (v < 35n) throw fail(`legacy v ${v} is neither EIP-155 (35 + 2 * chainId + yParity) nor 27/28`);
  const chainId = (v - 35n) / 2n;
  if (chainId > MAX_SAFE) throw fail('chain id is above 2^53 - 1');
  return {
    type: ETH_TX_TYPE,
    raw,
    ethType: 0,
    chainId: Number(chainId),
    nonce: safeInt(f[0], 'nonce'),
    gasPrice: uint(f[1], 'gasPrice', UINT256_BYTES),
    maxFeePerGas: null,
    maxPriorityFeePerGas: null,
    gasLimit: safeInt(f[2], 'gasLimit'),
    to: toField(f[3]),
    value: uint(f[4], 'value', UINT256_BYTES),
    input: bytes(f[5], 'data'),
    accessList: [],
    yParity: Number((v - 35n) % 2n) as 0 | 1,
    ...signatureRS(f[7], f[8]),
    v,
  };
}

function decodeTyped(raw: Uint8Array, ethType: 1 | 2): EthTx {
  const f = rlpList(raw.subarray(1), ethType === 1 ? EIP2930_FIELDS : EIP1559_FIELDS, `type ${ethType}`);
  const chainId = uint(f[0], 'chainId', UINT256_BYTES);
  if (chainId > MAX_SAFE) throw fail('chain id is above 2^53 - 1');
  // EIP-1559 has two fee fields where EIP-2930 has gasPrice: the rest shifts by one.
  const o = ethType === 2 ? 1 : 0;
  const yParity = uint(f[8 + o], 'yParity', 1);
  if (yParity > 1n) throw fail(`yParity must be 0 or 1, got ${yParity}`);
  return {
    type: ETH_TX_TYPE,
    raw,
    ethType,
    chainId: Number(chainId),
    nonce: safeInt(f[1], 'nonce'),
    gasPrice: ethType === 1 ? uint(f[2], 'gasPrice', UINT256_BYTES) : null,
    maxPriorityFeePerGas: ethType === 2 ? uint(f[2], 'maxPriorityFeePerGas', UINT256_BYTES) : null,
    maxFeePerGas: ethType === 2 ? uint(f[3], 'maxFeePerGas', UINT256_BYTES) : null,
    gasLimit: safeInt(f[3 + o], 'gasLimit'),
    to: toField(f[4 + o]),
    value: uint(f[5 + o], 'value', UINT256_BYTES),
    input: bytes(f[6 + o], 'data'),
    accessList: accessList(f[7 + o]),
    yParity: Number(yParity) as 0 | 1,
    ...signatureRS(f[9 + o], f[10 + o]),
    v: yParity,
  };
}

/** The RLP list of `count` items, refusing trailing bytes and any non-canonical encoding. */
function rlpList(payload: Uint8Array, count: number, what: string): RlpStructuredData[] {
  let decoded: RlpStructuredData;
  try {
    decoded = decodeRlp(payload);
  } catch (e) {
    throw fail(`${what} payload is not RLP: ${(e as { shortMessage?: string }).shortMessage ?? String(e)}`);
  }
  // ethers' decoder accepts long forms of short lengths and single bytes wrapped as
  // strings; the one canonical encoding is what re-encodes to the same bytes.
  if (encodeRlp(decoded) !== toHex(payload))
    throw fail(`${what} payload is not canonical RLP`, CodecErrorCode.NotCanonical);
  if (!Array.isArray(decoded) || decoded.length !== count)
    throw fail(`${what} transaction must be an RLP list of ${count} fields`);
  return decoded;
}

function bytes(item: RlpStructuredData, field: string): Uint8Array {
  if (typeof item !== 'string') throw fail(`${field} must be a byte string`);
  return fromHex(item, field);
}

/** An RLP integer: big-endian, no leading zero byte (zero is the empty string), at most `maxBytes`. */
function uint(item: RlpStructuredData, field: string, maxBytes: number): bigint {
  const b = bytes(item, field);
  if (b.length > maxBytes) throw fail(`${field} is longer than ${maxBytes} bytes`);
  if (b.length > 0 && b[0] === 0) throw fail(`${field} has a leading zero byte`, CodecErrorCode.NotCanonical);
  return b.length === 0 ? 0n : BigInt(toHex(b));
}

function safeInt(item: RlpStructuredData, field: string): number {
  const n = uint(item, field, UINT256_BYTES);
  if (n > MAX_SAFE) throw fail(`${field} is above 2^53 - 1`);
  return Number(n);
}

function toField(item: RlpStructuredData): Uint8Array | null {
  const b = bytes(item, 'to');
  if (b.length === 0) return null;
  if (b.length !== 20) throw fail(`to must be empty or 20 bytes, got ${b.length}`);
  return b;
}

function signatureRS(rItem: RlpStructuredData, sItem: RlpStructuredData): { r: Uint8Array; s: Uint8Array } {
  const r = uint(rItem, 'r', UINT256_BYTES);
  const s = uint(sItem, 's', UINT256_BYTES);
  if (r === 0n || r >= CURVE_N) throw fail('signature r is out of range');
  if (s === 0n) throw fail('signature s is zero');
  if (s > HALF_N) throw fail('signature s is in the upper half of the curve order (EIP-2)');
  return { r: word(r), s: word(s) };
}

function word(n: bigint): Uint8Array {
  return fromHex(n.toString(16).padStart(64, '0'));
}

function accessList(item: RlpStructuredData): AccessList {
  if (!Array.isArray(item)) throw fail('accessList must be a list');
  return item.map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[1]))
      throw fail('accessList entries must be [address, [storageKey, ...]]');
    const address = bytes(entry[0], 'accessList address');
    if (address.length !== 20) throw fail('accessList address must be 20 bytes');
    const storageKeys = entry[1].map((k) => {
      const key = bytes(k, 'accessList storage key');
      if (key.length !== 32) throw fail('accessList storage keys must be 32 bytes');
      return toHex(key);
    });
    return { address: toHex(address), storageKeys };
  });
}

/**
 * The bytes the sender signed: for legacy the EIP-155 list with [chainId, 0, 0] in place of
 * the signature, for typed transactions the type byte then the list without its last three.
 * Re-derived from `raw`, whose canonical form decodeEthTx already checked.
 */
export function ethUnsignedPayload(tx: EthTx): Uint8Array {
  if (tx.ethType === 0) {
    const f = decodeRlp(tx.raw) as RlpStructuredData[];
    return fromHex(encodeRlp([...f.slice(0, 6), toHex(minimal(BigInt(tx.chainId))), '0x', '0x']));
  }
  const f = decodeRlp(tx.raw.subarray(1)) as RlpStructuredData[];
  return concatBytes(Uint8Array.of(tx.ethType), fromHex(encodeRlp(f.slice(0, -3))));
}

function minimal(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array();
  const hex = n.toString(16);
  return fromHex(hex.length % 2 ? `0${hex}` : hex);
}

/** Why `suite` cannot carry Ethereum-signed transactions, or null when it can. */
export function ethSuiteRefusal(suite: CryptoSuite): string | null {
  return suite.name === 'ecdsa'
    ? null
    : `Ethereum-signed transactions need the 'ecdsa' crypto suite (secp256k1 + keccak-256); this chain uses '${suite.name}', whose signatures and addresses an Ethereum wallet cannot make`;
}

/**
 * What recovers the sender through the chain's suite (native secp256k1, the worker pool):
 * the keccak digest of the unsigned payload and the 65-byte r || s || yParity signature the
 * ecdsa suite takes. Throws on a suite other than ecdsa.
 */
export function ethSignature(suite: CryptoSuite, tx: EthTx): { digest: Uint8Array; signature: Uint8Array } {
  const refused = ethSuiteRefusal(suite);
  if (refused) throw new CodecError(refused);
  return {
    digest: suite.hash(ethUnsignedPayload(tx)),
    signature: concatBytes(tx.r, tx.s, Uint8Array.of(tx.yParity)),
  };
}

/** Ethereum's transaction hash: keccak-256 of the signed bytes, whatever the chain's suite. */
export function ethTxHash(suite: CryptoSuite, tx: EthTx): Uint8Array {
  return suite.name === 'ecdsa' ? suite.hash(tx.raw) : keccak_256(tx.raw);
}
