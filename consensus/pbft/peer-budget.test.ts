import { describe, expect, it } from 'vitest';
import { decodeCanonical, encodeCanonical } from '../../node/codec/canonical.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { FutureBuffer, messageBytes } from './buffer.js';
import { bindSuiteToChain } from './chain-binding.js';
import { DEFAULT_LIMITS } from './config.js';
import { PbftCore } from './core.js';
import { makeCommit, makePrepare, makePrePrepare, type Signer } from './messages.js';
import type { ProposalInspector } from './types.js';
import { createValidatorSet } from './validators.js';

// What one peer can make a validator hold or send: bounded in bytes, and only after its
// signatures check. Validator 0 is the node under test; the others send to it.
// Consensus signs for one chain: a fixed tag stands for (chain id, genesis hash) here.
const suite = bindSuiteToChain(createEcdsaSuite(), new Uint8Array(32).fill(0xc4));
const keys = [21, 22, 23, 24].map((i) => suite.keyPairFromSecret(new Uint8Array(32).fill(i)));
const signers: Signer[] = keys.map((k) => ({ publicKey: k.publicKey, sign: (d) => suite.sign(d, k.secretKey) }));
const validators = createValidatorSet(keys.map((k) => k.publicKey));
const inspector: ProposalInspector = {
  inspect(payload) {
    const v = decodeCanonical(payload) as [number, Uint8Array, Uint8Array, Uint8Array];
    return { height: v[0], parentHash: v[1], stateRoot: v[2], hash: suite.hash(payload) };
  },
};
const payload = (height: number, bytes: number) =>
  encodeCanonical([height, new Uint8Array(32), new Uint8Array(32), new Uint8Array(bytes).fill(height)]);

function nodeUnderTest(): PbftCore {
  const core = new PbftCore({ suite, signer: signers[0], inspector, timeouts: { baseMs: 1000, maxMs: 4000 } });
  core.startHeight({ height: 1, parentHash: new Uint8Array(32), validators });
  return core;
}

/** A validly signed pre-prepare from the leader of (height, view), carrying `bytes` of block. */
function prePrepare(height: number, view: number, bytes: number) {
  const leader = validators.leader(height, view);
  const p = payload(height, bytes);
  return makePrePrepare(suite, signers[leader], leader, height, view, suite.hash(p), p, []);
}

describe('PBFT core: what a peer can make a node hold', () => {
  it('buffers a future message only once its signature checks against the validator set', () => {
    const core = nodeUnderTest();
    const hash = new Uint8Array(32).fill(9);
    const good = makePrepare(suite, signers[2], 2, 3, 0, hash);
    const forged = { ...makePrepare(suite, signers[2], 2, 3, 0, hash), signature: new Uint8Array(65) };
    const stranger = { ...makeCommit(suite, signers[1], 1, 3, 0, hash), signer: 9 };
    const wrongKey = makeCommit(suite, signers[3], 1, 3, 0, hash); // claims to be 1, signed by 3
    for (const m of [forged, stranger, wrongKey]) core.onMessage('peer', m);
    expect(core.status().buffered).toBe(0);
    core.onMessage('peer', good);
    expect(core.status().buffered).toBe(1);
  });

  it('refuses a future pre-prepare from a validator that does not lead its view, and one with a bad signature', () => {
    const core = nodeUnderTest();
    const p = payload(2, 10);
    const notLeader = (validators.leader(2, 0) + 1) % 4;
    core.onMessage('peer', makePrePrepare(suite, signers[notLeader], notLeader, 2, 0, suite.hash(p), p, []));
    const leader = validators.leader(2, 0);
    core.onMessage('peer', {
      ...makePrePrepare(suite, signers[leader], leader, 2, 0, suite.hash(p), p, []),
      payload: payload(2, 11), // signed over another block
    });
    expect(core.status().buffered).toBe(0);
  });

  it('holds at most perPeerBufferBytes of correctly signed future proposals from one peer', () => {
    const core = nodeUnderTest();
    // A byzantine leader floods 1 MiB blocks for every future height and every view it leads.
    let sent = 0;
    for (let h = 2; h <= 1 + DEFAULT_LIMITS.futureHeights; h++) {
      for (let view = 0; view < 12; view++) {
        core.onMessage('flooder', prePrepare(h, view, 1024 * 1024));
        sent += 1024 * 1024;
      }
    }
    expect(sent).toBeGreaterThan(4 * DEFAULT_LIMITS.perPeerBufferBytes);
    const held = core.status().buffered;
    expect(held).toBeGreaterThan(0);
    expect(held * (1024 * 1024)).toBeLessThanOrEqual(DEFAULT_LIMITS.perPeerBufferBytes);
    // Another peer's budget is its own.
    core.onMessage('honest', makePrepare(suite, signers[1], 1, 2, 0, new Uint8Array(32)));
    expect(core.status().buffered).toBe(held + 1);
  });

  it('FutureBuffer counts bytes per peer and frees them when a height is taken', () => {
    const buf = new FutureBuffer(100, 3 * 1024 * 1024);
    const m = prePrepare(2, 0, 1024 * 1024);
    expect(messageBytes(m)).toBeGreaterThan(1024 * 1024);
    expect(buf.add('p', m)).toBe(true);
    expect(buf.add('p', m)).toBe(true);
    expect(buf.add('p', m)).toBe(false); // would pass 3 MiB
    expect(buf.bytesHeld('p')).toBe(2 * messageBytes(m));
    expect(buf.take(2)).toHaveLength(2);
    expect(buf.bytesHeld('p')).toBe(0);
    expect(buf.add('p', m)).toBe(true);
  });
});
