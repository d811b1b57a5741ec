/**
 * What the executor checks before a deployed contract's code runs (its ContractAuth status
 * and method ACLs, its pilot in the PilotRegistry), remembered for the rest of a block.
 *
 * Each of those answers is a state read and a decode, made again on every call; together
 * they cost about as much as a short contract's own run. They change only when some code
 * writes the storage of ContractAuth or PilotRegistry (governance, an admin's ACL change, a
 * pilot's registration), so the answers are kept beside the block's overlay, and served only
 * while no overlay the call reads through has written a key of either contract's storage
 * (StateOverlay.watchWrites). Once one has, the call reads the state as it would without
 * this cache: the answers are always the state's.
 */
import { stateKey, type StateOverlay } from '../state/overlay.js';
import { storageKey, SystemAddress } from './addresses.js';
import {
  callRefusal,
  callRefusalOf,
  contractAuthReader,
  type ContractStatusCode,
  type MethodAcl,
  PermissionKey,
  readContractStatus,
  readMethodAcl,
  type StatusRecord,
} from './system/permissions-state.js';
import {
  type Pilot,
  PilotKey,
  pilotContractRefusal,
  pilotInactivity,
  pilotOfContract,
  readPilot,
} from './system/pilot-state.js';

const NO_BYTES = new Uint8Array();

/**
 * The keys the checks read: a contract's status and method ACLs in ContractAuth's storage,
 * a contract's pilot and the pilots' records in PilotRegistry's. A write under one of these
 * prefixes ends the block's cache (other writes to those contracts, such as a pilot's daily
 * volume, do not).
 */
const WATCHED_PREFIXES: readonly string[] = [
  storageKey(SystemAddress.ContractAuth, PermissionKey.contract(NO_BYTES)),
  storageKey(SystemAddress.ContractAuth, PermissionKey.acl(NO_BYTES, NO_BYTES)),
  storageKey(SystemAddress.PilotRegistry, PilotKey.contract(NO_BYTES)),
  storageKey(SystemAddress.PilotRegistry, PilotKey.pilots),
].map(stateKey);

/** What the checks read about one contract, each part read on first use. */
interface ContractFacts {
  status?: StatusRecord<ContractStatusCode> | null;
  /** By the selector's 4 bytes as an unsigned number. */
  readonly acls: Map<number, MethodAcl | null>;
  pilotId?: number | null;
  pilot?: Pilot | null;
}

export class ContractGuards {
  /** Per block overlay (the root of the calls' overlays), per contract (its address as a stateKey string). */
  private readonly byBlock = new WeakMap<StateOverlay, Map<string, ContractFacts>>();

  /**
   * Why a call from `caller` into deployed contract `address` with `input` is refused before
   * its code runs (a frozen contract, a method ACL, an inactive pilot), or null. The
   * message names the system contract that refused it.
   */
  refusal(
    state: StateOverlay,
    address: Uint8Array,
    caller: Uint8Array,
    input: Uint8Array,
    timestampMs: number,
  ): string | null {
    const facts = this.facts(state, address);
    if (!facts) return this.refusalFromState(state, address, caller, input, timestampMs);
    const read = contractAuthReader(state);
    if (facts.status === undefined) facts.status = readContractStatus(read, address);
    const selector = input.length < 4 ? null : input.subarray(0, 4);
    let acl: MethodAcl | null = null;
    if (selector) {
      const id = ((selector[0] << 24) | (selector[1] << 16) | (selector[2] << 8) | selector[3]) >>> 0;
      const known = facts.acls.get(id);
      if (known === undefined) {
        acl = readMethodAcl(read, address, selector);
        facts.acls.set(id, acl);
      } else acl = known;
    }
    const refused = callRefusalOf(facts.status, acl, address, caller, selector);
    if (refused) return `ContractAuth: ${refused}`;
    const pilot = this.pilotOf(state, address, facts);
    const inactive = pilot && pilotInactivity(pilot, timestampMs);
    return inactive ? `PilotRegistry: ${inactive}` : null;
  }

  /** The id of the pilot contract `address` belongs to, or null. */
  pilotId(state: StateOverlay, address: Uint8Array): number | null {
    const facts = this.facts(state, address);
    if (!facts) return pilotOfContract(state, address);
    if (facts.pilotId === undefined) facts.pilotId = pilotOfContract(state, address);
    return facts.pilotId;
  }

  private pilotOf(state: StateOverlay, address: Uint8Array, facts: ContractFacts): Pilot | null {
    if (facts.pilot === undefined) {
      const id = this.pilotId(state, address);
      facts.pilot = id === null ? null : readPilot(state, id);
    }
    return facts.pilot;
  }

  /** The same verdict read straight from the state (the cache cannot answer for it). */
  private refusalFromState(
    state: StateOverlay,
    address: Uint8Array,
    caller: Uint8Array,
    input: Uint8Array,
    timestampMs: number,
  ): string | null {
    const refused = callRefusal(state, address, caller, input);
    if (refused) return `ContractAuth: ${refused}`;
    const inactive = pilotContractRefusal(state, address, timestampMs);
    return inactive ? `PilotRegistry: ${inactive}` : null;
  }

  /**
   * Starts remembering for the block whose overlay is `blockState`'s root: called before a
   * transaction's overlays are made, so that they watch the writes that would end the cache.
   */
  watch(blockState: StateOverlay): void {
    const root = blockState.root();
    if (this.byBlock.has(root)) return;
    root.watchWrites(WATCHED_PREFIXES);
    this.byBlock.set(root, new Map());
  }

  /** The block's remembered facts about `address`, or undefined when `state` may differ from them. */
  private facts(state: StateOverlay, address: Uint8Array): ContractFacts | undefined {
    if (!state.unwrittenUnder(WATCHED_PREFIXES)) return undefined;
    const contracts = this.byBlock.get(state.root());
    if (!contracts) return undefined;
    const key = stateKey(address);
    let facts = contracts.get(key);
    if (!facts) {
      facts = { acls: new Map() };
      contracts.set(key, facts);
    }
    return facts;
  }
}
