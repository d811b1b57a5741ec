import { CodecError, decodeCanonical, encodeCanonical } from '../../node/codec/canonical.js';
import { utf8 } from '../../node/codec/hex.js';
import type { CommitCertificate } from '../../node/codec/block.js';
import type { CryptoSuite } from '../../node/crypto/suite.js';
import type { ProposalHeader, ProposalInspector } from '../../consensus/index.js';

/**
 * The simulation's blocks: [height, parentHash, stateRoot, body], hashed whole. "Executing"
 * a block is deterministic and cheap: stateRoot = hash(parent state root, hash(body)),
 * so a proposer that lies about the state root is caught by every validator.
 */
export interface FakeBlock {
  readonly height: number;
  readonly parentHash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly body: Uint8Array;
}

export interface ChainEntry {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly payload: Uint8Array;
  /** Null for genesis. */
  readonly certificate: CommitCertificate | null;
}

export function encodeFakeBlock(b: FakeBlock): Uint8Array {
  return encodeCanonical([b.height, b.parentHash, b.stateRoot, b.body]);
}

export function decodeFakeBlock(payload: Uint8Array): FakeBlock {
  const v = decodeCanonical(payload);
  if (!Array.isArray(v) || v.length !== 4)
    throw new CodecError('fake block must be [height, parentHash, stateRoot, body]');
  const [height, parentHash, stateRoot, body] = v;
  if (typeof height !== 'number' || !(parentHash instanceof Uint8Array) || parentHash.length !== 32)
    throw new CodecError('fake block header malformed');
  if (!(stateRoot instanceof Uint8Array) || stateRoot.length !== 32 || !(body instanceof Uint8Array))
    throw new CodecError('fake block fields malformed');
  return { height, parentHash, stateRoot, body };
}

export function fakeInspector(suite: CryptoSuite): ProposalInspector {
  return {
    inspect(payload): ProposalHeader {
      const b = decodeFakeBlock(payload);
      return { height: b.height, parentHash: b.parentHash, stateRoot: b.stateRoot, hash: suite.hash(payload) };
    },
  };
}

export function executeFake(suite: CryptoSuite, parentStateRoot: Uint8Array, body: Uint8Array): Uint8Array {
  return suite.hash(encodeCanonical([parentStateRoot, suite.hash(body)]));
}

/** Builds a block on `parent` whose claimed state root is the true one. */
export function buildFakeBlock(suite: CryptoSuite, parent: ChainEntry, body: Uint8Array): Uint8Array {
  return encodeFakeBlock({
    height: parent.height + 1,
    parentHash: parent.hash,
    stateRoot: executeFake(suite, parent.stateRoot, body),
    body,
  });
}

export function genesis(suite: CryptoSuite): ChainEntry {
  const payload = encodeFakeBlock({
    height: 0,
    parentHash: new Uint8Array(32),
    stateRoot: suite.hash(utf8('sim genesis state')),
    body: new Uint8Array(0),
  });
  const b = decodeFakeBlock(payload);
  return { height: 0, hash: suite.hash(payload), stateRoot: b.stateRoot, payload, certificate: null };
}
