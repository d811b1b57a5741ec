import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Signature, Transaction, Wallet, decodeRlp, encodeRlp, getBytes, hexlify, type TransactionLike } from 'ethers';
import { createEcdsaSuite } from '../crypto/ecdsa.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CodecError } from './canonical.js';
import { decodeEthTx, ethSignature, ethTxHash } from './eth-tx.js';
import { fromHex, toHex } from './hex.js';

const suite = createEcdsaSuite();
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const wallet = new Wallet('0x' + '11'.repeat(32));

function signed(fields: TransactionLike, w: Wallet = wallet): Transaction {
  const tx = Transaction.from(fields);
  tx.signature = w.signingKey.sign(tx.unsignedHash);
  return tx;
}

function senderOf(raw: Uint8Array): string | null {
  const tx = decodeEthTx(raw);
  const { digest, signature } = ethSignature(suite, tx);
  const pub = suite.recoverSigner(digest, signature);
  return pub ? toHex(suite.addressFromPublicKey(pub)) : null;
}

const base: TransactionLike = { type: 2, chainId: 1234, nonce: 0, gasLimit: 100_000, to: null, data: '0x' };

const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const fieldsArb: fc.Arbitrary<TransactionLike> = fc.record({
  type: fc.constantFrom(0, 1, 2),
  chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  nonce: fc.maxSafeNat(),
  gasLimit: fc.maxSafeNat(),
  gasPrice: u256,
  maxFeePerGas: u256,
  maxPriorityFeePerGas: u256,
  to: fc.option(
    fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b)),
    { nil: null },
  ),
  value: u256,
  data: fc.uint8Array({ maxLength: 64 }).map((b) => hexlify(b)),
  accessList: fc.array(
    fc.record({
      address: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b)),
      storageKeys: fc.array(
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

const bigMin = (a: bigint, b: bigint) => (a < b ? a : b);

describe('Ethereum transaction decoding', () => {
  it('decodes what ethers signs, to the same fields, hash and sender (legacy EIP-155, 2930, 1559)', () => {
    fc.assert(
      fc.property(fieldsArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), (fields, secret) => {
        fc.pre(secret.some((b) => b !== 0) && BigInt(toHex(secret)) < N);
        const w = new Wallet(toHex(secret));
        const ty = fields.type as 0 | 1 | 2;
        const tx = signed(
          {
            ...fields,
            gasPrice: ty === 2 ? null : fields.gasPrice,
            maxFeePerGas: ty === 2 ? fields.maxFeePerGas : null,
            // ethers refuses to sign a priority fee above the max fee.
            maxPriorityFeePerGas:
              ty === 2 ? bigMin(BigInt(fields.maxPriorityFeePerGas!), BigInt(fields.maxFeePerGas!)) : null,
            accessList: ty === 0 ? null : fields.accessList,
          },
          w,
        );
        const raw = getBytes(tx.serialized);
        const d = decodeEthTx(raw);
        expect(d.ethType).toBe(ty);
        expect(d.raw).toEqual(raw);
        expect(d.chainId).toBe(Number(tx.chainId));
        expect(d.nonce).toBe(tx.nonce);
        expect(d.gasLimit).toBe(Number(tx.gasLimit));
        expect(d.to ? toHex(d.to) : null).toBe(tx.to?.toLowerCase() ?? null);
        expect(d.value).toBe(tx.value);
        expect(toHex(d.input)).toBe(tx.data);
        expect(d.gasPrice).toBe(ty === 2 ? null : tx.gasPrice);
        expect(d.maxFeePerGas).toBe(ty === 2 ? tx.maxFeePerGas : null);
        expect(d.maxPriorityFeePerGas).toBe(ty === 2 ? tx.maxPriorityFeePerGas : null);
        expect(d.accessList).toEqual(
          (tx.accessList ?? []).map((e) => ({ address: e.address.toLowerCase(), storageKeys: e.storageKeys })),
        );
        expect(d.yParity).toBe(tx.signature!.yParity);
        expect(toHex(d.r)).toBe(tx.signature!.r);
        expect(toHex(d.s)).toBe(tx.signature!.s);
        expect(d.v).toBe(BigInt(tx.signature!.yParity) + (ty === 0 ? 35n + 2n * tx.chainId : 0n));
        expect(toHex(ethTxHash(suite, d))).toBe(tx.hash);
        expect(toHex(ethSignature(suite, d).digest)).toBe(tx.unsignedHash);
        expect(senderOf(raw)).toBe(w.address.toLowerCase());
      }),
      { numRuns: 60 },
    );
  });

  function refuses(raw: Uint8Array | string, message: RegExp): void {
    const bytes = typeof raw === 'string' ? getBytes(raw) : raw;
    expect(() => decodeEthTx(bytes)).toThrow(CodecError);
    expect(() => decodeEthTx(bytes)).toThrow(message);
  }

  /** Rewrites one RLP field of a signed transaction (without re-signing). */
  function withField(raw: string, index: number, value: string | unknown[]): Uint8Array {
    const typed = getBytes(raw)[0] < 0xc0;
    const fields = decodeRlp(typed ? getBytes(raw).subarray(1) : raw) as unknown[];
    fields[index] = value;
    const body = getBytes(encodeRlp(fields as string[]));
    return typed ? Uint8Array.from([getBytes(raw)[0], ...body]) : body;
  }

  it('refuses pre-EIP-155 legacy signatures (v = 27/28): they replay on any chain', () => {
    const tx = signed({ ...base, type: 0, gasPrice: 1n, chainId: 0 });
    expect(tx.signature!.v).toBeGreaterThanOrEqual(27);
    refuses(tx.serialized, /pre-EIP-155.*replayed on any chain/);
    refuses(withField(signed({ ...base, type: 0, gasPrice: 1n }).serialized, 6, '0x1d'), /neither EIP-155/);
  });

  it('refuses blob (3), set-code (4) and unknown types, and empty input', () => {
    refuses('0x03c0', /type 3.*not supported/);
    refuses('0x04c0', /type 4.*not supported/);
    refuses('0x05c0', /unknown transaction type 0x05/);
    refuses('0x7f', /unknown transaction type 0x7f/);
    refuses(new Uint8Array(), /empty/);
  });

  it('refuses trailing bytes, non-canonical RLP and the wrong field count', () => {
    const raw = signed(base).serialized;
    refuses(raw + '00', /not RLP|unexpected junk/);
    // A one-byte value wrapped as a string (0x81 0x05 instead of 0x05) decodes in ethers.
    const body = getBytes(signed({ ...base, nonce: 5 }).serialized).subarray(1);
    // body = 0xf8 <len> 0x82 0x04 0xd2 (chain id 1234) 0x05 (nonce) ...
    expect([body[0], body[5]]).toEqual([0xf8, 0x05]);
    const widened = Uint8Array.from([...body.subarray(0, 5), 0x81, ...body.subarray(5)]);
    widened[1]++;
    refuses(Uint8Array.from([2, ...widened]), /not canonical RLP/);
    const list = decodeRlp(body) as string[];
    refuses(Uint8Array.from([2, ...getBytes(encodeRlp(list.slice(0, 11)))]), /list of 12 fields/);
  });

  it('refuses leading zeros, over-long fields, a bad to, and nonce or gas above 2^53 - 1', () => {
    const raw = signed(base).serialized;
    refuses(withField(raw, 1, '0x0001'), /nonce has a leading zero/);
    refuses(withField(raw, 1, '0x20000000000000'), /nonce is above 2\^53 - 1/);
    refuses(withField(raw, 4, '0x20000000000000'), /gasLimit is above 2\^53 - 1/);
    refuses(withField(raw, 6, '0x01' + '00'.repeat(32)), /value is longer than 32 bytes/);
    refuses(withField(raw, 5, '0x' + '11'.repeat(19)), /to must be empty or 20 bytes/);
    refuses(withField(raw, 0, '0x20000000000000'), /chain id is above 2\^53 - 1/);
    refuses(withField(raw, 9, '0x02'), /yParity must be 0 or 1/);
    refuses(withField(raw, 8, ['0x' + '11'.repeat(20)]), /accessList entries/);
  });

  it('refuses s in the upper half of the curve order (EIP-2) and r or s out of range', () => {
    const tx = signed(base);
    const sig = tx.signature!;
    const highS = '0x' + (N - BigInt(sig.s)).toString(16);
    refuses(withField(tx.serialized, 11, highS), /upper half of the curve order \(EIP-2\)/);
    refuses(withField(tx.serialized, 10, '0x'), /r is out of range/);
    refuses(withField(tx.serialized, 11, '0x'), /s is zero/);
    // The flipped twin signs the same digest: the decoder must be what refuses it.
    expect(Signature.from({ r: sig.r, s: highS, v: sig.v === 27 ? 28 : 27 })).toBeDefined();
  });

  it('a tampered field recovers another sender, never the signer', () => {
    const raw = signed({ ...base, nonce: 7 }).serialized;
    expect(senderOf(getBytes(raw))).toBe(wallet.address.toLowerCase());
    expect(senderOf(withField(raw, 1, '0x08'))).not.toBe(wallet.address.toLowerCase());
  });

  it('refuses to recover on a chain whose suite is not ecdsa, and says why', () => {
    const sm = { ...suite, name: 'sm' } as CryptoSuite;
    const tx = decodeEthTx(getBytes(signed(base).serialized));
    expect(() => ethSignature(sm, tx)).toThrow(/need the 'ecdsa' crypto suite.*this chain uses 'sm'/);
    // The hash stays Ethereum's: keccak-256 of the signed bytes.
    expect(toHex(ethTxHash(sm, tx))).toBe(signed(base).hash);
    expect(fromHex(toHex(tx.raw))).toEqual(tx.raw);
  });
});
