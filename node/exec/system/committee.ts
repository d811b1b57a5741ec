import { decodeCanonical, encodeCanonical } from '../../codec/canonical.js';
import { utf8 } from '../../codec/hex.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';

/**
 * Committee membership: the accounts allowed to change system configuration. Genesis
 * names them; the governance contract (proposals and votes) will manage the list.
 */
const MEMBERS = utf8('members');

export function committeeGenesisEntry(members: readonly Uint8Array[]): [Uint8Array, Uint8Array] {
  return [storageKey(SystemAddress.Committee, MEMBERS), encodeCanonical([...members])];
}

export function readCommittee(state: StateReader): Uint8Array[] {
  const raw = state.get(storageKey(SystemAddress.Committee, MEMBERS));
  return raw ? (decodeCanonical(raw) as Uint8Array[]) : [];
}

export function isCommitteeMember(state: StateReader, address: Uint8Array): boolean {
  return readCommittee(state).some((m) => Buffer.compare(m, address) === 0);
}
