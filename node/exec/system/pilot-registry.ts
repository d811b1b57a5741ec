import type { AbiValue } from '../../abi/codec.js';
import { encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { hexKey, toHex } from '../../codec/hex.js';
import { PILOT_BOUNDS } from '../../config/defaults.js';
import { GasCost } from '../gas.js';
import { SystemAddress } from '../addresses.js';
import { type CallFrame, RevertError } from '../types.js';
import type { StateReader } from '../../state/overlay.js';
import { AbiContract } from './abi-contract.js';
import { accountsReader, type Decision, isRegulator } from './permissions-state.js';
import { checkReason, packAccounts, splitAccounts } from './permissions.js';
import {
  checkPilotSpec,
  encodeKeyHistory,
  encodePilot,
  isSupervisionPublicKey,
  keyIdOf,
  type Pilot,
  PilotKey,
  type PilotSpec,
  PilotStatus,
  PILOT_STATUS_NAMES,
  pilotOfContract,
  readKeyHistory,
  readPilot,
  readPilotCount,
  regulatorsOfJurisdictions,
  supervisionKeyAt,
  supervisingRegulators,
} from './pilot-state.js';
import { ContractStorage } from './storage.js';

/**
 * The PilotRegistry system contract (design decisions 1-5 and 8). Registration, updates,
 * exits and supervision keys change only as the Committee's execution of proposal kinds
 * 30-33 (applyPilotAction); suspension and resumption are a supervising regulator's own
 * transaction, in force at once. State layout and readers: pilot-state.ts.
 */

export type PilotAction =
  | { readonly kind: 'registerPilot'; readonly spec: PilotSpec }
  | { readonly kind: 'updatePilot'; readonly id: number; readonly spec: PilotSpec }
  | { readonly kind: 'exitPilot'; readonly id: number; readonly reason: string }
  | { readonly kind: 'setSupervisionKey'; readonly regulator: Uint8Array; readonly publicKey: Uint8Array };

const PILOT_KINDS: Record<PilotAction['kind'], true> = {
  registerPilot: true,
  updatePilot: true,
  exitPilot: true,
  setSupervisionKey: true,
};

export function isPilotAction(a: { readonly kind: string }): a is PilotAction {
  return Object.hasOwn(PILOT_KINDS, a.kind);
}

/** Who makes a change: the Committee executing proposal `proposalId`, or a regulator directly (proposal 0). */
interface Actor {
  readonly setBy: Uint8Array;
  readonly proposalId: number;
}

/** The ABI form of a pilot spec, flat as the built-in ABI subset is: address lists packed, jurisdictions comma-separated. */
export const PILOT_SPEC_TYPES = [
  'string',
  'bytes',
  'bytes',
  'string',
  'uint64',
  'uint64',
  'uint256',
  'uint256',
  'uint8',
];
export const PILOT_SPEC_ABI =
  'string name, bytes institutions, bytes contracts, string jurisdictions, uint64 startMs, uint64 endMs, uint256 perTxCap, uint256 dailyCap, uint8 hard';

export function pilotSpecToAbi(s: PilotSpec): AbiValue[] {
  return [
    s.name,
    packAccounts(s.institutions),
    packAccounts(s.contracts),
    s.jurisdictions.join(','),
    BigInt(s.startMs),
    BigInt(s.endMs),
    s.limits.perTxCap,
    s.limits.dailyCap,
    BigInt(s.limits.hard),
  ];
}

/** Throws (an Error naming the field) when the values cannot be a spec; checkPilotSpec does the rest. */
export function pilotSpecFromAbi(v: AbiValue[]): PilotSpec {
  const ms = (x: AbiValue, field: string) => {
    if ((x as bigint) > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${field} is past 2^53`);
    return Number(x as bigint);
  };
  const jurisdictions = v[3] as string;
  return {
    name: v[0] as string,
    institutions: splitAccounts(v[1] as Uint8Array),
    contracts: splitAccounts(v[2] as Uint8Array),
    jurisdictions: jurisdictions === '' ? [] : jurisdictions.split(','),
    startMs: ms(v[4], 'startMs'),
    endMs: ms(v[5], 'endMs'),
    limits: { perTxCap: v[6] as bigint, dailyCap: v[7] as bigint, hard: Number(v[8] as bigint) },
  };
}

function revert(reason: string): never {
  throw new RevertError(`PilotRegistry: ${reason}`);
}

/** Gas-charged access to PilotRegistry's storage from any frame (a Committee execution included). */
class Registry {
  readonly storage: ContractStorage;
  /** The frame's state, every read charged as a storage read: the readers of pilot-state.ts run over it. */
  readonly state: StateReader;
  constructor(readonly frame: CallFrame) {
    const own = equalBytes(frame.self, SystemAddress.PilotRegistry)
      ? frame
      : { ...frame, self: SystemAddress.PilotRegistry, callStack: [...frame.callStack, hexKey(frame.self)] };
    this.storage = new ContractStorage(own);
    this.state = {
      get: (key) => {
        const v = frame.state.get(key);
        frame.gas.charge(GasCost.storageRead + GasCost.storageReadByte * (v?.length ?? 0));
        return v;
      },
    };
  }
  pilot(id: number): Pilot {
    const p = readPilot(this.state, id);
    if (!p) revert(`no pilot ${id}`);
    return p;
  }
  decision(actor: Actor): Decision {
    return {
      setBy: actor.setBy,
      block: this.frame.block.number,
      proposalId: actor.proposalId,
      txHash: this.frame.txHash ?? new Uint8Array(),
    };
  }
  save(p: Pilot): void {
    this.storage.set(PilotKey.pilot(p.id), encodePilot(p));
  }
  emit(event: ReturnType<AbiContract['event']>, indexed: AbiValue[], data: AbiValue[]): void {
    event.emit({ ...this.frame, self: SystemAddress.PilotRegistry }, indexed, data);
  }
}

/** Checks a spec against the chain: its contracts belong to no other pilot, and some genesis regulator supervises it. */
function checkSpecAgainstState(r: Registry, spec: PilotSpec, id: number): void {
  try {
    checkPilotSpec(spec);
  } catch (e) {
    revert((e as Error).message);
  }
  for (const c of spec.contracts) {
    const owner = pilotOfContract(r.state, c);
    if (owner !== null && owner !== id) revert(`contract ${toHex(c)} already belongs to pilot ${owner}`);
  }
  if (regulatorsOfJurisdictions(r.state, spec.jurisdictions).length === 0)
    revert(
      `no genesis regulator has any of the jurisdictions ${spec.jurisdictions.join(', ')}; nobody would supervise it`,
    );
}

function indexContracts(r: Registry, id: number, before: readonly Uint8Array[], after: readonly Uint8Array[]): void {
  const kept = new Set(after.map(hexKey));
  for (const c of before) if (!kept.has(hexKey(c))) r.storage.delete(PilotKey.contract(c));
  const had = new Set(before.map(hexKey));
  for (const c of after) if (!had.has(hexKey(c))) r.storage.set(PilotKey.contract(c), encodeCanonical(id));
}

/** Applies kinds 30-33 as `actor` (the Committee); reverts with the reason it cannot be applied. */
export function applyPilotAction(frame: CallFrame, a: PilotAction, actor: Actor): void {
  const r = new Registry(frame);
  switch (a.kind) {
    case 'registerPilot': {
      const id = readPilotCount(r.state) + 1;
      if (id > PILOT_BOUNDS.maxPilots)
        revert(`the most pilots a chain may register (${PILOT_BOUNDS.maxPilots}) are registered`);
      checkSpecAgainstState(r, a.spec, id);
      const d = r.decision(actor);
      r.save({ ...a.spec, id, status: PilotStatus.Registered, reason: '', registeredAt: d.block, changed: d });
      r.storage.set(PilotKey.count, encodeCanonical(id));
      indexContracts(r, id, [], a.spec.contracts);
      r.emit(registeredEvent, [BigInt(id)], [BigInt(actor.proposalId), a.spec.name]);
      return;
    }
    case 'updatePilot': {
      const p = r.pilot(a.id);
      if (p.status === PilotStatus.Exited) revert(`pilot ${a.id} has exited, which is final`);
      checkSpecAgainstState(r, a.spec, a.id);
      // A whole new spec; the status (and its reason) stays as it is.
      r.save({ ...p, ...a.spec, changed: r.decision(actor) });
      indexContracts(r, a.id, p.contracts, a.spec.contracts);
      r.emit(updatedEvent, [BigInt(a.id)], [BigInt(actor.proposalId)]);
      return;
    }
    case 'exitPilot': {
      const p = r.pilot(a.id);
      if (p.status === PilotStatus.Exited) revert(`pilot ${a.id} has already exited`);
      // Its contracts stay indexed to it, so calls to them keep reverting with why.
      r.save({ ...p, status: PilotStatus.Exited, reason: a.reason, changed: r.decision(actor) });
      r.emit(exitedEvent, [BigInt(a.id)], [BigInt(actor.proposalId), a.reason]);
      return;
    }
    case 'setSupervisionKey': {
      if (!isRegulator(accountsReader(r.state), a.regulator))
        revert(`${toHex(a.regulator)} is not a genesis regulator's account`);
      const history = readKeyHistory(r.state, a.regulator);
      // In force from the next block: a record already built for this block keeps the key it was wrapped for.
      const fromBlock = frame.block.number + 1;
      const kept = history.filter((k) => k.fromBlock < fromBlock);
      const current = supervisionKeyAt(r.state, a.regulator, fromBlock);
      if (current && equalBytes(current, a.publicKey))
        revert(`${toHex(a.publicKey)} is already the supervision key of ${toHex(a.regulator)}`);
      if (kept.length >= PILOT_BOUNDS.maxKeyHistory)
        revert(`${toHex(a.regulator)} already has the most supervision keys kept (${PILOT_BOUNDS.maxKeyHistory})`);
      r.storage.set(PilotKey.keys(a.regulator), encodeKeyHistory([...kept, { fromBlock, publicKey: a.publicKey }]));
      r.emit(
        keySetEvent,
        [a.regulator],
        [a.publicKey, keyIdOf(a.publicKey), BigInt(fromBlock), BigInt(actor.proposalId)],
      );
      return;
    }
  }
}

/** Stateless checks of kinds 30-33 (run when a proposal is decoded). */
export function checkPilotAction(a: PilotAction): void {
  switch (a.kind) {
    case 'registerPilot':
    case 'updatePilot':
      return checkPilotSpec(a.spec);
    case 'exitPilot':
      return checkReason(a.reason);
    case 'setSupervisionKey':
      if (!isSupervisionPublicKey(a.publicKey))
        throw new Error(`publicKey must be a 33-byte compressed secp256k1 point, got ${toHex(a.publicKey)}`);
  }
}

/** A pilot id argument, or a revert: ids past 2^53 cannot exist. */
function pilotId(v: AbiValue): number {
  const id = v as bigint;
  return id > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(id);
}

/** Suspension and resumption are a supervising regulator's own acts (decision 3); anyone else is refused with why. */
function supervisingOnly(r: Registry, p: Pilot, doing: string): void {
  const sender = r.frame.sender;
  if (supervisingRegulators(r.state, p).some((x) => equalBytes(x.account, sender))) return;
  if (isRegulator(accountsReader(r.state), sender))
    revert(
      `regulator ${toHex(sender)} does not supervise pilot ${p.id} (jurisdictions ${p.jurisdictions.join(', ')}) and may not ${doing} it`,
    );
  revert(`sender ${toHex(sender)} is not a regulator supervising pilot ${p.id} and may not ${doing} it`);
}

export const pilotRegistryContract = new AbiContract(
  'PilotRegistry',
  [
    'function suspendPilot(uint64 id, string reason)',
    'function resumePilot(uint64 id)',
    `function getPilot(uint64 id) view returns (${PILOT_SPEC_ABI}, uint8 status, string reason)`,
    'function pilotCount() view returns (uint64)',
    'function pilotOf(address contractAddress) view returns (uint64)',
    'function supervisionKey(address regulator) view returns (bytes)',
    'function payloadCommitment() view returns (bytes32)',
    'function payloadPilot() view returns (uint64)',
    'event PilotRegistered(uint64 indexed id, uint64 proposalId, string name)',
    'event PilotUpdated(uint64 indexed id, uint64 proposalId)',
    'event PilotSuspended(uint64 indexed id, address indexed regulator, string reason)',
    'event PilotResumed(uint64 indexed id, address indexed regulator)',
    'event PilotExited(uint64 indexed id, uint64 proposalId, string reason)',
    'event SupervisionKeySet(address indexed regulator, bytes publicKey, bytes20 keyId, uint64 fromBlock, uint64 proposalId)',
  ],
  {
    suspendPilot(frame, [idArg, reason]) {
      const r = new Registry(frame);
      const p = r.pilot(pilotId(idArg));
      supervisingOnly(r, p, 'suspend');
      try {
        checkReason(reason as string);
      } catch (e) {
        revert((e as Error).message);
      }
      if (p.status !== PilotStatus.Registered)
        revert(`pilot ${p.id} is ${PILOT_STATUS_NAMES[p.status]}, not registered`);
      r.save({
        ...p,
        status: PilotStatus.Suspended,
        reason: reason as string,
        changed: r.decision({ setBy: frame.sender, proposalId: 0 }),
      });
      r.emit(suspendedEvent, [BigInt(p.id), frame.sender], [reason as string]);
      return [];
    },
    resumePilot(frame, [idArg]) {
      const r = new Registry(frame);
      const p = r.pilot(pilotId(idArg));
      supervisingOnly(r, p, 'resume');
      if (p.status !== PilotStatus.Suspended) revert(`pilot ${p.id} is ${PILOT_STATUS_NAMES[p.status]}, not suspended`);
      r.save({
        ...p,
        status: PilotStatus.Registered,
        reason: '',
        changed: r.decision({ setBy: frame.sender, proposalId: 0 }),
      });
      r.emit(resumedEvent, [BigInt(p.id), frame.sender], []);
      return [];
    },
    getPilot(frame, [idArg]) {
      const p = new Registry(frame).pilot(pilotId(idArg));
      return [...pilotSpecToAbi(p), BigInt(p.status), p.reason];
    },
    pilotCount: (frame) => [BigInt(readPilotCount(new Registry(frame).state))],
    pilotOf: (frame, [c]) => [BigInt(pilotOfContract(new Registry(frame).state, c as Uint8Array) ?? 0)],
    supervisionKey: (frame, [regulator]) => [
      supervisionKeyAt(new Registry(frame).state, regulator as Uint8Array, frame.block.number) ?? new Uint8Array(),
    ],
    payloadCommitment: (frame) => [frame.privatePayload?.commitment ?? new Uint8Array(32)],
    payloadPilot: (frame) => [BigInt(frame.privatePayload?.pilotId ?? 0)],
  },
);

const registeredEvent = pilotRegistryContract.event('PilotRegistered');
const updatedEvent = pilotRegistryContract.event('PilotUpdated');
const suspendedEvent = pilotRegistryContract.event('PilotSuspended');
const resumedEvent = pilotRegistryContract.event('PilotResumed');
const exitedEvent = pilotRegistryContract.event('PilotExited');
const keySetEvent = pilotRegistryContract.event('SupervisionKeySet');
