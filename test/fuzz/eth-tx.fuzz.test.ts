/**
 * Fuzzing the decoder of Ethereum-signed transactions, which eth_sendRawTransaction hands
 * any stranger's bytes to. It may refuse (with a CodecError, nothing else) or accept; what
 * it accepts is hashed over exactly the bytes given, and a mutation of a signed transaction
 * it accepts is a different transaction — different signed content or signature, never the
 * same one under a second hash (which would let one payment be included twice). Inside the
 * ledger's envelope [2, raw] the same bytes decode canonically or are refused.
 */
import fc from 'fast-check';
import { getBytes, hexlify, Transaction, type TransactionLike, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CodecError, encodeCanonical } from '../../node/codec/canonical.js';
import { decodeEthTx, type EthTx, ethTxHash, ethUnsignedPayload } from '../../node/codec/eth-tx.js';
import { keccak_256 as keccak256 } from '@noble/hashes/sha3.js';
import { decodeTx, encodeTx, TxType } from '../../node/codec/tx.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { fuzzParams, hostileBytes, mutated } from '../helpers/fuzz.js';

const suite = createEcdsaSuite();
const wallet = new Wallet(`0x${'42'.repeat(32)}`);

const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const bytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b));

/** Transactions ethers signs: the three envelopes, any field within its range. */
const signedTx: fc.Arbitrary<Uint8Array> = fc
  .record({
    type: fc.constantFrom(0, 1, 2),
    chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    nonce: fc.maxSafeNat(),
    gasLimit: fc.maxSafeNat(),
    fee: u256,
    tip: u256,
    to: fc.option(bytes20, { nil: null }),
    value: u256,
    data: fc.uint8Array({ maxLength: 48 }).map((b) => hexlify(b)),
    accessList: fc.array(
      fc.record({
        address: bytes20,
        storageKeys: fc.array(
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
          {
            maxLength: 2,
          },
        ),
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ type, fee, tip, accessList, ...rest }) => {
    const fields: TransactionLike = {
      ...rest,
      type,
      gasPrice: type === 2 ? null : fee,
      maxFeePerGas: type === 2 ? fee : null,
      // ethers refuses to sign a priority fee above the max fee.
      maxPriorityFeePerGas: type === 2 ? tip % (fee + 1n) : null,
      accessList: type === 0 ? null : accessList,
    };
    const tx = Transaction.from(fields);
    tx.signature = wallet.signingKey.sign(tx.unsignedHash);
    return getBytes(tx.serialized);
  });

/** The decoded transaction, or null after a CodecError; any other error fails the property. */
function decodeOrRefuse(raw: Uint8Array): EthTx | null {
  try {
    return decodeEthTx(raw);
  } catch (e) {
    if (!(e instanceof CodecError))
      throw new Error(`decodeEthTx threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return null;
  }
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('fuzz: Ethereum transactions', () => {
  it('decodeEthTx refuses with a CodecError or accepts, hashing exactly the bytes given', () => {
    fc.assert(
      fc.property(hostileBytes(signedTx), (raw) => {
        const tx = decodeOrRefuse(raw);
        if (!tx) return;
        expect(same(tx.raw, raw)).toBe(true);
        expect(same(ethTxHash(suite, tx), keccak256(raw))).toBe(true);
      }),
      fuzzParams(1500),
    );
  });

  it('never accepts a mutated transaction as the same transaction under another hash', () => {
    const pairs = signedTx.chain((valid) => mutated(fc.constant(valid)).map((bad) => [valid, bad] as const));
    fc.assert(
      fc.property(pairs, ([valid, bad]) => {
        const tx = decodeOrRefuse(bad);
        if (!tx || same(bad, valid)) return;
        const original = decodeEthTx(valid);
        expect(same(ethTxHash(suite, tx), ethTxHash(suite, original))).toBe(false);
        const signature = (t: EthTx) => [...t.r, ...t.s, t.yParity];
        const sameContent = same(ethUnsignedPayload(tx), ethUnsignedPayload(original));
        const sameSignature = same(Uint8Array.from(signature(tx)), Uint8Array.from(signature(original)));
        expect(sameContent && sameSignature).toBe(false);
      }),
      fuzzParams(1500),
    );
  });

  it("the ledger's envelope [2, raw]: refuses with a CodecError or round-trips exactly", () => {
    fc.assert(
      fc.property(hostileBytes(signedTx.map((raw) => encodeCanonical([TxType.Ethereum, raw]))), (bytes) => {
        let tx: ReturnType<typeof decodeTx>;
        try {
          tx = decodeTx(bytes);
        } catch (e) {
          if (!(e instanceof CodecError))
            throw new Error(`decodeTx threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
          return;
        }
        expect(same(encodeTx(tx), bytes)).toBe(true);
      }),
      fuzzParams(1000),
    );
  });
});
