import { describe, expect, it } from 'vitest';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { justifyNewView, verifyCommitCertificate, verifyPreparedCertificate } from './certificates.js';
import { bindSuiteToChain, chainTag } from './chain-binding.js';
import { makeCommit, makePrepare, makeViewChange, type PreparedCertificate, type Signer } from './messages.js';
import { createValidatorSet } from './validators.js';

// Consensus signs for one chain: a fixed tag stands for (chain id, genesis hash) here.
const suite = bindSuiteToChain(createEcdsaSuite(), new Uint8Array(32).fill(0xc4));
const keys = [1, 2, 3, 4].map((i) => suite.keyPairFromSecret(new Uint8Array(32).fill(i)));
const signers: Signer[] = keys.map((k) => ({ publicKey: k.publicKey, sign: (d) => suite.sign(d, k.secretKey) }));
const validators = createValidatorSet(keys.map((k) => k.publicKey));
const X = suite.hash(new Uint8Array([1]));
const Y = suite.hash(new Uint8Array([2]));

const commitSigs = (height: number, view: number, hash: Uint8Array, who: number[]) =>
  who.map((i) => [i, makeCommit(suite, signers[i], i, height, view, hash).signature] as const);
const preparedCert = (height: number, view: number, hash: Uint8Array, who = [0, 1, 2]): PreparedCertificate => ({
  view,
  hash,
  signatures: who.map((i) => [i, makePrepare(suite, signers[i], i, height, view, hash).signature] as const),
});

describe('validator set', () => {
  it('derives f, the quorum and FISCO-style leader rotation', () => {
    expect([validators.size, validators.faulty, validators.quorum]).toEqual([4, 1, 3]);
    expect(createValidatorSet([keys[0].publicKey]).quorum).toBe(1);
    expect(validators.leader(5, 0)).toBe(1);
    expect(validators.leader(5, 3)).toBe(0);
    expect(validators.indexOf(keys[2].publicKey)).toBe(2);
    expect(() => createValidatorSet([keys[0].publicKey, keys[0].publicKey])).toThrow(/repeats/);
  });
});

describe('commit certificates', () => {
  it('accepts a quorum of valid signatures, and more', () => {
    expect(
      verifyCommitCertificate(suite, validators, 9, X, { view: 2, signatures: commitSigs(9, 2, X, [0, 1, 3]) }),
    ).toEqual({ ok: true });
    expect(
      verifyCommitCertificate(suite, validators, 9, X, { view: 2, signatures: commitSigs(9, 2, X, [0, 1, 2, 3]) }).ok,
    ).toBe(true);
  });

  const cases: Array<[string, Parameters<typeof verifyCommitCertificate>[4], RegExp, Uint8Array?, number?]> = [
    ['too few signatures', { view: 0, signatures: commitSigs(9, 0, X, [0, 1]) }, /2 signatures, 3 needed/],
    [
      'a repeated signer',
      { view: 0, signatures: [...commitSigs(9, 0, X, [0, 1]), ...commitSigs(9, 0, X, [1])] },
      /strictly increasing/,
    ],
    ['unsorted signers', { view: 0, signatures: commitSigs(9, 0, X, [2, 0, 1]) }, /strictly increasing/],
    [
      'an unknown signer',
      { view: 0, signatures: [...commitSigs(9, 0, X, [0, 1]), [7, new Uint8Array(65)]] },
      /names signer 7/,
    ],
    ['a signature for another hash', { view: 0, signatures: commitSigs(9, 0, Y, [0, 1, 2]) }, /invalid/],
    ['a signature for another view', { view: 1, signatures: commitSigs(9, 0, X, [0, 1, 2]) }, /invalid/],
    ['a signature for another height', { view: 0, signatures: commitSigs(8, 0, X, [0, 1, 2]) }, /invalid/],
    ['prepare signatures', { view: 0, signatures: preparedCert(9, 0, X).signatures }, /invalid/],
    ['a negative view', { view: -1, signatures: commitSigs(9, 0, X, [0, 1, 2]) }, /view/],
  ];
  for (const [name, cert, reason] of cases) {
    it(`rejects ${name}`, () => {
      const r = verifyCommitCertificate(suite, validators, 9, X, cert);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }

  it('binds the chain: the same validators signing the same height, view and hash on another chain do not count', () => {
    const otherChain = bindSuiteToChain(createEcdsaSuite(), chainTag(suite, 'another-chain', new Uint8Array(32)));
    const foreign = [0, 1, 2].map((i) => [i, makeCommit(otherChain, signers[i], i, 9, 0, X).signature] as const);
    expect(verifyCommitCertificate(otherChain, validators, 9, X, { view: 0, signatures: foreign })).toEqual({
      ok: true,
    });
    const here = verifyCommitCertificate(suite, validators, 9, X, { view: 0, signatures: foreign });
    expect(here.ok).toBe(false);
    expect(chainTag(suite, 'a', new Uint8Array(32))).not.toEqual(chainTag(suite, 'a', new Uint8Array(32).fill(1)));
  });

  it('checks prepared certificates the same way', () => {
    expect(verifyPreparedCertificate(suite, validators, 9, preparedCert(9, 1, X)).ok).toBe(true);
    expect(verifyPreparedCertificate(suite, validators, 9, { ...preparedCert(9, 1, X), view: 2 }).ok).toBe(false);
  });
});

describe('new-view proofs', () => {
  const vc = (i: number, view: number, prepared: PreparedCertificate | null) => ({
    ...makeViewChange(suite, signers[i], i, 9, view, prepared, null),
  });

  it('returns the highest prepared block among a quorum of view changes', () => {
    const j = justifyNewView(suite, validators, 9, 3, [
      vc(0, 3, null),
      vc(1, 3, preparedCert(9, 1, Y)),
      vc(2, 3, preparedCert(9, 2, X)),
    ]);
    expect(j).toEqual({ ok: true, highest: { view: 2, hash: X } });
    expect(justifyNewView(suite, validators, 9, 3, [vc(0, 3, null), vc(1, 3, null), vc(3, 3, null)])).toEqual({
      ok: true,
      highest: null,
    });
  });

  const bad: Array<[string, () => ReturnType<typeof vc>[], RegExp]> = [
    ['fewer than a quorum', () => [vc(0, 3, null), vc(1, 3, null)], /2 view changes, 3 needed/],
    ['a repeated validator', () => [vc(0, 3, null), vc(1, 3, null), vc(1, 3, null)], /repeats validator 1/],
    ['a view change for another view', () => [vc(0, 3, null), vc(1, 3, null), vc(2, 4, null)], /\(9, 4\)/],
    [
      'a forged signature',
      () => [vc(0, 3, null), vc(1, 3, null), { ...vc(2, 3, null), signature: vc(0, 3, null).signature }],
      /signature of validator 2/,
    ],
    [
      'a certificate from the new view itself',
      () => [vc(0, 3, null), vc(1, 3, null), vc(2, 3, preparedCert(9, 3, X))],
      /from view 3/,
    ],
    [
      'a forged prepared certificate',
      () => [vc(0, 3, null), vc(1, 3, null), vc(2, 3, { ...preparedCert(9, 1, X), hash: Y })],
      /invalid/,
    ],
    [
      'two blocks prepared in one view',
      () => [vc(0, 3, preparedCert(9, 1, X)), vc(1, 3, preparedCert(9, 1, Y)), vc(2, 3, null)],
      /two different prepared hashes/,
    ],
  ];
  for (const [name, proof, reason] of bad) {
    it(`rejects ${name}`, () => {
      const j = justifyNewView(suite, validators, 9, 3, proof());
      expect(j.ok).toBe(false);
      if (!j.ok) expect(j.reason).toMatch(reason);
    });
  }
});
