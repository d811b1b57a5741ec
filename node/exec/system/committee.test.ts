import { describe, expect, it } from 'vitest';
import { toHex } from '../../codec/hex.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { StateOverlay } from '../../state/overlay.js';
import { committeeGenesisEntry, isCommitteeMember, readCommittee } from './committee.js';

const suite = createEcdsaSuite();
const empty = () => new StateOverlay({ get: () => null });

describe('committee', () => {
  it('reads back the genesis members, in order, and answers membership', () => {
    const members = [suite.generateKeyPair().address, suite.generateKeyPair().address];
    const s = empty();
    const [k, v] = committeeGenesisEntry(members);
    s.set(k, v);
    expect(readCommittee(s).map(toHex)).toEqual(members.map(toHex));
    expect(isCommitteeMember(s, members[1])).toBe(true);
    expect(isCommitteeMember(s, suite.generateKeyPair().address)).toBe(false);
    expect(isCommitteeMember(s, members[1].subarray(0, 19))).toBe(false);
  });

  it('an empty state has no members', () => {
    expect(readCommittee(empty())).toEqual([]);
    expect(isCommitteeMember(empty(), new Uint8Array(20))).toBe(false);
  });
});
