import { describe, expect, it } from 'vitest';
import { ReceiptStatus } from '../codec/block.js';
import { encodeCanonical } from '../codec/canonical.js';
import { toHex } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { StateOverlay, type StateReader } from '../state/overlay.js';
import { governedState, runAs, withRegulators } from '../../test/helpers/committee.js';
import { codeKey, storageKey, SystemAddress } from './addresses.js';
import { type ContractVm, Executor } from './executor.js';
import { ContractStatus, contractAuthContract, encodeStatus, PermissionKey } from './system/index.js';
import { type Contract, RevertError } from './types.js';

const suite = createEcdsaSuite();
const addr = () => suite.generateKeyPair().address;
const [m1, regulator, alice, bob] = [addr(), addr(), addr(), addr()];
const REASON = 'case 7';

/**
 * Contracts by what their code says: `echo` returns its input; `freezer` writes a Frozen
 * status for the contract named in its input straight into ContractAuth's storage, then
 * calls that contract and returns 1 if the call was refused (as a contract could, through
 * a system contract it may call); with a 21st input byte 0xff it reverts after the write.
 */
let resolveAny: (state: StateReader, address: Uint8Array) => Contract | null = () => null;
const echo: Contract = { call: (frame) => frame.input };
const freezer: Contract = {
  call(frame) {
    const target = frame.input.subarray(0, 20);
    const frozen = { status: ContractStatus.Frozen, reason: REASON, setBy: frame.self, block: 1, proposalId: 0 };
    frame.state.set(
      storageKey(SystemAddress.ContractAuth, PermissionKey.contract(target)),
      encodeStatus({ ...frozen, txHash: new Uint8Array(32) }),
    );
    if (frame.input[20] === 0xff) throw new RevertError('reverted after the write');
    try {
      resolveAny(frame.state, target)!.call({ ...frame, state: frame.state.child(), sender: frame.self, self: target });
      return Uint8Array.of(0);
    } catch (e) {
      if (e instanceof RevertError && /is frozen/.test(e.message)) return Uint8Array.of(1);
      throw e;
    }
  },
};
const FREEZER_CODE = Uint8Array.of(0xf1);
const vm: ContractVm = {
  deploy: (frame, input, address) => frame.state.set(codeKey(address), encodeCanonical([input])),
  resolve(state, address) {
    const code = state.get(codeKey(address));
    if (!code) return null;
    return code[code.length - 1] === FREEZER_CODE[0] ? freezer : echo;
  },
  bindResolver: (r) => {
    resolveAny = r;
  },
};
const ex = new Executor(vm);

/**
 * A block's overlay over a committed state that has a regulator and two deployed contracts:
 * a fresh overlay with no writes yet, as a node executes every block.
 */
function block(): { s: StateOverlay; target: Uint8Array; proxy: Uint8Array } {
  const genesis = withRegulators(governedState([{ address: m1, weight: 1 }]), [
    { account: regulator, name: 'PBOC', jurisdiction: 'CN' },
  ]);
  const target = runAs(genesis, 1, alice, null, '0x00', ex).contractAddress!;
  const proxy = runAs(genesis, 1, alice, null, toHex(FREEZER_CODE), ex).contractAddress!;
  const committed: StateReader = { get: (k) => genesis.get(k) };
  return { s: new StateOverlay(committed), target, proxy };
}

const callOf = (s: StateOverlay, from: Uint8Array, to: Uint8Array, data = '0x11223344') =>
  runAs(s, 2, from, to, data, ex);
const freeze = (s: StateOverlay, c: Uint8Array) =>
  runAs(
    s,
    2,
    regulator,
    SystemAddress.ContractAuth,
    contractAuthContract.iface.encodeFunctionData('freezeContract', [toHex(c), REASON]),
    ex,
  );

describe('ContractGuards: checks remembered within a block', () => {
  it('a contract frozen by an earlier transaction of the block is refused to the later ones', () => {
    const { s, target } = block();
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
    expect(freeze(s, target).status).toBe(ReceiptStatus.Success);
    const r = callOf(s, bob, target);
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/^ContractAuth: contract .* is frozen/);
  });

  it('a write earlier in the same transaction decides a later call of it', () => {
    const { s, target, proxy } = block();
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
    const r = callOf(s, bob, proxy, toHex(target));
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect([...r.output]).toEqual([1]);
    // The transaction succeeded, so the freeze holds for the rest of the block.
    expect(callOf(s, bob, target).message).toMatch(/is frozen/);
  });

  it("a failed transaction's writes do not count: the contract stays callable", () => {
    const { s, target, proxy } = block();
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
    // The transaction reverts after the write, so its overlay is dropped.
    const failing = callOf(s, bob, proxy, `${toHex(target)}ff`);
    expect(failing.message).toMatch(/reverted after the write/);
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
  });

  it('a method ACL set by an earlier transaction of the block applies to the later ones', () => {
    const { s, target } = block();
    expect(callOf(s, bob, target).status).toBe(ReceiptStatus.Success);
    const acl = runAs(
      s,
      2,
      alice,
      SystemAddress.ContractAuth,
      contractAuthContract.iface.encodeFunctionData('setMethodAcl', [toHex(target), '0x11223344', 2, toHex(bob)]),
      ex,
    );
    expect(acl.status, acl.message).toBe(ReceiptStatus.Success);
    expect(callOf(s, bob, target).message).toMatch(/is on the deny-list of method 0x11223344/);
    expect(callOf(s, bob, target, '0x55667788').status).toBe(ReceiptStatus.Success);
  });
});
