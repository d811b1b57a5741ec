import { decodeCanonical, encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { concatBytes, toHex as hex, utf8 } from '../../codec/hex.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';

/**
 * Account and contract permissions in the storage of two system contracts, in canonical
 * form: AccountManager (0x…10003) holds the regulators and every account's status;
 * ContractAuth (0x…10002) holds the deploy policy, the deployer allow-list, contract
 * statuses, contract admins and method ACLs. Each decision keeps who made it, the block,
 * the proposal (0 for a direct transaction) and the transaction. Lists that getPermissions
 * enumerates are kept as sorted indexes (state has no key scan), capped by
 * PERMISSION_BOUNDS. Read by the contracts (gas-charged), the executor and the pool (to
 * refuse senders, deploys and calls) and the RPC, with the same decoders.
 */

/** Reads relative keys of one system contract's storage. */
export type PermissionRead = (key: Uint8Array) => Uint8Array | null;

export interface Decision {
  /** A regulator or contract admin acting directly, or the Committee contract for a proposal. */
  readonly setBy: Uint8Array;
  readonly block: number;
  /** The executed proposal; 0 for a direct transaction. */
  readonly proposalId: number;
  /** The transaction that made it (the vote or proposal that executed a proposal); empty if unknown. */
  readonly txHash: Uint8Array;
}

export const AccountStatus = { Normal: 0, Frozen: 1, Abolished: 2 } as const;
export type AccountStatusCode = (typeof AccountStatus)[keyof typeof AccountStatus];
export const ACCOUNT_STATUS_NAMES = ['normal', 'frozen', 'abolished'] as const;

export const ContractStatus = { Normal: 0, Frozen: 1 } as const;
export type ContractStatusCode = (typeof ContractStatus)[keyof typeof ContractStatus];
export const CONTRACT_STATUS_NAMES = ['normal', 'frozen'] as const;

export const DeployPolicy = { Open: 0, Allowlist: 1 } as const;
export type DeployPolicyCode = (typeof DeployPolicy)[keyof typeof DeployPolicy];
export const DEPLOY_POLICY_NAMES = ['open', 'allowlist'] as const;

/** Clear removes the ACL; Allow admits only the listed callers; Deny refuses only them. */
export const AclMode = { Clear: 0, Allow: 1, Deny: 2 } as const;
export type AclModeCode = (typeof AclMode)[keyof typeof AclMode];
export const ACL_MODE_NAMES = ['clear', 'allow', 'deny'] as const;

export interface StatusRecord<S extends number> extends Decision {
  readonly status: S;
  readonly reason: string;
}

export interface Regulator {
  readonly account: Uint8Array;
  readonly name: string;
  readonly jurisdiction: string;
}

export interface MethodAcl extends Decision {
  readonly mode: typeof AclMode.Allow | typeof AclMode.Deny;
  /** Sorted by address. */
  readonly accounts: readonly Uint8Array[];
}

// Prefixes encoded once: these keys are built several times per transaction.
const ACCOUNT = utf8('account/');
const DEPLOYER = utf8('deployer/');
const CONTRACT = utf8('contract/');
const ADMIN = utf8('admin/');
const ACL = utf8('acl/');

export const PermissionKey = {
  regulators: utf8('regulators'),
  /** Index of accounts frozen or abolished. */
  restricted: utf8('restricted'),
  account: (a: Uint8Array) => concatBytes(ACCOUNT, a),
  deployPolicy: utf8('deployPolicy'),
  /** Index of the deployer allow-list. */
  deployers: utf8('deployers'),
  deployer: (a: Uint8Array) => concatBytes(DEPLOYER, a),
  /** Index of frozen contracts. */
  frozenContracts: utf8('frozenContracts'),
  contract: (a: Uint8Array) => concatBytes(CONTRACT, a),
  admin: (a: Uint8Array) => concatBytes(ADMIN, a),
  /** Index of contract + selector (24 bytes each) with an ACL. */
  acls: utf8('acls'),
  acl: (contract: Uint8Array, selector: Uint8Array) => concatBytes(ACL, contract, selector),
} as const;

type DecisionTuple = [Uint8Array, number, number, Uint8Array];
const decisionTuple = (d: Decision): DecisionTuple => [d.setBy, d.block, d.proposalId, d.txHash];
const decisionOf = ([setBy, block, proposalId, txHash]: DecisionTuple): Decision => ({
  setBy,
  block,
  proposalId,
  txHash,
});

export function encodeStatus(r: StatusRecord<number>): Uint8Array {
  return encodeCanonical([r.status, r.reason, ...decisionTuple(r)]);
}

function decodeStatus<S extends number>(raw: Uint8Array | null): StatusRecord<S> | null {
  if (!raw) return null;
  const [status, reason, ...d] = decodeCanonical(raw) as [S, string, ...DecisionTuple];
  return { status, reason, ...decisionOf(d) };
}

export const encodeDecision = (d: Decision): Uint8Array => encodeCanonical(decisionTuple(d));
const decodeDecision = (raw: Uint8Array | null): Decision | null =>
  raw ? decisionOf(decodeCanonical(raw) as DecisionTuple) : null;

export function encodeDeployPolicy(mode: DeployPolicyCode, d: Decision): Uint8Array {
  return encodeCanonical([mode, ...decisionTuple(d)]);
}

export function encodeAcl(acl: MethodAcl): Uint8Array {
  return encodeCanonical([acl.mode, [...acl.accounts], ...decisionTuple(acl)]);
}

export function encodeRegulators(regs: readonly Regulator[]): Uint8Array {
  return encodeCanonical(regs.map((r) => [r.account, r.name, r.jurisdiction]));
}

/** An index: byte strings sorted, so every node iterates them in one order. */
export function encodeIndex(items: readonly Uint8Array[]): Uint8Array {
  return encodeCanonical([...items].sort((a, b) => Buffer.compare(a, b)));
}

export function readIndex(read: PermissionRead, key: Uint8Array): Uint8Array[] {
  const raw = read(key);
  return raw ? (decodeCanonical(raw) as Uint8Array[]) : [];
}

export function readRegulators(read: PermissionRead): Regulator[] {
  const raw = read(PermissionKey.regulators);
  if (!raw) return [];
  return (decodeCanonical(raw) as Array<[Uint8Array, string, string]>).map(([account, name, jurisdiction]) => ({
    account,
    name,
    jurisdiction,
  }));
}

export function isRegulator(read: PermissionRead, who: Uint8Array): boolean {
  return readRegulators(read).some((r) => equalBytes(r.account, who));
}

/** An account's status record; null means normal and never changed. */
export function readAccountStatus(read: PermissionRead, a: Uint8Array): StatusRecord<AccountStatusCode> | null {
  return decodeStatus(read(PermissionKey.account(a)));
}

export function readContractStatus(read: PermissionRead, a: Uint8Array): StatusRecord<ContractStatusCode> | null {
  return decodeStatus(read(PermissionKey.contract(a)));
}

/** The deploy policy; null means open since genesis. */
export function readDeployPolicy(read: PermissionRead): ({ mode: DeployPolicyCode } & Decision) | null {
  const raw = read(PermissionKey.deployPolicy);
  if (!raw) return null;
  const [mode, ...d] = decodeCanonical(raw) as [DeployPolicyCode, ...DecisionTuple];
  return { mode, ...decisionOf(d) };
}

/** When and by whom an account was put on the deployer allow-list; null if it is not on it. */
export function readDeployer(read: PermissionRead, a: Uint8Array): Decision | null {
  return decodeDecision(read(PermissionKey.deployer(a)));
}

export function readAdmin(read: PermissionRead, contract: Uint8Array): Uint8Array | null {
  return read(PermissionKey.admin(contract));
}

export function readMethodAcl(read: PermissionRead, contract: Uint8Array, selector: Uint8Array): MethodAcl | null {
  const raw = read(PermissionKey.acl(contract, selector));
  if (!raw) return null;
  const [mode, accounts, ...d] = decodeCanonical(raw) as [MethodAcl['mode'], Uint8Array[], ...DecisionTuple];
  return { mode, accounts, ...decisionOf(d) };
}

/** Reads a system contract's storage straight from a state (no gas): executor, pool, RPC, tests. */
export function systemReader(state: StateReader, address: Uint8Array): PermissionRead {
  return (key) => state.get(storageKey(address, key));
}

export const accountsReader = (state: StateReader) => systemReader(state, SystemAddress.AccountManager);
export const contractAuthReader = (state: StateReader) => systemReader(state, SystemAddress.ContractAuth);

/** Why `sender` may not send transactions now, or null. */
export function senderRefusal(state: StateReader, sender: Uint8Array): string | null {
  const r = readAccountStatus(accountsReader(state), sender);
  if (!r || r.status === AccountStatus.Normal) return null;
  return `account ${hex(sender)} is ${ACCOUNT_STATUS_NAMES[r.status]} (since block ${r.block}, ${byWhom(r)}): ${r.reason}`;
}

/** Why `sender` may not deploy a contract now, or null. */
export function deployRefusal(state: StateReader, sender: Uint8Array): string | null {
  const read = contractAuthReader(state);
  const policy = readDeployPolicy(read);
  if (!policy || policy.mode === DeployPolicy.Open || readDeployer(read, sender)) return null;
  return `account ${hex(sender)} is not on the deployer allow-list (deploy policy allowlist since block ${policy.block}, ${byWhom(policy)})`;
}

/** Why a call from `caller` into `contract` with `input` is refused, or null. */
export function callRefusal(
  state: StateReader,
  contract: Uint8Array,
  caller: Uint8Array,
  input: Uint8Array,
): string | null {
  const read = contractAuthReader(state);
  const selector = input.length < 4 ? null : input.subarray(0, 4);
  const acl = selector && readMethodAcl(read, contract, selector);
  return callRefusalOf(readContractStatus(read, contract), acl, contract, caller, selector);
}

/**
 * callRefusal's verdict from what it reads: the contract's status record and, for call data
 * with a selector, that method's ACL.
 */
export function callRefusalOf(
  status: StatusRecord<ContractStatusCode> | null,
  acl: MethodAcl | null,
  contract: Uint8Array,
  caller: Uint8Array,
  selector: Uint8Array | null,
): string | null {
  if (status && status.status === ContractStatus.Frozen)
    return `contract ${hex(contract)} is frozen (since block ${status.block}, ${byWhom(status)}): ${status.reason}`;
  if (!acl || !selector) return null;
  const listed = acl.accounts.some((a) => equalBytes(a, caller));
  if (acl.mode === AclMode.Allow ? listed : !listed) return null;
  const list = acl.mode === AclMode.Allow ? 'is not on the allow-list' : 'is on the deny-list';
  return `caller ${hex(caller)} ${list} of method ${hex(selector)} of contract ${hex(contract)} (ACL since block ${acl.block}, ${byWhom(acl)})`;
}

function byWhom(d: Decision): string {
  return d.proposalId > 0 ? `proposal ${d.proposalId}` : `set by ${hex(d.setBy)}`;
}

/** At most `cap` entries of a list, and how many there are. */
export interface Capped<T> {
  readonly total: number;
  readonly entries: readonly T[];
}

export interface PermissionsSnapshot {
  readonly regulators: readonly Regulator[];
  readonly deployPolicy: ({ mode: DeployPolicyCode } & Decision) | null;
  readonly deployers: Capped<{ account: Uint8Array } & Decision>;
  readonly restrictedAccounts: Capped<{ account: Uint8Array } & StatusRecord<AccountStatusCode>>;
  readonly frozenContracts: Capped<{ contract: Uint8Array } & StatusRecord<ContractStatusCode>>;
  readonly methodAcls: Capped<{ contract: Uint8Array; selector: Uint8Array; admin: Uint8Array | null } & MethodAcl>;
}

/** Every account and contract permission in a state, each list cut at `cap` entries (in index order). */
export function readPermissions(state: StateReader, cap: number): PermissionsSnapshot {
  const acc = accountsReader(state);
  const auth = contractAuthReader(state);
  function capped<T>(items: Uint8Array[], read: (item: Uint8Array) => T | null): Capped<T> {
    const entries: T[] = [];
    for (const item of items.slice(0, cap)) {
      const e = read(item);
      if (e) entries.push(e);
    }
    return { total: items.length, entries };
  }
  return {
    regulators: readRegulators(acc),
    deployPolicy: readDeployPolicy(auth),
    deployers: capped(readIndex(auth, PermissionKey.deployers), (account) => {
      const d = readDeployer(auth, account);
      return d && { account, ...d };
    }),
    restrictedAccounts: capped(readIndex(acc, PermissionKey.restricted), (account) => {
      const r = readAccountStatus(acc, account);
      return r && { account, ...r };
    }),
    frozenContracts: capped(readIndex(auth, PermissionKey.frozenContracts), (contract) => {
      const r = readContractStatus(auth, contract);
      return r && { contract, ...r };
    }),
    methodAcls: capped(readIndex(auth, PermissionKey.acls), (item) => {
      const contract = item.subarray(0, 20);
      const selector = item.subarray(20);
      const acl = readMethodAcl(auth, contract, selector);
      return acl && { contract, selector, admin: readAdmin(auth, contract), ...acl };
    }),
  };
}
