import { keccak_256 } from '@noble/hashes/sha3.js';
import type { Log } from '../../codec/block.js';
import { equalBytes } from '../../codec/canonical.js';
import { hexKey, toHex, utf8 } from '../../codec/hex.js';
import type { StateOverlay } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';
import {
  dayOf,
  HardLimit,
  isAllowedParticipant,
  type Pilot,
  PilotKey,
  pilotOfContract,
  readDailyVolume,
  readPilot,
  u256Bytes,
} from './pilot-state.js';

/**
 * The risk limits of decision 4, checked after a transaction succeeds: amounts are the
 * values of the ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)`
 * events that a pilot's contracts emitted. A hard limit fails the transaction; a soft one
 * lets it through (the regulator node's rules raise the alert). The day's volume is kept
 * per pilot in PilotRegistry's storage and moves only with a transaction that succeeds.
 */

export const TRANSFER_TOPIC = keccak_256(utf8('Transfer(address,address,uint256)'));

export interface Transfer {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly value: bigint;
}

/** The transfer a log records, or null if it is not an ERC-20 Transfer event (3 topics, a uint256 of data). */
export function transferOf(log: Log): Transfer | null {
  if (!hasTransferShape(log)) return null;
  const address = (topic: Uint8Array) =>
    topic.length === 32 && topic.subarray(0, 12).every((b) => b === 0) ? topic.slice(12) : null;
  const from = address(log.topics[1]);
  const to = address(log.topics[2]);
  if (!from || !to) return null;
  return { from, to, value: BigInt(`0x${hexKey(log.data)}`) };
}

/** Three topics, the first Transfer's, and a 32-byte value: what transferOf then reads. */
function hasTransferShape(log: Log): boolean {
  return log.topics.length === 3 && log.data.length === 32 && equalBytes(log.topics[0], TRANSFER_TOPIC);
}

const MAX_U256 = (1n << 256n) - 1n;

export type LimitName = 'perTxCap' | 'dailyCap' | 'participants';
const HARD_BIT: Record<LimitName, number> = {
  perTxCap: HardLimit.PerTxCap,
  dailyCap: HardLimit.DailyCap,
  participants: HardLimit.Participants,
};

export interface LimitBreach {
  readonly limit: LimitName;
  readonly hard: boolean;
  readonly message: string;
}

/**
 * The limits one transaction's transfers in pilot `p` break, and the day's volume after
 * it (pure: the property test checks it against a model). `sender` is the transaction's
 * sender, which must be a participant as much as every `from` and `to`.
 */
export function pilotLimitBreaches(
  p: Pick<Pilot, 'id' | 'institutions' | 'contracts' | 'limits'>,
  sender: Uint8Array,
  transfers: readonly Transfer[],
  volumeBefore: bigint,
): { breaches: LimitBreach[]; volumeAfter: bigint } {
  const breaches: LimitBreach[] = [];
  const breach = (limit: LimitName, message: string) =>
    breaches.push({
      limit,
      hard: (p.limits.hard & HARD_BIT[limit]) !== 0,
      message: `pilot ${p.id} ${limit}: ${message}`,
    });
  let volumeAfter = volumeBefore;
  for (const t of transfers) volumeAfter += t.value;
  // Kept as a uint256: a volume that large is above any cap anyway.
  if (volumeAfter > MAX_U256) volumeAfter = MAX_U256;
  const { perTxCap, dailyCap } = p.limits;
  let largest = 0n;
  for (const t of transfers) if (t.value > largest) largest = t.value;
  if (perTxCap > 0n && largest > perTxCap)
    breach('perTxCap', `a transfer of ${largest} is above the per-transaction cap of ${perTxCap}`);
  if (dailyCap > 0n && volumeAfter > dailyCap)
    breach('dailyCap', `the day's volume would be ${volumeAfter}, above the daily cap of ${dailyCap}`);
  const outsider = [sender, ...transfers.flatMap((t) => [t.from, t.to])].find((a) => !isAllowedParticipant(p, a));
  if (outsider) breach('participants', `${toHex(outsider)} is not one of its participants`);
  return { breaches, volumeAfter };
}

/**
 * Checks the Transfer events of a successful transaction against the limits of the pilots
 * whose contracts emitted them, in the order the pilots first appear. Returns the first
 * hard breach (the transaction then fails and nothing of it is kept), or null after adding
 * the transfers to each pilot's volume of the day in `state`.
 */
export function pilotLimitFailure(
  state: StateOverlay,
  timestampMs: number,
  sender: Uint8Array,
  logs: readonly Log[],
  pilotOf: (contract: Uint8Array) => number | null = (c) => pilotOfContract(state, c),
): string | null {
  const byPilot = new Map<number, Transfer[]>();
  for (const log of logs) {
    // The pilot first: most transfers are of contracts in no pilot, and reading one costs
    // less than reading the transfer's value.
    if (!hasTransferShape(log)) continue;
    const id = pilotOf(log.address);
    if (id === null) continue;
    const t = transferOf(log);
    if (!t) continue;
    const list = byPilot.get(id) ?? [];
    list.push(t);
    byPilot.set(id, list);
  }
  if (byPilot.size === 0) return null;
  const day = dayOf(timestampMs);
  const volumes: Array<[number, bigint]> = [];
  for (const [id, transfers] of byPilot) {
    const p = readPilot(state, id);
    if (!p) continue;
    const { breaches, volumeAfter } = pilotLimitBreaches(p, sender, transfers, readDailyVolume(state, id, day));
    const hard = breaches.find((b) => b.hard);
    if (hard) return `PilotRegistry: hard limit: ${hard.message}`;
    volumes.push([id, volumeAfter]);
  }
  for (const [id, v] of volumes)
    state.set(storageKey(SystemAddress.PilotRegistry, PilotKey.volume(id, day)), u256Bytes(v));
  return null;
}
