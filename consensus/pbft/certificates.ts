import { equalBytes } from '../../node/codec/canonical.js';
import type { CommitCertificate } from '../../node/codec/block.js';
import type { PbftSuite } from './chain-binding.js';
import {
  commitDigest,
  prepareDigest,
  viewChangeDigest,
  type PreparedCertificate,
  type ViewChangeMsg,
} from './messages.js';
import type { ValidatorSet } from './validators.js';

export type Check = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Check = { ok: true };
const fail = (reason: string): Check => ({ ok: false, reason });

/**
 * Checks a block's commit certificate: at least a quorum of distinct validators of the
 * set in force at `height`, listed by strictly increasing index, each signing
 * commitDigest(height, cert.view, blockHash). Sync, observers and the ledger call this
 * for every block, empty ones included.
 */
export function verifyCommitCertificate(
  suite: PbftSuite,
  validators: ValidatorSet,
  height: number,
  blockHash: Uint8Array,
  cert: CommitCertificate,
): Check {
  if (!Number.isSafeInteger(cert.view) || cert.view < 0) return fail('certificate view is not a non-negative integer');
  return quorumSigned(
    suite,
    validators,
    commitDigest(suite, height, cert.view, blockHash),
    cert.signatures,
    'commit certificate',
  );
}

/** A prepared certificate for `height`: a quorum of prepare signatures over (height, view, hash). */
export function verifyPreparedCertificate(
  suite: PbftSuite,
  validators: ValidatorSet,
  height: number,
  cert: PreparedCertificate,
): Check {
  return quorumSigned(
    suite,
    validators,
    prepareDigest(suite, height, cert.view, cert.hash),
    cert.signatures,
    'prepared certificate',
  );
}

function quorumSigned(
  suite: PbftSuite,
  validators: ValidatorSet,
  digest: Uint8Array,
  signatures: ReadonlyArray<readonly [number, Uint8Array]>,
  what: string,
): Check {
  if (signatures.length < validators.quorum)
    return fail(`${what} has ${signatures.length} signatures, ${validators.quorum} needed`);
  let previous = -1;
  for (const [index, signature] of signatures) {
    if (!Number.isSafeInteger(index) || index <= previous)
      return fail(`${what} signer indices must be strictly increasing`);
    if (index >= validators.size)
      return fail(`${what} names signer ${index}, but there are ${validators.size} validators`);
    if (!suite.verify(digest, signature, validators.publicKeys[index]))
      return fail(`${what} signature of validator ${index} is invalid`);
    previous = index;
  }
  return OK;
}

/** Sorts collected votes into certificate order. */
export function toSignatureList(votes: ReadonlyMap<number, Uint8Array>): Array<readonly [number, Uint8Array]> {
  return [...votes.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * A view-change message for (height, view): signed by a validator, and its prepared
 * certificate (if any) valid and from an earlier view. The payload is not checked here
 * (it needs the ProposalInspector).
 */
export function verifyViewChange(suite: PbftSuite, validators: ValidatorSet, vc: ViewChangeMsg): Check {
  if (vc.signer >= validators.size) return fail(`view change from unknown validator ${vc.signer}`);
  if (
    !suite.verify(
      viewChangeDigest(suite, vc.height, vc.view, vc.prepared),
      vc.signature,
      validators.publicKeys[vc.signer],
    )
  ) {
    return fail(`view change signature of validator ${vc.signer} is invalid`);
  }
  if (vc.prepared) {
    if (vc.prepared.view >= vc.view)
      return fail(`view change to ${vc.view} carries a prepared certificate from view ${vc.prepared.view}`);
    const c = verifyPreparedCertificate(suite, validators, vc.height, vc.prepared);
    if (!c.ok) return c;
  }
  return OK;
}

/** What a valid new-view proof obliges the new leader to propose. */
export type Justification =
  | { readonly ok: true; readonly highest: { readonly view: number; readonly hash: Uint8Array } | null }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks the proof carried by a pre-prepare for view > 0: view changes for exactly
 * (height, view) from a quorum of distinct validators, each valid. Returns the highest
 * prepared (view, hash) among them, which the proposal must re-propose; two different
 * hashes prepared in the same view cannot both have quorums unless more than f
 * validators are faulty, so such a proof is rejected.
 */
export function justifyNewView(
  suite: PbftSuite,
  validators: ValidatorSet,
  height: number,
  view: number,
  viewChanges: readonly ViewChangeMsg[],
): Justification {
  const seen = new Set<number>();
  let highest: { view: number; hash: Uint8Array } | null = null;
  for (const vc of viewChanges) {
    if (vc.height !== height || vc.view !== view)
      return { ok: false, reason: `proof holds a view change for (${vc.height}, ${vc.view})` };
    if (seen.has(vc.signer)) return { ok: false, reason: `proof repeats validator ${vc.signer}` };
    seen.add(vc.signer);
    const c = verifyViewChange(suite, validators, vc);
    if (!c.ok) return c;
    const p = vc.prepared;
    if (!p) continue;
    if (highest === null || p.view > highest.view) highest = { view: p.view, hash: p.hash };
    else if (p.view === highest.view && !equalBytes(p.hash, highest.hash)) {
      return { ok: false, reason: `proof holds two different prepared hashes for view ${p.view}` };
    }
  }
  if (seen.size < validators.quorum)
    return { ok: false, reason: `proof has ${seen.size} view changes, ${validators.quorum} needed` };
  return { ok: true, highest };
}
