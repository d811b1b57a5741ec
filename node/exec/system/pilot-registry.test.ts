import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { ReceiptStatus, type Receipt } from '../../codec/block.js';
import { concatBytes, toHex } from '../../codec/hex.js';
import { buildSignedTx } from '../../codec/tx-builder.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import type { StateOverlay } from '../../state/overlay.js';
import { governedState, propose, withRegulators } from '../../../test/helpers/committee.js';
import { TRANSFER_TOKEN_CODE, transferTokenVm } from '../../../test/helpers/vm/transfer-token.js';
import { codeKey, SystemAddress } from '../addresses.js';
import { Executor } from '../executor.js';
import {
  decodeProposal,
  encodeProposal,
  HardLimit,
  keyIdOf,
  PilotStatus,
  type PilotSpec,
  pilotOfContract,
  pilotRegistryContract,
  ProposalKind,
  readDailyVolume,
  readKeyHistory,
  readPilot,
  readPilotCount,
  supervisionKeyAt,
  supervisionKeyGenesisEntries,
} from './index.js';

const suite = createEcdsaSuite();
const signer = suite.generateKeyPair();
const addr = () => suite.generateKeyPair().address;
const [m1, alice, bob, outsider] = [addr(), addr(), addr(), addr()];
const gd = { account: addr(), name: 'GD', jurisdiction: 'CN-GD' };
const hk = { account: addr(), name: 'HK', jurisdiction: 'HK' };
const pub = () => secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
const gdKey = pub();
const DAY = 86_400_000;

const ex = new Executor(transferTokenVm);
const tokenAddress = addr();
const iface = pilotRegistryContract.iface;

function chainState(): StateOverlay {
  const s = withRegulators(governedState([{ address: m1, weight: 1 }]), [gd, hk]);
  for (const [k, v] of supervisionKeyGenesisEntries([{ account: gd.account, supervisionKey: gdKey }])) s.set(k, v);
  s.set(codeKey(tokenAddress), TRANSFER_TOKEN_CODE);
  return s;
}

const spec = (over: Partial<PilotSpec> = {}): PilotSpec => ({
  name: 'receivables',
  institutions: [alice, bob],
  contracts: [tokenAddress],
  jurisdictions: ['CN-GD'],
  startMs: 0,
  endMs: 100 * DAY,
  limits: { perTxCap: 100n, dailyCap: 250n, hard: HardLimit.PerTxCap | HardLimit.DailyCap },
  ...over,
});

function runAt(
  s: StateOverlay,
  height: number,
  timestamp: number,
  sender: Uint8Array,
  to: Uint8Array,
  input: Uint8Array,
): Receipt {
  const { tx } = buildSignedTx(suite, { chainId: 'c', height, to, input, gasLimit: 5_000_000 }, signer.secretKey);
  return ex.runTx({ number: height, timestamp, suite }, s, { tx, sender });
}
const registry = (s: StateOverlay, h: number, from: Uint8Array, fn: string, args: unknown[]) =>
  runAt(s, h, 0, from, SystemAddress.PilotRegistry, Buffer.from(iface.encodeFunctionData(fn, args).slice(2), 'hex'));
const transfer = (
  s: StateOverlay,
  h: number,
  t: number,
  sender: Uint8Array,
  from: Uint8Array,
  to: Uint8Array,
  value: bigint,
) =>
  runAt(s, h, t, sender, tokenAddress, concatBytes(from, to, Buffer.from(value.toString(16).padStart(64, '0'), 'hex')));
const ok = (r: Receipt) => expect(r.status, r.message).toBe(ReceiptStatus.Success);

/** A state with pilot 1 registered by the committee (m1 alone decides at once). */
function withPilot(over: Partial<PilotSpec> = {}): StateOverlay {
  const s = chainState();
  ok(propose(s, 1, m1, { kind: 'registerPilot', spec: spec(over) }, ex));
  return s;
}

/** Every storage write of a receipt that changes nothing: the state's snapshot before and after. */
function unchanged(s: StateOverlay, act: () => Receipt): Receipt {
  const before = JSON.stringify([readPilotCount(s), readPilot(s, 1), readKeyHistory(s, gd.account)], (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
  const r = act();
  expect(r.status).not.toBe(ReceiptStatus.Success);
  expect(r.logs).toEqual([]);
  const after = JSON.stringify([readPilotCount(s), readPilot(s, 1), readKeyHistory(s, gd.account)], (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
  expect(after).toBe(before);
  return r;
}

describe('PilotRegistry: kinds 30-33 executed by the committee', () => {
  it('registers a pilot with id 1, indexes its contracts and emits PilotRegistered', () => {
    const s = chainState();
    const r = propose(s, 1, m1, { kind: 'registerPilot', spec: spec() }, ex);
    ok(r);
    expect(readPilot(s, 1)).toMatchObject({
      id: 1,
      name: 'receivables',
      status: PilotStatus.Registered,
      registeredAt: 1,
    });
    expect(readPilot(s, 1)?.changed).toMatchObject({ setBy: SystemAddress.Committee, proposalId: 1 });
    expect(pilotOfContract(s, tokenAddress)).toBe(1);
    const names = r.logs
      .filter((l) => toHex(l.address) === toHex(SystemAddress.PilotRegistry))
      .map((l) => iface.parseLog({ topics: l.topics.map(toHex), data: toHex(l.data) })?.name);
    expect(names).toEqual(['PilotRegistered']);
  });

  it('round-trips every kind through its ABI payload', () => {
    for (const action of [
      { kind: 'registerPilot', spec: spec() } as const,
      { kind: 'updatePilot', id: 1, spec: spec({ jurisdictions: ['CN-GD', 'HK'] }) } as const,
      { kind: 'exitPilot', id: 1, reason: 'pilot ended' } as const,
      { kind: 'setSupervisionKey', regulator: gd.account, publicKey: pub() } as const,
    ]) {
      const { kind, payload } = encodeProposal(action);
      expect(decodeProposal(kind, payload)).toEqual(action);
    }
    expect(encodeProposal({ kind: 'exitPilot', id: 1, reason: 'x' }).kind).toBe(ProposalKind.ExitPilot);
  });

  it('refuses bad specs when proposed, changing nothing, with the field named', () => {
    const s = chainState();
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'registerPilot', spec: spec({ name: '' }) }, ex)).message,
    ).toMatch(/name must be 1\.\.64 bytes/);
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'registerPilot', spec: spec({ institutions: [] }) }, ex)).message,
    ).toMatch(/institutions must list 1\.\.64/);
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'registerPilot', spec: spec({ startMs: 5, endMs: 5 }) }, ex))
        .message,
    ).toMatch(/period/);
    expect(
      unchanged(s, () =>
        propose(s, 1, m1, { kind: 'registerPilot', spec: spec({ contracts: [SystemAddress.Committee] }) }, ex),
      ).message,
    ).toMatch(/is a system contract/);
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'registerPilot', spec: spec({ jurisdictions: ['MO'] }) }, ex))
        .message,
    ).toMatch(/no genesis regulator has any of the jurisdictions MO/);
    const bad = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff));
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'setSupervisionKey', regulator: gd.account, publicKey: bad }, ex))
        .message,
    ).toMatch(/33-byte compressed secp256k1 point/);
    expect(
      unchanged(s, () => propose(s, 1, m1, { kind: 'setSupervisionKey', regulator: alice, publicKey: pub() }, ex))
        .message,
    ).toMatch(/is not a genesis regulator's account/);
  });

  it('refuses a contract that belongs to another pilot, and an update or exit of an exited pilot', () => {
    const s = withPilot();
    expect(
      unchanged(s, () => propose(s, 2, m1, { kind: 'registerPilot', spec: spec({ name: 'other' }) }, ex)).message,
    ).toMatch(/already belongs to pilot 1/);
    ok(propose(s, 3, m1, { kind: 'exitPilot', id: 1, reason: 'pilot ended' }, ex));
    expect(readPilot(s, 1)).toMatchObject({ status: PilotStatus.Exited, reason: 'pilot ended' });
    expect(unchanged(s, () => propose(s, 4, m1, { kind: 'exitPilot', id: 1, reason: 'again' }, ex)).message).toMatch(
      /already exited/,
    );
    expect(unchanged(s, () => propose(s, 4, m1, { kind: 'updatePilot', id: 1, spec: spec() }, ex)).message).toMatch(
      /exited, which is final/,
    );
  });

  it('updates a whole spec, keeping the status, and re-indexes the contracts', () => {
    const s = withPilot();
    ok(registry(s, 2, gd.account, 'suspendPilot', [1, 'audit']));
    const other = addr();
    ok(propose(s, 3, m1, { kind: 'updatePilot', id: 1, spec: spec({ name: 'renamed', contracts: [other] }) }, ex));
    expect(readPilot(s, 1)).toMatchObject({ name: 'renamed', status: PilotStatus.Suspended, reason: 'audit' });
    expect(pilotOfContract(s, tokenAddress)).toBeNull();
    expect(pilotOfContract(s, other)).toBe(1);
  });

  it('keeps each regulator’s key history; a rotation is in force from the next block', () => {
    const s = chainState();
    const k1 = pub();
    ok(propose(s, 7, m1, { kind: 'setSupervisionKey', regulator: gd.account, publicKey: k1 }, ex));
    expect(readKeyHistory(s, gd.account)).toEqual([
      { fromBlock: 0, publicKey: gdKey },
      { fromBlock: 8, publicKey: k1 },
    ]);
    expect(supervisionKeyAt(s, gd.account, 7)).toEqual(gdKey);
    expect(supervisionKeyAt(s, gd.account, 8)).toEqual(k1);
    expect(
      unchanged(s, () => propose(s, 9, m1, { kind: 'setSupervisionKey', regulator: gd.account, publicKey: k1 }, ex))
        .message,
    ).toMatch(/already the supervision key/);
    const view = registry(s, 9, alice, 'supervisionKey', [toHex(gd.account)]);
    expect(iface.decodeFunctionResult('supervisionKey', view.output)[0]).toBe(toHex(k1));
    expect(toHex(keyIdOf(k1))).toHaveLength(42);
  });
});

describe('PilotRegistry: suspension by a supervising regulator', () => {
  it('a supervising regulator suspends at once and resumes; calls to the pilot contract revert meanwhile', () => {
    const s = withPilot();
    ok(transfer(s, 2, 0, alice, alice, bob, 10n));
    const r = registry(s, 3, gd.account, 'suspendPilot', [1, 'audit of case 7']);
    ok(r);
    expect(
      iface
        .parseLog({ topics: r.logs[0].topics.map(toHex), data: toHex(r.logs[0].data) })
        ?.args.toArray()
        .map((v) => (typeof v === 'string' ? v.toLowerCase() : v)),
    ).toEqual([1n, toHex(gd.account), 'audit of case 7']);
    const refused = transfer(s, 4, 0, alice, alice, bob, 10n);
    expect(refused.status).toBe(ReceiptStatus.Reverted);
    expect(refused.message).toBe('PilotRegistry: pilot 1 is suspended: audit of case 7');
    ok(registry(s, 5, gd.account, 'resumePilot', [1]));
    ok(transfer(s, 6, 0, alice, alice, bob, 10n));
  });

  it('refuses a regulator of another jurisdiction, a non-regulator, and a wrong status, changing nothing', () => {
    const s = withPilot();
    expect(unchanged(s, () => registry(s, 2, hk.account, 'suspendPilot', [1, 'x'])).message).toMatch(
      /regulator 0x[0-9a-f]{40} does not supervise pilot 1 \(jurisdictions CN-GD\)/,
    );
    expect(unchanged(s, () => registry(s, 2, alice, 'suspendPilot', [1, 'x'])).message).toMatch(
      /is not a regulator supervising pilot 1/,
    );
    expect(unchanged(s, () => registry(s, 2, gd.account, 'suspendPilot', [1, ''])).message).toMatch(
      /a reason is required/,
    );
    expect(unchanged(s, () => registry(s, 2, gd.account, 'resumePilot', [1])).message).toMatch(
      /registered, not suspended/,
    );
    expect(unchanged(s, () => registry(s, 2, gd.account, 'suspendPilot', [2, 'x'])).message).toMatch(/no pilot 2/);
    ok(registry(s, 3, gd.account, 'suspendPilot', [1, 'audit']));
    expect(unchanged(s, () => registry(s, 4, hk.account, 'resumePilot', [1])).message).toMatch(/does not supervise/);
  });

  it('reverts calls to a pilot contract outside the period and after exit', () => {
    const s = withPilot({ startMs: DAY, endMs: 2 * DAY });
    expect(transfer(s, 2, DAY - 1, alice, alice, bob, 1n).message).toMatch(/pilot 1 is outside its period/);
    ok(transfer(s, 2, DAY, alice, alice, bob, 1n));
    expect(transfer(s, 2, 2 * DAY, alice, alice, bob, 1n).message).toMatch(/pilot 1 is outside its period/);
    ok(propose(s, 3, m1, { kind: 'exitPilot', id: 1, reason: 'ended' }, ex));
    expect(transfer(s, 4, DAY, alice, alice, bob, 1n).message).toBe('PilotRegistry: pilot 1 has exited: ended');
  });
});

describe('PilotRegistry: limits over Transfer events', () => {
  it('a hard per-tx cap fails the transaction, keeping nothing; the day volume moves only on success', () => {
    const s = withPilot();
    const over = transfer(s, 2, DAY + 5, alice, alice, bob, 101n);
    expect(over.status).toBe(ReceiptStatus.Reverted);
    expect(over.message).toBe(
      'PilotRegistry: hard limit: pilot 1 perTxCap: a transfer of 101 is above the per-transaction cap of 100',
    );
    expect(over.logs).toEqual([]);
    expect(readDailyVolume(s, 1, 1)).toBe(0n);
    ok(transfer(s, 3, DAY + 5, alice, alice, bob, 100n));
    ok(transfer(s, 3, DAY + 6, alice, alice, bob, 100n));
    expect(readDailyVolume(s, 1, 1)).toBe(200n);
    expect(transfer(s, 4, DAY + 7, alice, alice, bob, 60n).message).toMatch(
      /pilot 1 dailyCap: the day's volume would be 260/,
    );
    expect(readDailyVolume(s, 1, 1)).toBe(200n);
    ok(transfer(s, 5, 2 * DAY, alice, alice, bob, 60n));
    expect(readDailyVolume(s, 1, 2)).toBe(60n);
  });

  it('a soft participants limit lets the transaction through; a hard one fails it', () => {
    const soft = withPilot();
    ok(transfer(soft, 2, 0, alice, alice, outsider, 1n));
    const hard = withPilot({ limits: { perTxCap: 0n, dailyCap: 0n, hard: HardLimit.Participants } });
    expect(transfer(hard, 2, 0, alice, alice, outsider, 1n).message).toBe(
      `PilotRegistry: hard limit: pilot 1 participants: ${toHex(outsider)} is not one of its participants`,
    );
    expect(transfer(hard, 2, 0, outsider, alice, bob, 1n).message).toMatch(/is not one of its participants/);
    ok(transfer(hard, 2, 0, alice, new Uint8Array(20), bob, 1n));
  });

  it('payloadPilot and payloadCommitment answer zero without a private record and the record with one', () => {
    const s = withPilot();
    const zero = registry(s, 2, alice, 'payloadCommitment', []);
    expect(iface.decodeFunctionResult('payloadCommitment', zero.output)[0]).toBe(toHex(new Uint8Array(32)));
    const commitment = new Uint8Array(32).fill(7);
    const withRecord = (fn: string) => {
      const { tx } = buildSignedTx(
        suite,
        {
          chainId: 'c',
          height: 2,
          to: SystemAddress.PilotRegistry,
          input: Buffer.from(iface.encodeFunctionData(fn, []).slice(2), 'hex'),
          gasLimit: 1_000_000,
        },
        signer.secretKey,
      );
      const r = ex.runTx({ number: 2, timestamp: 0, suite }, s, {
        tx,
        sender: alice,
        privatePayload: { pilotId: 1, commitment },
      });
      return iface.decodeFunctionResult(fn, r.output)[0];
    };
    expect(withRecord('payloadPilot')).toBe(1n);
    expect(withRecord('payloadCommitment')).toBe(toHex(commitment));
  });
});
