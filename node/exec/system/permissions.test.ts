import { describe, expect, it } from 'vitest';
import { ReceiptStatus } from '../../codec/block.js';
import { encodeCanonical } from '../../codec/canonical.js';
import { toHex } from '../../codec/hex.js';
import { PERMISSION_BOUNDS } from '../../config/defaults.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import type { StateOverlay, StateReader } from '../../state/overlay.js';
import { governedState, propose, proposedId, runAs, vote, withRegulators } from '../../../test/helpers/committee.js';
import { codeKey, storageKey, SystemAddress } from '../addresses.js';
import { type ContractVm, Executor } from '../executor.js';
import type { Contract } from '../types.js';
import {
  AccountStatus,
  AclMode,
  accountManagerContract,
  accountsReader,
  ContractStatus,
  contractAuthContract,
  contractAuthReader,
  DeployPolicy,
  decodeProposal,
  encodeIndex,
  PermissionKey,
  encodeProposal,
  type ProposalAction,
  ProposalKind,
  readAccountStatus,
  readContractStatus,
  readPermissions,
} from './index.js';

const suite = createEcdsaSuite();
const addr = () => suite.generateKeyPair().address;
const [m1, m2, m3, regulator, alice, bob] = [addr(), addr(), addr(), addr(), addr(), addr()];
const REASON = 'suspected fraud, case 42';

/** A VM whose contracts echo their input: deploy stores a code entry, resolve finds it. */
const echo: Contract = { call: (frame) => frame.input };
const vm: ContractVm = {
  deploy: (frame, _input, address) => frame.state.set(codeKey(address), encodeCanonical([new Uint8Array(32)])),
  resolve: (state: StateReader, address) => (state.get(codeKey(address)) ? echo : null),
  bindResolver: () => {},
};
const ex = new Executor(vm);

const am = accountManagerContract.iface;
const ca = contractAuthContract.iface;

/** A chain state with a committee of m1 alone (decides at once) or m1 + m2, and one regulator. */
function state(members = [m1]): StateOverlay {
  return withRegulators(governedState(members.map((address) => ({ address, weight: 1 }))), [
    { account: regulator, name: 'PBOC', jurisdiction: 'CN' },
  ]);
}
const run = (s: StateOverlay, h: number, from: Uint8Array, to: Uint8Array | null, data: string) =>
  runAs(s, h, from, to, data, ex);
const govern = (s: StateOverlay, h: number, action: ProposalAction, from = m1) => propose(s, h, from, action, ex);
const freezeAccount = (s: StateOverlay, h: number, from: Uint8Array, who: Uint8Array, reason = REASON) =>
  run(s, h, from, SystemAddress.AccountManager, am.encodeFunctionData('freezeAccount', [toHex(who), reason]));
const statusOf = (s: StateOverlay, who: Uint8Array) => readAccountStatus(accountsReader(s), who);
const ping = (s: StateOverlay, h: number, from: Uint8Array) => run(s, h, from, SystemAddress.KVStore, '0x00000000');

function deploy(
  s: StateOverlay,
  h: number,
  from: Uint8Array,
): { status: number; message: string; address: Uint8Array | null } {
  const r = run(s, h, from, null, '0x0061736d');
  return { status: r.status, message: r.message, address: r.contractAddress };
}

describe('AccountManager: freeze, unfreeze, abolish', () => {
  it('a regulator freezes an account at once; its transactions then fail naming the reason', () => {
    const s = state();
    const r = freezeAccount(s, 2, regulator, alice);
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(am.parseLog({ topics: r.logs[0].topics.map(toHex), data: toHex(r.logs[0].data) })?.name).toBe(
      'AccountStatusChanged',
    );
    expect(statusOf(s, alice)).toMatchObject({ status: AccountStatus.Frozen, block: 2, proposalId: 0, reason: REASON });
    expect(toHex(statusOf(s, alice)!.setBy)).toBe(toHex(regulator));
    const refused = ping(s, 3, alice);
    expect(refused.status).toBe(ReceiptStatus.Reverted);
    expect(refused.message).toBe(
      `AccountManager: account ${toHex(alice)} is frozen (since block 2, set by ${toHex(regulator)}): ${REASON}`,
    );
    // Others are unaffected.
    expect(ping(s, 3, bob).message).not.toMatch(/frozen/);
  });

  it('only a regulator freezes directly; members, regulators and a second freeze are refused', () => {
    const s = state();
    expect(freezeAccount(s, 2, bob, alice).message).toMatch(
      /is not a regulator; freezing an account needs a committee proposal/,
    );
    expect(freezeAccount(s, 2, regulator, m1).message).toMatch(/is a committee member; remove it from the committee/);
    expect(freezeAccount(s, 2, regulator, regulator).message).toMatch(/regulators cannot be frozen or abolished/);
    expect(freezeAccount(s, 2, regulator, alice, '').message).toMatch(/a reason is required/);
    expect(freezeAccount(s, 2, regulator, alice, 'x'.repeat(PERMISSION_BOUNDS.maxReasonBytes + 1)).message).toMatch(
      /reason is 257 bytes/,
    );
    expect(freezeAccount(s, 2, regulator, alice).status).toBe(ReceiptStatus.Success);
    expect(freezeAccount(s, 3, regulator, alice).message).toMatch(/is already frozen/);
    // A regulator cannot lift a freeze: there is no such method.
    expect(accountManagerContract.iface.getFunction('unfreezeAccount')).toBeNull();
  });

  it('the committee unfreezes by proposal, recording the proposal; the account then sends again', () => {
    const s = state();
    freezeAccount(s, 2, regulator, alice);
    const r = govern(s, 3, { kind: 'unfreezeAccount', account: alice, reason: 'cleared by audit' });
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(statusOf(s, alice)).toMatchObject({
      status: AccountStatus.Normal,
      block: 3,
      proposalId: proposedId(r),
      reason: 'cleared by audit',
    });
    expect(toHex(statusOf(s, alice)!.setBy)).toBe(toHex(SystemAddress.Committee));
    expect(ping(s, 4, alice).message).not.toMatch(/frozen/);
    expect(govern(s, 5, { kind: 'unfreezeAccount', account: alice, reason: 'again' }).message).toMatch(/is not frozen/);
  });

  it('the committee freezes by proposal; it takes effect only when the proposal executes', () => {
    const s = state([m1, m2, m3]);
    const r = govern(s, 2, { kind: 'freezeAccount', account: alice, reason: REASON });
    expect(statusOf(s, alice)).toBeNull();
    const v = vote(s, 3, m2, proposedId(r), true);
    expect(v.status, v.message).toBe(ReceiptStatus.Success);
    expect(statusOf(s, alice)).toMatchObject({ status: AccountStatus.Frozen, block: 3, proposalId: proposedId(r) });
  });

  it('abolished is final: no freeze, unfreeze or second abolish is accepted', () => {
    const s = state();
    expect(govern(s, 2, { kind: 'abolishAccount', account: alice, reason: 'closed' }).status).toBe(
      ReceiptStatus.Success,
    );
    expect(ping(s, 3, alice).message).toMatch(/is abolished \(since block 2, proposal 1\): closed/);
    for (const kind of ['unfreezeAccount', 'freezeAccount', 'abolishAccount'] as const)
      expect(govern(s, 3, { kind, account: alice, reason: 'r' }).message).toMatch(/is abolished, which is final/);
    expect(freezeAccount(s, 3, regulator, alice).message).toMatch(/is abolished, which is final/);
  });

  it('a proposal that could not apply now is refused when proposed', () => {
    const s = state([m1, m2]);
    expect(govern(s, 2, { kind: 'unfreezeAccount', account: alice, reason: 'r' }).message).toBe(
      `AccountManager: account ${toHex(alice)} is not frozen`,
    );
    expect(govern(s, 2, { kind: 'freezeAccount', account: m2, reason: 'r' }).message).toMatch(/is a committee member/);
  });
});

describe('ContractAuth: deploy policy', () => {
  it('an allow-list refuses deploys from outside it, with the reason; allowing and disallowing follow', () => {
    const s = state();
    expect(deploy(s, 2, alice).status).toBe(ReceiptStatus.Success);
    const set = govern(s, 3, { kind: 'setDeployPolicy', mode: DeployPolicy.Allowlist });
    expect(set.status, set.message).toBe(ReceiptStatus.Success);
    const refused = deploy(s, 4, alice);
    expect(refused.status).toBe(ReceiptStatus.DeployFailed);
    expect(refused.message).toBe(
      `ContractAuth: account ${toHex(alice)} is not on the deployer allow-list (deploy policy allowlist since block 3, proposal 1)`,
    );
    expect(govern(s, 5, { kind: 'allowDeployer', account: alice }).status).toBe(ReceiptStatus.Success);
    expect(deploy(s, 6, alice).status).toBe(ReceiptStatus.Success);
    expect(govern(s, 7, { kind: 'allowDeployer', account: alice }).message).toMatch(
      /already on the deployer allow-list/,
    );
    expect(govern(s, 7, { kind: 'disallowDeployer', account: alice }).status).toBe(ReceiptStatus.Success);
    expect(deploy(s, 8, alice).status).toBe(ReceiptStatus.DeployFailed);
    expect(govern(s, 9, { kind: 'disallowDeployer', account: alice }).message).toMatch(
      /is not on the deployer allow-list/,
    );
    expect(govern(s, 9, { kind: 'setDeployPolicy', mode: DeployPolicy.Allowlist }).message).toMatch(
      /already allowlist/,
    );
    expect(govern(s, 9, { kind: 'setDeployPolicy', mode: DeployPolicy.Open }).status).toBe(ReceiptStatus.Success);
    expect(deploy(s, 10, alice).status).toBe(ReceiptStatus.Success);
  });
});

describe('ContractAuth: contract status and method ACLs', () => {
  function withContract() {
    const s = state();
    const d = deploy(s, 2, alice);
    expect(d.status, d.message).toBe(ReceiptStatus.Success);
    return { s, c: d.address! };
  }
  const callC = (s: StateOverlay, h: number, from: Uint8Array, c: Uint8Array, sel = '0x11223344') =>
    run(s, h, from, c, sel);

  it('a regulator freezes a contract: transactions and read-only calls revert; the committee unfreezes it', () => {
    const { s, c } = withContract();
    const r = run(
      s,
      3,
      regulator,
      SystemAddress.ContractAuth,
      ca.encodeFunctionData('freezeContract', [toHex(c), REASON]),
    );
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(readContractStatus(contractAuthReader(s), c)).toMatchObject({ status: ContractStatus.Frozen, block: 3 });
    const refused = callC(s, 4, bob, c);
    expect(refused.status).toBe(ReceiptStatus.Reverted);
    expect(refused.message).toBe(
      `ContractAuth: contract ${toHex(c)} is frozen (since block 3, set by ${toHex(regulator)}): ${REASON}`,
    );
    const q = ex.call({ number: 4, timestamp: 0, suite }, s, bob, c, Uint8Array.of(1, 2, 3, 4), 1e6);
    expect(q.message).toMatch(/is frozen/);
    expect(govern(s, 5, { kind: 'unfreezeContract', contract: c, reason: 'ok' }).status).toBe(ReceiptStatus.Success);
    expect(callC(s, 6, bob, c).status).toBe(ReceiptStatus.Success);
  });

  it('freezing is refused for system contracts, unknown addresses, non-regulators and twice', () => {
    const { s, c } = withContract();
    const freeze = (from: Uint8Array, target: Uint8Array) =>
      run(s, 3, from, SystemAddress.ContractAuth, ca.encodeFunctionData('freezeContract', [toHex(target), REASON]));
    expect(freeze(regulator, SystemAddress.Committee).message).toMatch(/is a system contract/);
    expect(freeze(regulator, bob).message).toMatch(/no contract at/);
    expect(freeze(alice, c).message).toMatch(/is not a regulator; freezing a contract needs a committee proposal/);
    expect(govern(s, 3, { kind: 'freezeContract', contract: c, reason: 'r' }).status).toBe(ReceiptStatus.Success);
    expect(freeze(regulator, c).message).toMatch(/is already frozen/);
  });

  it("the contract's admin (its deployer) sets a deny-list, an allow-list and clears it", () => {
    const { s, c } = withContract();
    const acl = (from: Uint8Array, mode: number, accounts: Uint8Array[], sel = '0x11223344') =>
      run(
        s,
        3,
        from,
        SystemAddress.ContractAuth,
        ca.encodeFunctionData('setMethodAcl', [toHex(c), sel, mode, toHex(Buffer.concat(accounts))]),
      );
    expect(acl(bob, AclMode.Deny, [bob]).message).toMatch(/is not the admin of/);
    expect(acl(alice, AclMode.Deny, [bob]).status).toBe(ReceiptStatus.Success);
    expect(callC(s, 4, bob, c).message).toBe(
      `ContractAuth: caller ${toHex(bob)} is on the deny-list of method 0x11223344 of contract ${toHex(c)} (ACL since block 3, set by ${toHex(alice)})`,
    );
    expect(callC(s, 4, m1, c).status).toBe(ReceiptStatus.Success);
    // Another selector is not covered.
    expect(callC(s, 4, bob, c, '0x55667788').status).toBe(ReceiptStatus.Success);
    expect(acl(alice, AclMode.Allow, [m1]).status).toBe(ReceiptStatus.Success);
    expect(callC(s, 4, bob, c).message).toMatch(/is not on the allow-list of method 0x11223344/);
    expect(callC(s, 4, m1, c).status).toBe(ReceiptStatus.Success);
    expect(acl(alice, AclMode.Clear, []).status).toBe(ReceiptStatus.Success);
    expect(callC(s, 4, bob, c).status).toBe(ReceiptStatus.Success);
    expect(acl(alice, AclMode.Clear, []).message).toMatch(/has no ACL/);
    expect(acl(alice, AclMode.Deny, []).message).toMatch(/a deny-list needs at least one account/);
    expect(acl(alice, AclMode.Allow, [bob, bob]).message).toMatch(/appears more than once/);
  });

  it('the committee sets a method ACL by proposal; getPermissions data names the proposal', () => {
    const { s, c } = withContract();
    const sel = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
    const r = govern(s, 3, { kind: 'setMethodAcl', contract: c, selector: sel, mode: AclMode.Deny, accounts: [bob] });
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(callC(s, 4, bob, c).message).toMatch(/deny-list .* \(ACL since block 3, proposal 1\)/);
    const p = readPermissions(s, 10);
    expect(p.methodAcls.total).toBe(1);
    expect(p.methodAcls.entries[0]).toMatchObject({ mode: AclMode.Deny, proposalId: 1, block: 3 });
    expect(toHex(p.methodAcls.entries[0].admin!)).toBe(toHex(alice));
    expect(p.regulators.map((x) => x.name)).toEqual(['PBOC']);
  });
});

describe('permission proposal kinds', () => {
  const c = addr();
  const actions: ProposalAction[] = [
    { kind: 'freezeAccount', account: alice, reason: 'a' },
    { kind: 'unfreezeAccount', account: alice, reason: 'b' },
    { kind: 'abolishAccount', account: alice, reason: 'c' },
    { kind: 'setDeployPolicy', mode: DeployPolicy.Allowlist },
    { kind: 'allowDeployer', account: bob },
    { kind: 'disallowDeployer', account: bob },
    { kind: 'freezeContract', contract: c, reason: 'd' },
    { kind: 'unfreezeContract', contract: c, reason: 'e' },
    {
      kind: 'setMethodAcl',
      contract: c,
      selector: Uint8Array.of(1, 2, 3, 4),
      mode: AclMode.Allow,
      accounts: [alice, bob],
    },
  ];

  it('have ids 4..9 and 20..22 and decode to what was encoded', () => {
    expect(actions.map((a) => encodeProposal(a).kind)).toEqual([4, 5, 6, 7, 8, 9, 20, 21, 22]);
    for (const a of actions) {
      const { kind, payload } = encodeProposal(a);
      expect(decodeProposal(kind, payload)).toEqual(a);
    }
  });

  it('refuse a payload that could never execute', () => {
    const bad = (a: ProposalAction) => {
      const { kind, payload } = encodeProposal(a);
      return () => decodeProposal(kind, payload);
    };
    expect(bad({ kind: 'freezeAccount', account: alice, reason: '' })).toThrow(/FreezeAccount.*a reason is required/);
    expect(bad({ kind: 'setDeployPolicy', mode: 7 as 0 })).toThrow(/mode must be 0 \(open\) or 1 \(allowlist\)/);
    expect(
      bad({ kind: 'setMethodAcl', contract: c, selector: Uint8Array.of(1, 2, 3, 4), mode: 3 as 1, accounts: [] }),
    ).toThrow(/ACL mode must be/);
    expect(ProposalKind.SetMethodAcl).toBe(22);
  });
});

describe('lists are capped', () => {
  it('refuses a freeze past maxRestrictedAccounts, naming the cap', () => {
    const s = state();
    // Fill the index directly: as many restricted accounts as allowed.
    const full = Array.from({ length: PERMISSION_BOUNDS.maxRestrictedAccounts }, (_, i) => {
      const a = new Uint8Array(20);
      new DataView(a.buffer).setUint32(16, i + 1);
      return a;
    });
    s.set(storageKey(SystemAddress.AccountManager, PermissionKey.restricted), encodeIndex(full));
    const r = run(
      s,
      2,
      regulator,
      SystemAddress.AccountManager,
      am.encodeFunctionData('freezeAccount', [toHex(alice), 'r']),
    );
    expect(r.message).toMatch(/already holds the most entries allowed \(1000\)/);
  });
});
