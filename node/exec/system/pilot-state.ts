import { decodeCanonical, encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { concatBytes, hexKey, toHex, utf8 } from '../../codec/hex.js';
import { PILOT_BOUNDS } from '../../config/defaults.js';
import { keyIdOf } from '../../crypto/envelope.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';
import { accountsReader, type Decision, type Regulator, readRegulators } from './permissions-state.js';

// One definition, in the crypto layer below: the registry, the pool and the sealer must name keys alike.
export { isSupervisionPublicKey, keyIdOf } from '../../crypto/envelope.js';

/**
 * Pilots and supervision keys in the storage of the PilotRegistry system contract
 * (0x…1006), in canonical form (design decisions 1-5): the pilot count, one record per
 * pilot, the pilot of each registered contract, each regulator's supervision key history
 * and each pilot's volume per day. The readers take a whole state, because a pilot's
 * supervising regulators live in AccountManager's storage: the contract passes a
 * gas-charging view of its frame's state, the executor, the pool, the RPC and the
 * regulator node pass the state itself, so every one of them decides with the same code.
 */

export const PilotStatus = { Registered: 0, Suspended: 1, Exited: 2 } as const;
export type PilotStatusCode = (typeof PilotStatus)[keyof typeof PilotStatus];
export const PILOT_STATUS_NAMES = ['registered', 'suspended', 'exited'] as const;

/** Which limits fail a transaction (hard) rather than only raise a regulator's alert (soft). */
export const HardLimit = { PerTxCap: 1, DailyCap: 2, Participants: 4 } as const;

export interface PilotLimits {
  /** Largest value of one Transfer event; 0 = no cap. */
  readonly perTxCap: bigint;
  /** Largest sum of the Transfer values of one day (block time); 0 = no cap. */
  readonly dailyCap: bigint;
  /** HardLimit bits. */
  readonly hard: number;
}

/** What a RegisterPilot or UpdatePilot proposal says about a pilot. */
export interface PilotSpec {
  readonly name: string;
  readonly institutions: readonly Uint8Array[];
  readonly contracts: readonly Uint8Array[];
  readonly jurisdictions: readonly string[];
  /** The period `[startMs, endMs)` in block time. */
  readonly startMs: number;
  readonly endMs: number;
  readonly limits: PilotLimits;
}

export interface Pilot extends PilotSpec {
  readonly id: number;
  readonly status: PilotStatusCode;
  /** Why it was suspended or exited; empty while registered. */
  readonly reason: string;
  readonly registeredAt: number;
  /** The last change of the pilot (its registration, an update, a suspension, a resumption, its exit). */
  readonly changed: Decision;
}

export interface SupervisionKey {
  /** The first block whose records must be wrapped for this key. */
  readonly fromBlock: number;
  readonly publicKey: Uint8Array;
}

export interface KeyInForce {
  readonly regulator: Uint8Array;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
}

const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};

// Prefixes encoded once: a pilot contract's call reads these keys several times.
const PILOT = utf8('pilot/');
const CONTRACT = utf8('contract/');
const KEYS = utf8('keys/');
const VOLUME = utf8('volume/');

export const PilotKey = {
  count: utf8('count'),
  pilot: (id: number) => concatBytes(PILOT, u64(id)),
  /** The prefix of every pilot record's key. */
  pilots: PILOT,
  contract: (address: Uint8Array) => concatBytes(CONTRACT, address),
  keys: (regulator: Uint8Array) => concatBytes(KEYS, regulator),
  volume: (id: number, day: number) => concatBytes(VOLUME, u64(id), u64(day)),
} as const;

/** The 32-byte big-endian form of a uint256 (canonical values have no big integers). */
export function u256Bytes(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}
export const u256Of = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));

type PilotTuple = [
  string,
  Uint8Array[],
  Uint8Array[],
  string[],
  number,
  number,
  Uint8Array,
  Uint8Array,
  number,
  PilotStatusCode,
  string,
  number,
  Uint8Array,
  number,
  number,
  Uint8Array,
];

export function encodePilot(p: Pilot): Uint8Array {
  const t: PilotTuple = [
    p.name,
    [...p.institutions],
    [...p.contracts],
    [...p.jurisdictions],
    p.startMs,
    p.endMs,
    u256Bytes(p.limits.perTxCap),
    u256Bytes(p.limits.dailyCap),
    p.limits.hard,
    p.status,
    p.reason,
    p.registeredAt,
    p.changed.setBy,
    p.changed.block,
    p.changed.proposalId,
    p.changed.txHash,
  ];
  return encodeCanonical(t);
}

function decodePilot(id: number, raw: Uint8Array): Pilot {
  const [name, institutions, contracts, jurisdictions, startMs, endMs, perTx, daily, hard, status, reason, at, ...d] =
    decodeCanonical(raw) as PilotTuple;
  return {
    id,
    name,
    institutions,
    contracts,
    jurisdictions,
    startMs,
    endMs,
    limits: { perTxCap: u256Of(perTx), dailyCap: u256Of(daily), hard },
    status,
    reason,
    registeredAt: at,
    changed: { setBy: d[0], block: d[1], proposalId: d[2], txHash: d[3] },
  };
}

/** Reads PilotRegistry's storage (relative keys) out of a state. */
const registry = (state: StateReader) => (key: Uint8Array) => state.get(storageKey(SystemAddress.PilotRegistry, key));

export function readPilotCount(state: StateReader): number {
  const raw = registry(state)(PilotKey.count);
  return raw ? (decodeCanonical(raw) as number) : 0;
}

export function readPilot(state: StateReader, id: number): Pilot | null {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const raw = registry(state)(PilotKey.pilot(id));
  return raw ? decodePilot(id, raw) : null;
}

/** The id of the pilot `address` belongs to, or null. */
export function pilotOfContract(state: StateReader, address: Uint8Array): number | null {
  const raw = registry(state)(PilotKey.contract(address));
  return raw ? (decodeCanonical(raw) as number) : null;
}

/** The genesis regulators whose jurisdiction is one of the pilot's (decision 2), in genesis order. */
export function supervisingRegulators(state: StateReader, pilot: number | Pilot): Regulator[] {
  const p = typeof pilot === 'number' ? readPilot(state, pilot) : pilot;
  if (!p) return [];
  return regulatorsOfJurisdictions(state, p.jurisdictions);
}

export function regulatorsOfJurisdictions(state: StateReader, jurisdictions: readonly string[]): Regulator[] {
  return readRegulators(accountsReader(state)).filter((r) => jurisdictions.includes(r.jurisdiction));
}

/** A regulator's supervision keys, oldest first. */
export function readKeyHistory(state: StateReader, regulator: Uint8Array): SupervisionKey[] {
  const raw = registry(state)(PilotKey.keys(regulator));
  if (!raw) return [];
  return (decodeCanonical(raw) as Array<[number, Uint8Array]>).map(([fromBlock, publicKey]) => ({
    fromBlock,
    publicKey,
  }));
}

export function encodeKeyHistory(keys: readonly SupervisionKey[]): Uint8Array {
  return encodeCanonical(keys.map((k) => [k.fromBlock, k.publicKey]));
}

/** The key records of block `blockNumber` must be wrapped for, or null if the regulator had none then. */
export function supervisionKeyAt(state: StateReader, regulator: Uint8Array, blockNumber: number): Uint8Array | null {
  let found: Uint8Array | null = null;
  for (const k of readKeyHistory(state, regulator)) if (k.fromBlock <= blockNumber) found = k.publicKey;
  return found;
}

/**
 * The keys a record of pilot `pilotId` in block `blockNumber` must be wrapped for: one per
 * supervising regulator that has a key then. A supervising regulator without a key yet
 * cannot be wrapped for (getPilot shows it with no key id); its node sees nothing until
 * a SetSupervisionKey proposal gives it one.
 */
export function supervisionKeysInForce(state: StateReader, pilotId: number, blockNumber: number): KeyInForce[] {
  const out: KeyInForce[] = [];
  for (const r of supervisingRegulators(state, pilotId)) {
    const publicKey = supervisionKeyAt(state, r.account, blockNumber);
    if (publicKey) out.push({ regulator: r.account, keyId: keyIdOf(publicKey), publicKey });
  }
  return out;
}

/** Genesis supervision keys (in force from block 0); none written when genesis names none. */
export function supervisionKeyGenesisEntries(
  regulators: ReadonlyArray<{ account: Uint8Array; supervisionKey?: Uint8Array }>,
): Array<[Uint8Array, Uint8Array]> {
  return regulators.flatMap((r) =>
    r.supervisionKey
      ? [
          [
            storageKey(SystemAddress.PilotRegistry, PilotKey.keys(r.account)),
            encodeKeyHistory([{ fromBlock: 0, publicKey: r.supervisionKey }]),
          ] as [Uint8Array, Uint8Array],
        ]
      : [],
  );
}

/** The day a block timestamp falls in, for daily volumes: floor(timestamp / 86_400_000). */
export function dayOf(timestampMs: number): number {
  return Number(BigInt(timestampMs) / 86_400_000n);
}

export function readDailyVolume(state: StateReader, pilotId: number, day: number): bigint {
  const raw = registry(state)(PilotKey.volume(pilotId, day));
  return raw ? u256Of(raw) : 0n;
}

/** Why pilot `p` is not active at block time `timestampMs` (decision 1), or null. */
export function pilotInactivity(p: Pilot, timestampMs: number): string | null {
  if (p.status === PilotStatus.Suspended) return `pilot ${p.id} is suspended: ${p.reason}`;
  if (p.status === PilotStatus.Exited) return `pilot ${p.id} has exited: ${p.reason}`;
  if (timestampMs < p.startMs || timestampMs >= p.endMs)
    return `pilot ${p.id} is outside its period [${p.startMs}, ${p.endMs}) at block time ${timestampMs}`;
  return null;
}

/** Why a call into `address` is refused now because its pilot is not active, or null (not a pilot's contract, or active). */
export function pilotContractRefusal(state: StateReader, address: Uint8Array, timestampMs: number): string | null {
  const id = pilotOfContract(state, address);
  if (id === null) return null;
  const p = readPilot(state, id);
  return p ? pilotInactivity(p, timestampMs) : null;
}

/**
 * Why `sender` may not act in pilot `pilotId` at block time `timestampMs` (a private record,
 * decision 7): the pilot does not exist, is not active, or `sender` is not one of its
 * institutions. Null when it may.
 */
export function pilotActivityProblem(
  state: StateReader,
  pilotId: number,
  sender: Uint8Array,
  timestampMs: number,
): string | null {
  const p = readPilot(state, pilotId);
  if (!p) return `pilot ${pilotId} does not exist`;
  const inactive = pilotInactivity(p, timestampMs);
  if (inactive) return inactive;
  if (!p.institutions.some((i) => equalBytes(i, sender)))
    return `sender ${toHex(sender)} is not an institution of pilot ${pilotId}`;
  return null;
}

/** The accounts a pilot's Transfer events may name (decision 1): its institutions, its contracts, the zero address. */
export function isAllowedParticipant(p: Pick<PilotSpec, 'institutions' | 'contracts'>, account: Uint8Array): boolean {
  return (
    account.every((b) => b === 0) ||
    p.institutions.some((i) => equalBytes(i, account)) ||
    p.contracts.some((c) => equalBytes(c, account))
  );
}

const SYSTEM_ADDRESS_KEYS = new Set(Object.values(SystemAddress).map(hexKey));

/** Checks a pilot spec without state (also run when a proposal is decoded and by the CLI); throws a message naming the field. */
export function checkPilotSpec(s: PilotSpec): void {
  const nameBytes = utf8(s.name).length;
  if (nameBytes < 1 || nameBytes > PILOT_BOUNDS.maxNameBytes)
    throw new Error(`name must be 1..${PILOT_BOUNDS.maxNameBytes} bytes, got ${nameBytes}`);
  checkList('institutions', s.institutions, 1, PILOT_BOUNDS.maxInstitutions);
  checkList('contracts', s.contracts, 0, PILOT_BOUNDS.maxContracts);
  for (const c of s.contracts)
    if (SYSTEM_ADDRESS_KEYS.has(hexKey(c))) throw new Error(`contracts: ${toHex(c)} is a system contract`);
  if (s.jurisdictions.length < 1 || s.jurisdictions.length > PILOT_BOUNDS.maxJurisdictions)
    throw new Error(`jurisdictions must list 1..${PILOT_BOUNDS.maxJurisdictions} codes, got ${s.jurisdictions.length}`);
  for (const j of s.jurisdictions) {
    const n = utf8(j).length;
    if (n < 1 || n > PILOT_BOUNDS.maxJurisdictionBytes)
      throw new Error(`jurisdictions: each code is 1..${PILOT_BOUNDS.maxJurisdictionBytes} bytes, got ${n}`);
    // The ABI form joins the codes with commas.
    if (j.includes(',')) throw new Error(`jurisdictions: '${j}' contains a comma`);
  }
  if (new Set(s.jurisdictions).size !== s.jurisdictions.length)
    throw new Error('jurisdictions: a code appears more than once');
  if (!Number.isSafeInteger(s.startMs) || !Number.isSafeInteger(s.endMs) || s.startMs < 0 || s.endMs <= s.startMs)
    throw new Error(`period must be [startMs, endMs) with 0 <= startMs < endMs, got [${s.startMs}, ${s.endMs})`);
  if (
    s.limits.perTxCap < 0n ||
    s.limits.dailyCap < 0n ||
    s.limits.perTxCap >= 1n << 256n ||
    s.limits.dailyCap >= 1n << 256n
  )
    throw new Error('limits: caps are uint256 values');
  if (!Number.isInteger(s.limits.hard) || s.limits.hard < 0 || s.limits.hard > 7)
    throw new Error(
      `limits.hard must be a bit set of 1 (perTxCap), 2 (dailyCap), 4 (participants), got ${s.limits.hard}`,
    );
}

function checkList(field: string, items: readonly Uint8Array[], min: number, max: number): void {
  if (items.length < min || items.length > max)
    throw new Error(`${field} must list ${min}..${max} addresses, got ${items.length}`);
  for (const a of items) if (a.length !== 20) throw new Error(`${field}: ${toHex(a)} is not a 20-byte address`);
  if (new Set(items.map(hexKey)).size !== items.length) throw new Error(`${field}: an address appears more than once`);
}
