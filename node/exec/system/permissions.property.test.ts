import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { governedState, propose, runAs, withRegulators } from '../../../test/helpers/committee.js';
import { ReceiptStatus } from '../../codec/block.js';
import { hexKey, toHex } from '../../codec/hex.js';
import { SystemAddress } from '../addresses.js';
import {
  ACCOUNT_STATUS_NAMES,
  accountsReader,
  PermissionKey,
  readAccountStatus,
  readIndex,
} from './permissions-state.js';
import { accountManagerContract } from './permissions.js';

/**
 * Random sequences of regulator freezes, committee proposals (freeze, unfreeze, abolish)
 * and transactions of the accounts concerned, against a reference model written from the
 * rules alone: a regulator may freeze a normal account that is neither a committee member
 * nor a regulator; anyone else's direct freeze is refused; the committee (one member here,
 * so a proposal executes at once) freezes a normal account, unfreezes a frozen one and
 * abolishes one that is not abolished, with the same exclusions; abolished is final; a
 * refused action changes nothing and uses no proposal id; a frozen or abolished account's
 * transactions fail; each status records its block and its proposal (0: direct).
 */
const member = new Uint8Array(20).fill(0xaa);
const regulator = new Uint8Array(20).fill(0xbb);
const plain = [1, 2, 3].map((i) => new Uint8Array(20).fill(i));
/** Targets: three plain accounts, the member and the regulator. */
const TARGETS = [...plain, member, regulator];

type Status = 'normal' | 'frozen' | 'abolished';
type Op =
  | { op: 'directFreeze'; byRegulator: boolean; target: number }
  | { op: 'propose'; kind: 'freezeAccount' | 'unfreezeAccount' | 'abolishAccount'; target: number }
  | { op: 'send'; from: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('directFreeze' as const), byRegulator: fc.boolean(), target: fc.nat(4) }),
  fc.record({
    op: fc.constant('propose' as const),
    kind: fc.constantFrom('freezeAccount' as const, 'unfreezeAccount' as const, 'abolishAccount' as const),
    target: fc.nat(4),
  }),
  fc.record({ op: fc.constant('send' as const), from: fc.nat(4) }),
);

describe('account statuses against a reference model', () => {
  it('random regulator freezes, proposals and transactions', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const s = withRegulators(governedState([{ address: member, weight: 1 }]), [
          { account: regulator, name: 'R', jurisdiction: 'X' },
        ]);
        const model = TARGETS.map(() => ({ status: 'normal' as Status, block: 0, proposalId: 0 }));
        let nextId = 1;
        const protectedTarget = (i: number) => i >= 3;
        ops.forEach((o, step) => {
          const h = step + 1;
          if (o.op === 'send') {
            const r = runAs(s, h, TARGETS[o.from], SystemAddress.KVStore, '0x00000000');
            const st = model[o.from].status;
            if (st === 'normal') expect(r.message).not.toMatch(/AccountManager/);
            else
              expect(r.message).toMatch(
                new RegExp(`AccountManager: account .* is ${st} \\(since block ${model[o.from].block}`),
              );
            return;
          }
          const m = model[o.target];
          if (o.op === 'directFreeze') {
            const sender = o.byRegulator ? regulator : plain[0];
            const r = runAs(
              s,
              h,
              sender,
              SystemAddress.AccountManager,
              accountManagerContract.iface.encodeFunctionData('freezeAccount', [toHex(TARGETS[o.target]), 'r']),
            );
            const senderBlocked = !o.byRegulator && model[0].status !== 'normal';
            const ok = o.byRegulator && !protectedTarget(o.target) && m.status === 'normal' && !senderBlocked;
            expect(r.status === ReceiptStatus.Success, r.message).toBe(ok);
            if (ok) Object.assign(m, { status: 'frozen', block: h, proposalId: 0 });
          } else {
            const r = propose(s, h, member, { kind: o.kind, account: TARGETS[o.target], reason: 'r' });
            const ok =
              o.kind === 'unfreezeAccount'
                ? m.status === 'frozen'
                : !protectedTarget(o.target) &&
                  (o.kind === 'freezeAccount' ? m.status === 'normal' : m.status !== 'abolished');
            expect(r.status === ReceiptStatus.Success, r.message).toBe(ok);
            if (ok) {
              const status = { freezeAccount: 'frozen', unfreezeAccount: 'normal', abolishAccount: 'abolished' }[
                o.kind
              ] as Status;
              Object.assign(m, { status, block: h, proposalId: nextId++ });
            }
          }
          // The whole state agrees with the model after every action.
          const read = accountsReader(s);
          TARGETS.forEach((a, i) => {
            const rec = readAccountStatus(read, a);
            const want = model[i];
            expect(rec ? ACCOUNT_STATUS_NAMES[rec.status] : 'normal').toBe(want.status);
            if (rec) expect([rec.block, rec.proposalId]).toEqual([want.block, want.proposalId]);
          });
          const restricted = readIndex(read, PermissionKey.restricted).map(hexKey).sort();
          expect(restricted).toEqual(
            TARGETS.filter((_, i) => model[i].status !== 'normal')
              .map(hexKey)
              .sort(),
          );
        });
      }),
      { numRuns: 100 },
    );
  });
});
