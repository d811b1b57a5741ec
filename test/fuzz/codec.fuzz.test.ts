/**
 * Fuzzing the decoders every stranger's bytes reach first: the canonical codec, the
 * transaction envelope, blocks and receipts, and PBFT messages. A decoder may refuse (with
 * a CodecError, nothing else) or accept, and what it accepts must be canonical: encoding it
 * again gives exactly the input bytes (one encoding per value, so one hash per value).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindSuiteToChain, decodeMessage, encodeMessage, type PbftMessage } from '../../consensus/index.js';
import { makeCommit, makePrePrepare, makeViewChange } from '../../consensus/pbft/messages.js';
import {
  decodeBlock,
  decodeReceipt,
  encodeBlock,
  encodeReceipt,
  type Block,
  type Receipt,
} from '../../node/codec/block.js';
import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from '../../node/codec/canonical.js';
import { decodeTx, encodeTx } from '../../node/codec/tx.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { fuzzParams, hostileBytes } from '../helpers/fuzz.js';

const suite = bindSuiteToChain(createEcdsaSuite(), new Uint8Array(32).fill(7));
const key = suite.keyPairFromSecret(new Uint8Array(32).fill(3));
const signer = { publicKey: key.publicKey, sign: (d: Uint8Array) => suite.sign(d, key.secretKey) };

const canonicalArb: fc.Arbitrary<Canonical> = fc.letrec<{ value: Canonical }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, -33)),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
  ),
})).value;

/** Runs `decode` on `bytes`: a CodecError, or a value whose re-encoding is exactly `bytes`. */
function decodesCanonicallyOrRefuses<T>(bytes: Uint8Array, decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array) {
  let value: T;
  try {
    value = decode(bytes);
  } catch (e) {
    if (!(e instanceof CodecError)) throw new Error(`decoder threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return;
  }
  expect(Buffer.from(encode(value)).equals(Buffer.from(bytes))).toBe(true);
}

const txBytes = fc
  .record({ input: fc.uint8Array({ maxLength: 64 }), height: fc.nat(1_000_000), to: fc.boolean() })
  .map(
    ({ input, height, to }) =>
      buildSignedTx(
        suite,
        { chainId: 'fuzz', height, to: to ? new Uint8Array(20).fill(1) : null, input },
        key.secretKey,
      ).raw,
  );

const blockBytes = fc.array(txBytes, { maxLength: 3 }).map((raws) => {
  const block: Block = {
    header: {
      version: 1,
      parentHash: new Uint8Array(32).fill(1),
      number: 7,
      timestamp: 1_700_000_000_000,
      proposer: 2,
      txRoot: new Uint8Array(32).fill(2),
      receiptRoot: new Uint8Array(32).fill(3),
      stateRoot: new Uint8Array(32).fill(4),
      gasUsed: 21_000,
      view: 1,
    },
    transactions: raws.map(decodeTx),
  };
  return encodeBlock(block);
});

const receiptBytes = fc
  .record({
    status: fc.constantFrom(0, 1, 2, 3),
    gas: fc.nat(),
    out: fc.uint8Array({ maxLength: 40 }),
    msg: fc.string(),
  })
  .map(({ status, gas, out, msg }) => {
    const r = { status, gasUsed: gas, output: out, logs: [], contractAddress: null, message: msg } as Receipt;
    return encodeReceipt(r);
  });

const messageBytes = fc
  .record({ kind: fc.constantFrom(0, 1, 2), height: fc.integer({ min: 1, max: 1e6 }), view: fc.nat(100) })
  .map(({ kind, height, view }) => {
    const hash = suite.hash(Uint8Array.of(height & 0xff));
    const m: PbftMessage =
      kind === 0
        ? makeCommit(suite, signer, 0, height, view, hash)
        : kind === 1
          ? makeViewChange(suite, signer, 0, height, view, null, null)
          : makePrePrepare(suite, signer, 0, height, view, hash, Uint8Array.of(1, 2, 3), []);
    return encodeMessage(m);
  });

describe('fuzz: decoders of untrusted bytes', () => {
  it('canonical codec: refuses or round-trips exactly', () => {
    fc.assert(
      fc.property(hostileBytes(canonicalArb.map(encodeCanonical)), (b) => {
        decodesCanonicallyOrRefuses(b, decodeCanonical, encodeCanonical);
      }),
      fuzzParams(3000),
    );
  });

  it('transaction envelope', () => {
    fc.assert(
      fc.property(hostileBytes(txBytes), (b) => decodesCanonicallyOrRefuses(b, decodeTx, encodeTx)),
      fuzzParams(1500),
    );
  });

  it('blocks and receipts', () => {
    fc.assert(
      fc.property(hostileBytes(blockBytes), (b) => decodesCanonicallyOrRefuses(b, decodeBlock, encodeBlock)),
      fuzzParams(500),
    );
    fc.assert(
      fc.property(hostileBytes(receiptBytes), (b) => decodesCanonicallyOrRefuses(b, decodeReceipt, encodeReceipt)),
      fuzzParams(1500),
    );
  });

  it('PBFT messages', () => {
    fc.assert(
      fc.property(hostileBytes(messageBytes), (b) => decodesCanonicallyOrRefuses(b, decodeMessage, encodeMessage)),
      fuzzParams(1500),
    );
  });
});
