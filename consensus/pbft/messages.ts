import { CodecError, decodeCanonical, encodeCanonical, type Canonical } from '../../node/codec/canonical.js';
import { certFromCanonical, certToCanonical, HASH_LENGTH, type CommitCertificate } from '../../node/codec/block.js';
import type { PbftSuite } from './chain-binding.js';
import { MAX_VALIDATORS } from './validators.js';

/**
 * PBFT wire messages. Each is a canonical msgpack array whose first element is a type
 * tag, so `decodeMessage` can check the shape of untrusted bytes before anything else.
 * Signatures cover a domain-separated digest of the fields that matter (never the wire
 * bytes), so a commit signature doubles as a share of the block's commit certificate.
 */
export const MsgType = {
  /** The leader's proposal for (height, view); for view > 0 it is the new-view message. */
  PrePrepare: 1,
  Prepare: 2,
  Commit: 3,
  ViewChange: 4,
  /** A decided block with its commit certificate, sent to a validator still voting on it. */
  Decision: 5,
} as const;

/** 2f+1 prepare signatures over prepareDigest(height, view, hash): proof the hash was prepared. */
export interface PreparedCertificate {
  readonly view: number;
  readonly hash: Uint8Array;
  /** [validator index, signature], strictly increasing by index. */
  readonly signatures: ReadonlyArray<readonly [number, Uint8Array]>;
}

interface Signed {
  readonly height: number;
  readonly view: number;
  /** Index of the signer in the validator set in force at `height`. */
  readonly signer: number;
  readonly signature: Uint8Array;
}

export interface PrePrepareMsg extends Signed {
  readonly type: typeof MsgType.PrePrepare;
  /** The opaque proposal (an encoded block); its hash comes from the ProposalInspector. */
  readonly payload: Uint8Array;
  /** Empty for view 0; for view v > 0, the 2f+1 view-change messages for v that justify it. */
  readonly viewChanges: readonly ViewChangeMsg[];
}

export interface PrepareMsg extends Signed {
  readonly type: typeof MsgType.Prepare;
  readonly hash: Uint8Array;
}

export interface CommitMsg extends Signed {
  readonly type: typeof MsgType.Commit;
  readonly hash: Uint8Array;
}

export interface ViewChangeMsg extends Signed {
  readonly type: typeof MsgType.ViewChange;
  /** The sender's highest prepared certificate at this height, if any. */
  readonly prepared: PreparedCertificate | null;
  /**
   * The prepared proposal itself, so the new leader can re-propose it. Not signed (its
   * hash must equal prepared.hash), and always null inside a pre-prepare's proof.
   */
  readonly payload: Uint8Array | null;
}

/** Unsigned: the certificate is the proof. */
export interface DecisionMsg {
  readonly type: typeof MsgType.Decision;
  readonly height: number;
  readonly payload: Uint8Array;
  readonly certificate: CommitCertificate;
}

export type PbftMessage = PrePrepareMsg | PrepareMsg | CommitMsg | ViewChangeMsg | DecisionMsg;

/** Signs 32-byte digests with this node's validator key (a key store or HSM in production). */
export interface Signer {
  readonly publicKey: Uint8Array;
  sign(digest: Uint8Array): Uint8Array;
}

const DOMAIN = 'lingding/pbft/2'; // 2: digests bind the chain (chainTag)
export const MAX_SIGNATURE_LENGTH = 256;

// ---------------------------------------------------------------------------------------
// Digests

function voteDigest(suite: PbftSuite, type: number, height: number, view: number, hash: Uint8Array): Uint8Array {
  return suite.hash(encodeCanonical([DOMAIN, suite.chainTag, type, height, view, hash]));
}

export function prePrepareDigest(suite: PbftSuite, height: number, view: number, blockHash: Uint8Array): Uint8Array {
  return voteDigest(suite, MsgType.PrePrepare, height, view, blockHash);
}

export function prepareDigest(suite: PbftSuite, height: number, view: number, blockHash: Uint8Array): Uint8Array {
  return voteDigest(suite, MsgType.Prepare, height, view, blockHash);
}

/** What each signature of a commit certificate signs: (height, view, blockHash), domain-tagged. */
export function commitDigest(suite: PbftSuite, height: number, view: number, blockHash: Uint8Array): Uint8Array {
  return voteDigest(suite, MsgType.Commit, height, view, blockHash);
}

export function viewChangeDigest(
  suite: PbftSuite,
  height: number,
  view: number,
  prepared: PreparedCertificate | null,
): Uint8Array {
  return suite.hash(
    encodeCanonical([DOMAIN, suite.chainTag, MsgType.ViewChange, height, view, preparedToCanonical(prepared)]),
  );
}

// ---------------------------------------------------------------------------------------
// Construction (signing)

export function makePrePrepare(
  suite: PbftSuite,
  signer: Signer,
  signerIndex: number,
  height: number,
  view: number,
  blockHash: Uint8Array,
  payload: Uint8Array,
  viewChanges: readonly ViewChangeMsg[],
): PrePrepareMsg {
  const signature = signer.sign(prePrepareDigest(suite, height, view, blockHash));
  return { type: MsgType.PrePrepare, height, view, signer: signerIndex, payload, viewChanges, signature };
}

export function makePrepare(
  suite: PbftSuite,
  signer: Signer,
  signerIndex: number,
  height: number,
  view: number,
  hash: Uint8Array,
): PrepareMsg {
  return {
    type: MsgType.Prepare,
    height,
    view,
    signer: signerIndex,
    hash,
    signature: signer.sign(prepareDigest(suite, height, view, hash)),
  };
}

export function makeCommit(
  suite: PbftSuite,
  signer: Signer,
  signerIndex: number,
  height: number,
  view: number,
  hash: Uint8Array,
): CommitMsg {
  return {
    type: MsgType.Commit,
    height,
    view,
    signer: signerIndex,
    hash,
    signature: signer.sign(commitDigest(suite, height, view, hash)),
  };
}

export function makeViewChange(
  suite: PbftSuite,
  signer: Signer,
  signerIndex: number,
  height: number,
  view: number,
  prepared: PreparedCertificate | null,
  payload: Uint8Array | null,
): ViewChangeMsg {
  const signature = signer.sign(viewChangeDigest(suite, height, view, prepared));
  return { type: MsgType.ViewChange, height, view, signer: signerIndex, prepared, payload, signature };
}

// ---------------------------------------------------------------------------------------
// Canonical encoding

export function preparedToCanonical(p: PreparedCertificate | null): Canonical {
  return p === null ? null : [p.view, p.hash, p.signatures.map(([i, s]) => [i, s])];
}

export function messageToCanonical(m: PbftMessage): Canonical {
  switch (m.type) {
    case MsgType.PrePrepare:
      return [m.type, m.height, m.view, m.signer, m.payload, m.viewChanges.map(messageToCanonical), m.signature];
    case MsgType.Prepare:
    case MsgType.Commit:
      return [m.type, m.height, m.view, m.signer, m.hash, m.signature];
    case MsgType.ViewChange:
      return [m.type, m.height, m.view, m.signer, preparedToCanonical(m.prepared), m.payload, m.signature];
    case MsgType.Decision:
      return [m.type, m.height, m.payload, certToCanonical(m.certificate)];
  }
}

export function encodeMessage(m: PbftMessage): Uint8Array {
  return encodeCanonical(messageToCanonical(m));
}

/**
 * Decodes untrusted bytes into a message, checking every field's type, length and
 * bounds; throws a CodecError naming the first bad field. Signatures are NOT checked
 * here: that needs the validator set of the message's height (the core does it).
 */
export function decodeMessage(bytes: Uint8Array): PbftMessage {
  return messageFromCanonical(decodeCanonical(bytes), 'message');
}

function messageFromCanonical(v: Canonical, what: string): PbftMessage {
  if (!Array.isArray(v) || v.length === 0) throw new CodecError(`${what} must be a non-empty array`);
  const tag = v[0];
  switch (tag) {
    case MsgType.PrePrepare: {
      fieldCount(v, 7, what, 'pre-prepare');
      if (!Array.isArray(v[5])) throw new CodecError(`${what}: viewChanges must be an array`);
      const proof = v[5] as Canonical[];
      if (proof.length > MAX_VALIDATORS) throw new CodecError(`${what}: more than ${MAX_VALIDATORS} view changes`);
      const viewChanges = proof.map((e, k) => {
        const vc = messageFromCanonical(e, `${what}.viewChanges[${k}]`);
        if (vc.type !== MsgType.ViewChange) throw new CodecError(`${what}.viewChanges[${k}] is not a view change`);
        if (vc.payload !== null) throw new CodecError(`${what}.viewChanges[${k}] must not carry a payload`);
        return vc;
      });
      return {
        type: tag,
        ...signedHead(v, what),
        payload: bytes(v[4], `${what}.payload`),
        viewChanges,
        signature: signature(v[6], what),
      };
    }
    case MsgType.Prepare:
    case MsgType.Commit:
      fieldCount(v, 6, what, tag === MsgType.Prepare ? 'prepare' : 'commit');
      return {
        type: tag,
        ...signedHead(v, what),
        hash: hash32(v[4], `${what}.hash`),
        signature: signature(v[5], what),
      };
    case MsgType.ViewChange:
      fieldCount(v, 7, what, 'view-change');
      return {
        type: tag,
        ...signedHead(v, what),
        prepared: preparedFromCanonical(v[4], `${what}.prepared`),
        payload: v[5] === null ? null : bytes(v[5], `${what}.payload`),
        signature: signature(v[6], what),
      };
    case MsgType.Decision: {
      fieldCount(v, 4, what, 'decision');
      let certificate: CommitCertificate;
      try {
        certificate = certFromCanonical(v[3]);
      } catch (e) {
        throw new CodecError(`${what}.certificate: ${(e as Error).message}`);
      }
      signatureList(certificate.signatures, `${what}.certificate`);
      return { type: tag, height: uint(v[1], `${what}.height`), payload: bytes(v[2], `${what}.payload`), certificate };
    }
    default:
      throw new CodecError(`${what}: unknown PBFT message type ${JSON.stringify(tag)}`);
  }
}

function fieldCount(v: readonly Canonical[], n: number, what: string, name: string): void {
  if (v.length !== n) throw new CodecError(`${what}: ${name} must have ${n} fields, got ${v.length}`);
}

function signedHead(v: readonly Canonical[], what: string): { height: number; view: number; signer: number } {
  const signer = uint(v[3], `${what}.signer`);
  if (signer >= MAX_VALIDATORS) throw new CodecError(`${what}.signer ${signer} is out of range`);
  return { height: uint(v[1], `${what}.height`), view: uint(v[2], `${what}.view`), signer };
}

export function preparedFromCanonical(v: Canonical, what: string): PreparedCertificate | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== 3 || !Array.isArray(v[2]))
    throw new CodecError(`${what} must be null or [view, hash, signatures]`);
  const entries = v[2] as Canonical[];
  if (entries.length > MAX_VALIDATORS) throw new CodecError(`${what}: more than ${MAX_VALIDATORS} signatures`);
  const signatures = entries.map((e, k) => {
    if (!Array.isArray(e) || e.length !== 2)
      throw new CodecError(`${what}.signatures[${k}] must be [index, signature]`);
    return [uint(e[0], `${what}.signatures[${k}].index`), signature(e[1], `${what}.signatures[${k}]`)] as const;
  });
  signatureList(signatures, what);
  return { view: uint(v[0], `${what}.view`), hash: hash32(v[1], `${what}.hash`), signatures };
}

/** Indices strictly increasing: one canonical form per certificate, no duplicate signers. */
function signatureList(sigs: ReadonlyArray<readonly [number, Uint8Array]>, what: string): void {
  if (sigs.length > MAX_VALIDATORS) throw new CodecError(`${what}: more than ${MAX_VALIDATORS} signatures`);
  for (let k = 0; k < sigs.length; k++) {
    if (sigs[k][0] >= MAX_VALIDATORS) throw new CodecError(`${what}: signer ${sigs[k][0]} is out of range`);
    if (k > 0 && sigs[k][0] <= sigs[k - 1][0])
      throw new CodecError(`${what}: signer indices must be strictly increasing`);
    if (sigs[k][1].length === 0 || sigs[k][1].length > MAX_SIGNATURE_LENGTH)
      throw new CodecError(`${what}: signature ${k} has a bad length`);
  }
}

function uint(x: Canonical, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    throw new CodecError(`${field} must be a non-negative integer`);
  return x;
}

function bytes(x: Canonical, field: string): Uint8Array {
  if (!(x instanceof Uint8Array)) throw new CodecError(`${field} must be bytes`);
  return x;
}

function hash32(x: Canonical, field: string): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== HASH_LENGTH)
    throw new CodecError(`${field} must be ${HASH_LENGTH} bytes`);
  return x;
}

function signature(x: Canonical, what: string): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length === 0 || x.length > MAX_SIGNATURE_LENGTH) {
    throw new CodecError(`${what}.signature must be 1..${MAX_SIGNATURE_LENGTH} bytes`);
  }
  return x;
}
