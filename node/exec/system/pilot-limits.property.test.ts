import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Log } from '../../codec/block.js';
import { encodeCanonical } from '../../codec/canonical.js';
import { concatBytes } from '../../codec/hex.js';
import { StateOverlay } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';
import { pilotLimitFailure, TRANSFER_TOPIC } from './pilot-limits.js';
import {
  dayOf,
  encodePilot,
  HardLimit,
  type Pilot,
  PilotKey,
  PilotStatus,
  readDailyVolume,
  u256Bytes,
} from './pilot-state.js';

/**
 * Random days of transactions, each a few Transfer events of the pilot's contract, against a
 * model written from decision 4 alone: a transfer above a non-zero perTxCap, a day's volume
 * (the sum of the day's successful transfers) above a non-zero dailyCap, or a sender/from/to
 * outside the institutions, the contract and the zero address breaks a limit; a transaction
 * that breaks a hard one fails and adds nothing to the day's volume, one that breaks only soft
 * ones succeeds and counts; days are floor(timestamp / 86_400_000) and start from zero.
 */
const DAY = 86_400_000;
const contract = new Uint8Array(20).fill(0xc0);
const institutions = [1, 2].map((i) => new Uint8Array(20).fill(i));
const outsider = new Uint8Array(20).fill(9);
/** Index 0 = zero address, 1-2 institutions, 3 the contract, 4 an outsider. */
const ACCOUNTS = [new Uint8Array(20), ...institutions, contract, outsider];
const ALLOWED = [true, true, true, true, false];

const transferArb = fc.record({ from: fc.nat(4), to: fc.nat(4), value: fc.bigInt(0n, 120n) });
const txArb = fc.record({
  sender: fc.nat(4),
  transfers: fc.array(transferArb, { minLength: 1, maxLength: 3 }),
  /** Milliseconds into the day, and whether to move on to the next day first. */
  at: fc.nat(DAY - 1),
  nextDay: fc.boolean(),
});

const word = (a: Uint8Array) => concatBytes(new Uint8Array(12), a);
const transferLog = (t: { from: number; to: number; value: bigint }): Log => ({
  address: contract,
  topics: [TRANSFER_TOPIC, word(ACCOUNTS[t.from]), word(ACCOUNTS[t.to])],
  data: u256Bytes(t.value),
});

describe('pilot limits (property)', () => {
  it('fails exactly the transactions that break a hard limit, and counts the volume of the others per day', () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 100n),
        fc.bigInt(0n, 300n),
        fc.nat(7),
        fc.array(txArb, { minLength: 1, maxLength: 25 }),
        (perTxCap, dailyCap, hard, txs) => {
          const pilot: Pilot = {
            id: 1,
            name: 'p',
            institutions,
            contracts: [contract],
            jurisdictions: ['HK'],
            startMs: 0,
            endMs: 1000 * DAY,
            limits: { perTxCap, dailyCap, hard },
            status: PilotStatus.Registered,
            reason: '',
            registeredAt: 1,
            changed: { setBy: SystemAddress.Committee, block: 1, proposalId: 1, txHash: new Uint8Array() },
          };
          const state = new StateOverlay({ get: () => null });
          state.set(storageKey(SystemAddress.PilotRegistry, PilotKey.pilot(1)), encodePilot(pilot));
          state.set(storageKey(SystemAddress.PilotRegistry, PilotKey.contract(contract)), encodeCanonical(1));

          const modelVolume = new Map<number, bigint>();
          let day = 0;
          for (const tx of txs) {
            if (tx.nextDay) day++;
            const timestamp = day * DAY + tx.at;
            const before = modelVolume.get(day) ?? 0n;
            const sum = tx.transfers.reduce((s, t) => s + t.value, 0n);
            const broken = {
              perTx: perTxCap > 0n && tx.transfers.some((t) => t.value > perTxCap),
              daily: dailyCap > 0n && before + sum > dailyCap,
              participants: [tx.sender, ...tx.transfers.flatMap((t) => [t.from, t.to])].some((i) => !ALLOWED[i]),
            };
            const fails =
              (broken.perTx && (hard & HardLimit.PerTxCap) !== 0) ||
              (broken.daily && (hard & HardLimit.DailyCap) !== 0) ||
              (broken.participants && (hard & HardLimit.Participants) !== 0);

            const txState = state.child();
            const failure = pilotLimitFailure(txState, timestamp, ACCOUNTS[tx.sender], tx.transfers.map(transferLog));
            expect(failure !== null).toBe(fails);
            if (failure)
              expect(failure).toMatch(/^PilotRegistry: hard limit: pilot 1 (perTxCap|dailyCap|participants): /);
            else {
              txState.mergeInto(state);
              modelVolume.set(day, before + sum);
            }
            expect(dayOf(timestamp)).toBe(day);
            expect(readDailyVolume(state, 1, day)).toBe(modelVolume.get(day) ?? 0n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
