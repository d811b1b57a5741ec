import { equalBytes } from '../../codec/canonical.js';
import { concatBytes, hexKey, toHex, utf8 } from '../../codec/hex.js';
import { PERMISSION_BOUNDS } from '../../config/defaults.js';
import { codeKey, storageKey, SystemAddress } from '../addresses.js';
import { type CallFrame, RevertError } from '../types.js';
import { AbiContract } from './abi-contract.js';
import { committeeReader, readMembers, weightOf } from './committee-state.js';
import {
  AclMode,
  type AclModeCode,
  AccountStatus,
  type AccountStatusCode,
  ContractStatus,
  type ContractStatusCode,
  type Decision,
  DeployPolicy,
  type DeployPolicyCode,
  DEPLOY_POLICY_NAMES,
  encodeAcl,
  encodeDecision,
  encodeDeployPolicy,
  encodeIndex,
  encodeRegulators,
  encodeStatus,
  isRegulator,
  PermissionKey,
  type PermissionRead,
  readAccountStatus,
  readAdmin,
  readContractStatus,
  readDeployer,
  readDeployPolicy,
  readIndex,
  readMethodAcl,
  type Regulator,
} from './permissions-state.js';
import { ContractStorage } from './storage.js';

/**
 * The AccountManager and ContractAuth system contracts. Their changes come two ways: a
 * committee proposal (executed by committee.ts through applyPermissionAction) or a direct
 * transaction by someone with standing — a regulator freezing an account or a contract at
 * once, a contract's admin (its deployer) setting a method ACL. Both ways go through the
 * same functions below, so one rule holds whoever acts. State layout: permissions-state.ts.
 */

/** The permission changes a committee proposal can make (proposal-kinds.ts wraps them). */
type AccountChange<K> = { readonly kind: K; readonly account: Uint8Array; readonly reason: string };
type DeployerChange<K> = { readonly kind: K; readonly account: Uint8Array };
type ContractChange<K> = { readonly kind: K; readonly contract: Uint8Array; readonly reason: string };
export type PermissionAction =
  | AccountChange<'freezeAccount'>
  | AccountChange<'unfreezeAccount'>
  | AccountChange<'abolishAccount'>
  | { readonly kind: 'setDeployPolicy'; readonly mode: DeployPolicyCode }
  | DeployerChange<'allowDeployer'>
  | DeployerChange<'disallowDeployer'>
  | ContractChange<'freezeContract'>
  | ContractChange<'unfreezeContract'>
  | {
      readonly kind: 'setMethodAcl';
      readonly contract: Uint8Array;
      readonly selector: Uint8Array;
      readonly mode: AclModeCode;
      readonly accounts: readonly Uint8Array[];
    };

/** Every permission kind, once: the compiler asks for a new one here. */
const PERMISSION_KINDS: Record<PermissionAction['kind'], true> = {
  freezeAccount: true,
  unfreezeAccount: true,
  abolishAccount: true,
  setDeployPolicy: true,
  allowDeployer: true,
  disallowDeployer: true,
  freezeContract: true,
  unfreezeContract: true,
  setMethodAcl: true,
};

export function isPermissionAction(a: { readonly kind: string }): a is PermissionAction {
  return Object.hasOwn(PERMISSION_KINDS, a.kind);
}

/** Who acts: a proposal of the committee (proposalId > 0) or a direct transaction of `setBy`. */
export interface Actor {
  readonly setBy: Uint8Array;
  readonly proposalId: number;
}

export function permissionsGenesisEntries(regulators: readonly Regulator[]): Array<[Uint8Array, Uint8Array]> {
  return [[storageKey(SystemAddress.AccountManager, PermissionKey.regulators), encodeRegulators(regulators)]];
}

/** Checks a reason string (stateless: also run when a proposal is decoded). */
export function checkReason(reason: string): void {
  const n = utf8(reason).length;
  if (n === 0) throw new Error('a reason is required');
  if (n > PERMISSION_BOUNDS.maxReasonBytes)
    throw new Error(`reason is ${n} bytes; at most ${PERMISSION_BOUNDS.maxReasonBytes}`);
}

/** Checks ACL arguments that need no state. */
export function checkAclArgs(mode: number, accounts: readonly Uint8Array[]): void {
  if (mode !== AclMode.Clear && mode !== AclMode.Allow && mode !== AclMode.Deny)
    throw new Error(`ACL mode must be 0 (clear), 1 (allow) or 2 (deny), got ${mode}`);
  if (mode === AclMode.Clear && accounts.length > 0) throw new Error('clearing an ACL takes no accounts');
  if (mode === AclMode.Deny && accounts.length === 0) throw new Error('a deny-list needs at least one account');
  if (accounts.length > PERMISSION_BOUNDS.maxAclAccounts)
    throw new Error(`an ACL lists at most ${PERMISSION_BOUNDS.maxAclAccounts} accounts, got ${accounts.length}`);
  if (new Set(accounts.map(hexKey)).size !== accounts.length) throw new Error('an account appears more than once');
}

/** Splits the `bytes accounts` argument of an ACL (20-byte addresses back to back: the ABI subset is flat). */
export function splitAccounts(packed: Uint8Array): Uint8Array[] {
  if (packed.length % 20 !== 0)
    throw new Error(`accounts must be 20-byte addresses back to back, got ${packed.length} bytes`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < packed.length; i += 20) out.push(packed.slice(i, i + 20));
  return out;
}

export const packAccounts = (accounts: readonly Uint8Array[]): Uint8Array => concatBytes(...accounts);

/** Gas-charged storage of one permissions contract, reached from any frame. */
class Store {
  readonly storage: ContractStorage;
  readonly read: PermissionRead;
  constructor(
    readonly frame: CallFrame,
    readonly name: string,
    address: Uint8Array,
  ) {
    const own = equalBytes(frame.self, address)
      ? frame
      : { ...frame, self: address, callStack: [...frame.callStack, hexKey(frame.self)] };
    this.storage = new ContractStorage(own);
    this.read = (key) => this.storage.get(key);
  }
  revert(reason: string): never {
    throw new RevertError(`${this.name}: ${reason}`);
  }
  decision(actor: Actor): Decision {
    return {
      setBy: actor.setBy,
      block: this.frame.block.number,
      proposalId: actor.proposalId,
      txHash: this.frame.txHash ?? new Uint8Array(),
    };
  }
  /** Adds to or removes from a sorted index, refusing past `cap`. */
  index(key: Uint8Array, item: Uint8Array, add: boolean, cap: number, what: string): void {
    const items = readIndex(this.read, key).filter((x) => !equalBytes(x, item));
    if (add) {
      if (items.length >= cap) this.revert(`${what} already holds the most entries allowed (${cap})`);
      items.push(item);
    }
    this.storage.set(key, encodeIndex(items));
  }
}

const accounts = (frame: CallFrame) => new Store(frame, 'AccountManager', SystemAddress.AccountManager);
const auth = (frame: CallFrame) => new Store(frame, 'ContractAuth', SystemAddress.ContractAuth);

function checkTargetAccount(s: Store, account: Uint8Array, doing: string): void {
  // Either would let one action stop governance itself: a frozen member cannot vote, a
  // frozen regulator cannot use its standing. Remove a member by proposal first.
  if (weightOf(readMembers(committeeReader(s.frame.state)), account) > 0)
    s.revert(`${toHex(account)} is a committee member; remove it from the committee before you ${doing} it`);
  if (isRegulator(accounts(s.frame).read, account))
    s.revert(`${toHex(account)} is a regulator's account; regulators cannot be frozen or abolished`);
}

function setAccountStatus(frame: CallFrame, account: Uint8Array, to: AccountStatusCode, reason: string, actor: Actor) {
  const s = accounts(frame);
  const cur = readAccountStatus(s.read, account)?.status ?? AccountStatus.Normal;
  const doing = ['unfreeze', 'freeze', 'abolish'][to];
  if (cur === AccountStatus.Abolished) s.revert(`account ${toHex(account)} is abolished, which is final`);
  if (to === AccountStatus.Frozen && cur !== AccountStatus.Normal)
    s.revert(`account ${toHex(account)} is already frozen`);
  if (to === AccountStatus.Normal && cur !== AccountStatus.Frozen) s.revert(`account ${toHex(account)} is not frozen`);
  if (to !== AccountStatus.Normal) checkTargetAccount(s, account, doing);
  s.index(
    PermissionKey.restricted,
    account,
    to !== AccountStatus.Normal,
    PERMISSION_BOUNDS.maxRestrictedAccounts,
    'the list of frozen and abolished accounts',
  );
  const d = s.decision(actor);
  s.storage.set(PermissionKey.account(account), encodeStatus({ status: to, reason, ...d }));
  accountEvent.emit(
    { ...frame, self: SystemAddress.AccountManager },
    [account, actor.setBy],
    [BigInt(to), BigInt(actor.proposalId), reason],
  );
}

function checkTargetContract(s: Store, contract: Uint8Array): void {
  if (SYSTEM_ADDRESS_KEYS.has(hexKey(contract))) s.revert(`${toHex(contract)} is a system contract`);
  if (!s.frame.state.get(codeKey(contract))) s.revert(`no contract at ${toHex(contract)}`);
}

const SYSTEM_ADDRESS_KEYS = new Set(Object.values(SystemAddress).map(hexKey));

function setContractStatus(
  frame: CallFrame,
  contract: Uint8Array,
  to: ContractStatusCode,
  reason: string,
  actor: Actor,
) {
  const s = auth(frame);
  checkTargetContract(s, contract);
  const cur = readContractStatus(s.read, contract)?.status ?? ContractStatus.Normal;
  if (cur === to)
    s.revert(`contract ${toHex(contract)} is already ${to === ContractStatus.Frozen ? 'frozen' : 'not frozen'}`);
  s.index(
    PermissionKey.frozenContracts,
    contract,
    to === ContractStatus.Frozen,
    PERMISSION_BOUNDS.maxFrozenContracts,
    'the list of frozen contracts',
  );
  s.storage.set(PermissionKey.contract(contract), encodeStatus({ status: to, reason, ...s.decision(actor) }));
  contractEvent.emit(
    { ...frame, self: SystemAddress.ContractAuth },
    [contract, actor.setBy],
    [BigInt(to), BigInt(actor.proposalId), reason],
  );
}

function setMethodAcl(frame: CallFrame, a: Extract<PermissionAction, { kind: 'setMethodAcl' }>, actor: Actor): void {
  const s = auth(frame);
  checkTargetContract(s, a.contract);
  const item = concatBytes(a.contract, a.selector);
  const exists = readMethodAcl(s.read, a.contract, a.selector) !== null;
  if (a.mode === AclMode.Clear && !exists) s.revert(`method ${toHex(a.selector)} of ${toHex(a.contract)} has no ACL`);
  if (!exists || a.mode === AclMode.Clear)
    s.index(
      PermissionKey.acls,
      item,
      a.mode !== AclMode.Clear,
      PERMISSION_BOUNDS.maxMethodAcls,
      'the list of method ACLs',
    );
  if (a.mode === AclMode.Clear) s.storage.delete(PermissionKey.acl(a.contract, a.selector));
  else {
    const sorted = [...a.accounts].sort((x, y) => Buffer.compare(x, y));
    s.storage.set(
      PermissionKey.acl(a.contract, a.selector),
      encodeAcl({ mode: a.mode, accounts: sorted, ...s.decision(actor) }),
    );
  }
  aclEvent.emit(
    { ...frame, self: SystemAddress.ContractAuth },
    [a.contract, actor.setBy],
    [a.selector, BigInt(a.mode), packAccounts(a.accounts), BigInt(actor.proposalId)],
  );
}

/** Applies a permission change as `actor`; reverts with the reason it cannot be applied. */
export function applyPermissionAction(frame: CallFrame, a: PermissionAction, actor: Actor): void {
  switch (a.kind) {
    case 'freezeAccount':
      return setAccountStatus(frame, a.account, AccountStatus.Frozen, a.reason, actor);
    case 'unfreezeAccount':
      return setAccountStatus(frame, a.account, AccountStatus.Normal, a.reason, actor);
    case 'abolishAccount':
      return setAccountStatus(frame, a.account, AccountStatus.Abolished, a.reason, actor);
    case 'freezeContract':
      return setContractStatus(frame, a.contract, ContractStatus.Frozen, a.reason, actor);
    case 'unfreezeContract':
      return setContractStatus(frame, a.contract, ContractStatus.Normal, a.reason, actor);
    case 'setMethodAcl':
      return setMethodAcl(frame, a, actor);
    case 'setDeployPolicy': {
      const s = auth(frame);
      const cur = readDeployPolicy(s.read)?.mode ?? DeployPolicy.Open;
      if (cur === a.mode) s.revert(`the deploy policy is already ${DEPLOY_POLICY_NAMES[a.mode]}`);
      s.storage.set(PermissionKey.deployPolicy, encodeDeployPolicy(a.mode, s.decision(actor)));
      policyEvent.emit({ ...frame, self: SystemAddress.ContractAuth }, [], [BigInt(a.mode), BigInt(actor.proposalId)]);
      return;
    }
    case 'allowDeployer':
    case 'disallowDeployer': {
      const s = auth(frame);
      const allow = a.kind === 'allowDeployer';
      const listed = readDeployer(s.read, a.account) !== null;
      if (allow === listed) s.revert(`${toHex(a.account)} is ${listed ? 'already' : 'not'} on the deployer allow-list`);
      s.index(PermissionKey.deployers, a.account, allow, PERMISSION_BOUNDS.maxDeployers, 'the deployer allow-list');
      if (allow) s.storage.set(PermissionKey.deployer(a.account), encodeDecision(s.decision(actor)));
      else s.storage.delete(PermissionKey.deployer(a.account));
      deployerEvent.emit(
        { ...frame, self: SystemAddress.ContractAuth },
        [a.account],
        [allow, BigInt(actor.proposalId)],
      );
      return;
    }
  }
}

const STATUS_ABI = 'returns (uint8 status, address setBy, uint64 blockNumber, uint64 proposalId, string reason)';

function statusOut(r: { status: number; setBy: Uint8Array; block: number; proposalId: number; reason: string } | null) {
  return r
    ? [BigInt(r.status), r.setBy, BigInt(r.block), BigInt(r.proposalId), r.reason]
    : [0n, new Uint8Array(20), 0n, 0n, ''];
}

function reasonArg(s: Store, reason: unknown): string {
  try {
    checkReason(reason as string);
  } catch (e) {
    s.revert((e as Error).message);
  }
  return reason as string;
}

function regulatorOnly(s: Store, what: string): void {
  if (!isRegulator(accounts(s.frame).read, s.frame.sender))
    s.revert(`sender ${toHex(s.frame.sender)} is not a regulator; ${what} needs a committee proposal`);
}

export const accountManagerContract = new AbiContract(
  'AccountManager',
  [
    'function freezeAccount(address account, string reason)',
    `function getAccountStatus(address account) view ${STATUS_ABI}`,
    'function isRegulator(address account) view returns (bool)',
    'event AccountStatusChanged(address indexed account, address indexed setBy, uint8 status, uint64 proposalId, string reason)',
  ],
  {
    freezeAccount(frame, [account, reason]) {
      const s = accounts(frame);
      regulatorOnly(s, 'freezing an account');
      setAccountStatus(frame, account as Uint8Array, AccountStatus.Frozen, reasonArg(s, reason), {
        setBy: frame.sender,
        proposalId: 0,
      });
      return [];
    },
    getAccountStatus: (frame, [account]) => statusOut(readAccountStatus(accounts(frame).read, account as Uint8Array)),
    isRegulator: (frame, [account]) => [isRegulator(accounts(frame).read, account as Uint8Array)],
  },
);

export const contractAuthContract = new AbiContract(
  'ContractAuth',
  [
    'function freezeContract(address contractAddress, string reason)',
    'function setMethodAcl(address contractAddress, bytes4 selector, uint8 mode, bytes accounts)',
    `function getContractStatus(address contractAddress) view ${STATUS_ABI}`,
    'function getDeployPolicy() view returns (uint8)',
    'function isDeployAllowed(address account) view returns (bool)',
    'function adminOf(address contractAddress) view returns (address)',
    'function getMethodAcl(address contractAddress, bytes4 selector) view returns (uint8 mode, bytes accounts)',
    'event ContractStatusChanged(address indexed contractAddress, address indexed setBy, uint8 status, uint64 proposalId, string reason)',
    'event MethodAclChanged(address indexed contractAddress, address indexed setBy, bytes4 selector, uint8 mode, bytes accounts, uint64 proposalId)',
    'event DeployPolicyChanged(uint8 mode, uint64 proposalId)',
    'event DeployerChanged(address indexed account, bool allowed, uint64 proposalId)',
  ],
  {
    freezeContract(frame, [contract, reason]) {
      const s = auth(frame);
      regulatorOnly(s, 'freezing a contract');
      setContractStatus(frame, contract as Uint8Array, ContractStatus.Frozen, reasonArg(s, reason), {
        setBy: frame.sender,
        proposalId: 0,
      });
      return [];
    },
    setMethodAcl(frame, [contract, selector, mode, packed]) {
      const s = auth(frame);
      const admin = readAdmin(s.read, contract as Uint8Array);
      if (!admin || !equalBytes(admin, frame.sender))
        s.revert(
          `sender ${toHex(frame.sender)} is not the admin of ${toHex(contract as Uint8Array)}; the committee can set its ACLs by proposal`,
        );
      let list: Uint8Array[] = [];
      try {
        list = splitAccounts(packed as Uint8Array);
        checkAclArgs(Number(mode as bigint), list);
      } catch (e) {
        s.revert((e as Error).message);
      }
      setMethodAcl(
        frame,
        {
          kind: 'setMethodAcl',
          contract: contract as Uint8Array,
          selector: selector as Uint8Array,
          mode: Number(mode as bigint) as AclModeCode,
          accounts: list,
        },
        { setBy: frame.sender, proposalId: 0 },
      );
      return [];
    },
    getContractStatus: (frame, [c]) => statusOut(readContractStatus(auth(frame).read, c as Uint8Array)),
    getDeployPolicy: (frame) => [BigInt(readDeployPolicy(auth(frame).read)?.mode ?? DeployPolicy.Open)],
    isDeployAllowed(frame, [account]) {
      const read = auth(frame).read;
      return [
        (readDeployPolicy(read)?.mode ?? DeployPolicy.Open) === DeployPolicy.Open ||
          readDeployer(read, account as Uint8Array) !== null,
      ];
    },
    adminOf: (frame, [c]) => [readAdmin(auth(frame).read, c as Uint8Array) ?? new Uint8Array(20)],
    getMethodAcl(frame, [c, selector]) {
      const acl = readMethodAcl(auth(frame).read, c as Uint8Array, selector as Uint8Array);
      return acl ? [BigInt(acl.mode), packAccounts(acl.accounts)] : [0n, new Uint8Array()];
    },
  },
);

const accountEvent = accountManagerContract.event('AccountStatusChanged');
const contractEvent = contractAuthContract.event('ContractStatusChanged');
const aclEvent = contractAuthContract.event('MethodAclChanged');
const policyEvent = contractAuthContract.event('DeployPolicyChanged');
const deployerEvent = contractAuthContract.event('DeployerChanged');

/** What the executor records when a contract is deployed: its admin is its deployer. */
export function adminEntry(contract: Uint8Array, deployer: Uint8Array): [Uint8Array, Uint8Array] {
  return [storageKey(SystemAddress.ContractAuth, PermissionKey.admin(contract)), deployer];
}
