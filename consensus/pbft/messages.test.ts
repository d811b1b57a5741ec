import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CodecError, encodeCanonical } from '../../node/codec/canonical.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { bindSuiteToChain } from './chain-binding.js';
import {
  decodeMessage,
  encodeMessage,
  makeCommit,
  makePrepare,
  makePrePrepare,
  makeViewChange,
  MsgType,
  prepareDigest,
  type PbftMessage,
  type Signer,
} from './messages.js';

// Consensus signs for one chain: a fixed tag stands for (chain id, genesis hash) here.
const suite = bindSuiteToChain(createEcdsaSuite(), new Uint8Array(32).fill(0xc4));
const key = suite.keyPairFromSecret(new Uint8Array(32).fill(3));
const signer: Signer = { publicKey: key.publicKey, sign: (d) => suite.sign(d, key.secretKey) };
const hash = suite.hash(new Uint8Array([1]));
const sig = (i: number): readonly [number, Uint8Array] => [i, new Uint8Array(65).fill(i + 1)];

const prepared = { view: 1, hash, signatures: [sig(0), sig(2), sig(3)] };
const vc = makeViewChange(suite, signer, 2, 10, 2, prepared, new Uint8Array([9, 9]));
const samples: PbftMessage[] = [
  makePrePrepare(suite, signer, 1, 10, 0, hash, new Uint8Array([1, 2, 3]), []),
  makePrePrepare(suite, signer, 1, 10, 2, hash, new Uint8Array([1, 2, 3]), [{ ...vc, payload: null }]),
  makePrepare(suite, signer, 0, 10, 0, hash),
  makeCommit(suite, signer, 3, 2 ** 40, 7, hash),
  vc,
  makeViewChange(suite, signer, 2, 10, 5, null, null),
  {
    type: MsgType.Decision,
    height: 10,
    payload: new Uint8Array([5]),
    certificate: { view: 0, signatures: [sig(0), sig(1), sig(2)] },
  },
];

describe('PBFT message codec', () => {
  it('round-trips every message type through canonical bytes', () => {
    for (const m of samples) {
      const bytes = encodeMessage(m);
      expect(decodeMessage(bytes)).toEqual(m);
      expect(encodeMessage(decodeMessage(bytes))).toEqual(bytes);
    }
  });

  it('signs a domain-separated digest, so a prepare signature is no commit signature', () => {
    const p = makePrepare(suite, signer, 0, 10, 0, hash);
    const c = makeCommit(suite, signer, 0, 10, 0, hash);
    expect(p.signature).not.toEqual(c.signature);
    expect(suite.verify(prepareDigest(suite, 10, 0, hash), p.signature, key.publicKey)).toBe(true);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an array', 5, /non-empty array/],
    ['unknown type', [9, 1, 2], /unknown PBFT message type/],
    ['missing field', [MsgType.Prepare, 1, 0, 0, hash], /must have 6 fields/],
    ['extra field', [MsgType.Commit, 1, 0, 0, hash, new Uint8Array(65), 0], /must have 6 fields/],
    ['negative height', [MsgType.Prepare, -1, 0, 0, hash, new Uint8Array(65)], /height must be a non-negative integer/],
    ['short hash', [MsgType.Prepare, 1, 0, 0, new Uint8Array(31), new Uint8Array(65)], /hash must be 32 bytes/],
    ['empty signature', [MsgType.Prepare, 1, 0, 0, hash, new Uint8Array(0)], /signature must be/],
    ['huge signer', [MsgType.Prepare, 1, 0, 5000, hash, new Uint8Array(65)], /signer 5000 is out of range/],
    ['string view', [MsgType.Commit, 1, 'x', 0, hash, new Uint8Array(65)], /view must be a non-negative integer/],
    [
      'certificate out of order',
      [
        MsgType.ViewChange,
        1,
        2,
        0,
        [
          1,
          hash,
          [
            [2, new Uint8Array(65)],
            [1, new Uint8Array(65)],
          ],
        ],
        new Uint8Array(1),
        new Uint8Array(65),
      ],
      /strictly increasing/,
    ],
    [
      'certificate duplicate',
      [
        MsgType.ViewChange,
        1,
        2,
        0,
        [
          1,
          hash,
          [
            [1, new Uint8Array(65)],
            [1, new Uint8Array(65)],
          ],
        ],
        new Uint8Array(1),
        new Uint8Array(65),
      ],
      /strictly increasing/,
    ],
    [
      'proof entry not a view change',
      [
        MsgType.PrePrepare,
        1,
        1,
        0,
        new Uint8Array(1),
        [[MsgType.Prepare, 1, 0, 0, hash, new Uint8Array(65)]],
        new Uint8Array(65),
      ],
      /is not a view change/,
    ],
    [
      'proof entry with payload',
      [
        MsgType.PrePrepare,
        1,
        1,
        0,
        new Uint8Array(1),
        [[MsgType.ViewChange, 1, 1, 0, null, new Uint8Array(1), new Uint8Array(65)]],
        new Uint8Array(65),
      ],
      /must not carry a payload/,
    ],
    ['decision with bad certificate', [MsgType.Decision, 1, new Uint8Array(1), [0, [[0]]]], /certificate/],
  ];
  for (const [name, value, error] of bad) {
    it(`rejects ${name}`, () => {
      const bytes = encodeCanonical(value as never);
      expect(() => decodeMessage(bytes)).toThrow(CodecError);
      expect(() => decodeMessage(bytes)).toThrow(error);
    });
  }

  it('rejects trailing bytes, truncation and non-canonical forms', () => {
    const bytes = encodeMessage(samples[2]);
    expect(() => decodeMessage(Uint8Array.from([...bytes, 0]))).toThrow(CodecError);
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 1))).toThrow(CodecError);
    expect(() => decodeMessage(new Uint8Array(0))).toThrow(/empty input/);
  });

  it('throws only CodecErrors on arbitrary bytes and on every corruption of real messages', () => {
    const decodeOrCodecError = (b: Uint8Array): void => {
      try {
        decodeMessage(b);
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => decodeOrCodecError(b)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.nat(samples.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), (k, pos, byte) => {
        const b = Uint8Array.from(encodeMessage(samples[k]));
        b[pos % b.length] = byte;
        decodeOrCodecError(b);
      }),
      { numRuns: 3000 },
    );
  });
});
