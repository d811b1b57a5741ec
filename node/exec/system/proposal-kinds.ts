import { type AbiValue, decodeAbi, encodeAbi } from '../../abi/codec.js';
import { equalBytes } from '../../codec/canonical.js';
import { toHex } from '../../codec/hex.js';
import { COMMITTEE_BOUNDS } from '../../config/defaults.js';
import { isNodeIdPoint } from '../../crypto/node-key.js';
import type { VotingRules } from './committee-state.js';
import { parseSystemConfigValue } from './system-config.js';
import {
  ACL_MODE_NAMES,
  type AclModeCode,
  DEPLOY_POLICY_NAMES,
  DeployPolicy,
  type DeployPolicyCode,
} from './permissions-state.js';
import { checkAclArgs, checkReason, packAccounts, type PermissionAction, splitAccounts } from './permissions.js';
import {
  checkPilotAction,
  PILOT_SPEC_ABI,
  PILOT_SPEC_TYPES,
  type PilotAction,
  pilotSpecFromAbi,
  pilotSpecToAbi,
} from './pilot-registry.js';
import type { PilotSpec } from './pilot-state.js';
import { HardLimit } from './pilot-state.js';

const NODE_ID_BYTES = 64;

/**
 * What a committee proposal may do, as a discriminated union: each kind has a number (the
 * `kind` argument of `propose`), the ABI types of its payload, and checks that need no
 * state. New kinds (node admission, freezes, ACLs) are new members of the union and new
 * entries in KINDS; the compiler then asks for their execution in committee.ts.
 */
export const ProposalKind = {
  SetSystemConfig: 1,
  UpdateCommitteeMember: 2,
  SetVotingRules: 3,
  // Account and contract permissions (permissions.ts): 4..9, then 20 up (10..13 are node admission).
  FreezeAccount: 4,
  UnfreezeAccount: 5,
  AbolishAccount: 6,
  SetDeployPolicy: 7,
  AllowDeployer: 8,
  DisallowDeployer: 9,
  FreezeContract: 20,
  UnfreezeContract: 21,
  SetMethodAcl: 22,
  AddValidator: 10,
  AddObserver: 11,
  DemoteToObserver: 12,
  RemoveNode: 13,
  // Pilots and supervision keys (pilot-registry.ts).
  RegisterPilot: 30,
  UpdatePilot: 31,
  ExitPilot: 32,
  SetSupervisionKey: 33,
} as const;
export type ProposalKindId = (typeof ProposalKind)[keyof typeof ProposalKind];

export type ProposalAction =
  | { readonly kind: 'setSystemConfig'; readonly key: string; readonly value: string }
  /** Adds a member, changes its weight, or removes it with weight 0. */
  | { readonly kind: 'updateCommitteeMember'; readonly member: Uint8Array; readonly weight: number }
  | { readonly kind: 'setVotingRules'; readonly rules: VotingRules }
  | PermissionAction
  | PilotAction
  | NodeAction;

/** Node admission (node-manager.ts): each names one node by its 64-byte node id. */
type NodeActionOf<K> = { readonly kind: K; readonly nodeId: Uint8Array };
export const NODE_ACTION_KINDS = ['addValidator', 'addObserver', 'demoteToObserver', 'removeNode'] as const;
type NodeActionKind = (typeof NODE_ACTION_KINDS)[number];
export type NodeAction = { [K in NodeActionKind]: NodeActionOf<K> }[NodeActionKind];

export function isNodeAction(a: ProposalAction): a is NodeAction {
  return (NODE_ACTION_KINDS as readonly string[]).includes(a.kind);
}

interface KindSpec<A extends { readonly kind: string }> {
  readonly id: ProposalKindId;
  /** The Solidity-like name shown in reasons and docs. */
  readonly title: string;
  readonly types: readonly string[];
  fromAbi(values: AbiValue[]): A;
  toAbi(action: A): AbiValue[];
  /** Throws a message (without the kind's name) when the action could never be executed. */
  check(action: A): void;
}

type Spec = { [K in ProposalAction['kind']]: KindSpec<Extract<ProposalAction, { kind: K }>> };
type PermissionSpec = { [K in PermissionAction['kind']]: KindSpec<Extract<ProposalAction, { kind: K }>> };

/** Account/contract kinds whose payload is (address, string reason). */
function reasoned<K extends 'freezeAccount' | 'unfreezeAccount' | 'abolishAccount'>(
  id: ProposalKindId,
  kind: K,
  name: string,
) {
  return {
    id,
    title: `${name}(address account, string reason)`,
    types: ['address', 'string'],
    fromAbi: ([account, reason]: AbiValue[]) => ({ kind, account: account as Uint8Array, reason: reason as string }),
    toAbi: (a: { account: Uint8Array; reason: string }) => [a.account, a.reason],
    check: (a: { reason: string }) => checkReason(a.reason),
  };
}
function contractReasoned<K extends 'freezeContract' | 'unfreezeContract'>(id: ProposalKindId, kind: K, name: string) {
  return {
    id,
    title: `${name}(address contractAddress, string reason)`,
    types: ['address', 'string'],
    fromAbi: ([contract, reason]: AbiValue[]) => ({ kind, contract: contract as Uint8Array, reason: reason as string }),
    toAbi: (a: { contract: Uint8Array; reason: string }) => [a.contract, a.reason],
    check: (a: { reason: string }) => checkReason(a.reason),
  };
}
function deployer<K extends 'allowDeployer' | 'disallowDeployer'>(id: ProposalKindId, kind: K, name: string) {
  return {
    id,
    title: `${name}(address account)`,
    types: ['address'],
    fromAbi: ([account]: AbiValue[]) => ({ kind, account: account as Uint8Array }),
    toAbi: (a: { account: Uint8Array }) => [a.account],
    check: () => {},
  };
}

const PERMISSION_SPECS = (): PermissionSpec => ({
  freezeAccount: reasoned(ProposalKind.FreezeAccount, 'freezeAccount', 'FreezeAccount'),
  unfreezeAccount: reasoned(ProposalKind.UnfreezeAccount, 'unfreezeAccount', 'UnfreezeAccount'),
  abolishAccount: reasoned(ProposalKind.AbolishAccount, 'abolishAccount', 'AbolishAccount'),
  setDeployPolicy: {
    id: ProposalKind.SetDeployPolicy,
    title: 'SetDeployPolicy(uint8 mode)',
    types: ['uint8'],
    fromAbi: ([mode]) => ({ kind: 'setDeployPolicy', mode: Number(mode as bigint) as DeployPolicyCode }),
    toAbi: (a) => [BigInt(a.mode)],
    check: (a) => {
      if (a.mode !== DeployPolicy.Open && a.mode !== DeployPolicy.Allowlist)
        throw new Error(`mode must be 0 (open) or 1 (allowlist), got ${a.mode}`);
    },
  },
  allowDeployer: deployer(ProposalKind.AllowDeployer, 'allowDeployer', 'AllowDeployer'),
  disallowDeployer: deployer(ProposalKind.DisallowDeployer, 'disallowDeployer', 'DisallowDeployer'),
  freezeContract: contractReasoned(ProposalKind.FreezeContract, 'freezeContract', 'FreezeContract'),
  unfreezeContract: contractReasoned(ProposalKind.UnfreezeContract, 'unfreezeContract', 'UnfreezeContract'),
  setMethodAcl: {
    id: ProposalKind.SetMethodAcl,
    title: 'SetMethodAcl(address contractAddress, bytes4 selector, uint8 mode, bytes accounts)',
    types: ['address', 'bytes4', 'uint8', 'bytes'],
    fromAbi: ([contract, selector, mode, packed]) => ({
      kind: 'setMethodAcl',
      contract: contract as Uint8Array,
      selector: selector as Uint8Array,
      mode: Number(mode as bigint) as AclModeCode,
      accounts: splitAccounts(packed as Uint8Array),
    }),
    toAbi: (a) => [a.contract, a.selector, BigInt(a.mode), packAccounts(a.accounts)],
    check: (a) => checkAclArgs(a.mode, a.accounts),
  },
});

type PilotSpecs = { [K in PilotAction['kind']]: KindSpec<Extract<ProposalAction, { kind: K }>> };

/** A pilot id: ids past 2^53 cannot exist, so they read as 0, which no pilot has. */
const pilotIdOf = (v: AbiValue) => ((v as bigint) > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(v as bigint));

const PILOT_SPECS = (): PilotSpecs => ({
  registerPilot: {
    id: ProposalKind.RegisterPilot,
    title: `RegisterPilot(${PILOT_SPEC_ABI})`,
    types: PILOT_SPEC_TYPES,
    fromAbi: (v) => ({ kind: 'registerPilot', spec: pilotSpecFromAbi(v) }),
    toAbi: (a) => pilotSpecToAbi(a.spec),
    check: checkPilotAction,
  },
  updatePilot: {
    id: ProposalKind.UpdatePilot,
    title: `UpdatePilot(uint64 id, ${PILOT_SPEC_ABI})`,
    types: ['uint64', ...PILOT_SPEC_TYPES],
    fromAbi: ([id, ...v]) => ({ kind: 'updatePilot', id: pilotIdOf(id), spec: pilotSpecFromAbi(v) }),
    toAbi: (a) => [BigInt(a.id), ...pilotSpecToAbi(a.spec)],
    check: checkPilotAction,
  },
  exitPilot: {
    id: ProposalKind.ExitPilot,
    title: 'ExitPilot(uint64 id, string reason)',
    types: ['uint64', 'string'],
    fromAbi: ([id, reason]) => ({ kind: 'exitPilot', id: pilotIdOf(id), reason: reason as string }),
    toAbi: (a) => [BigInt(a.id), a.reason],
    check: checkPilotAction,
  },
  setSupervisionKey: {
    id: ProposalKind.SetSupervisionKey,
    title: 'SetSupervisionKey(address regulator, bytes publicKey)',
    types: ['address', 'bytes'],
    fromAbi: ([regulator, publicKey]) => ({
      kind: 'setSupervisionKey',
      regulator: regulator as Uint8Array,
      publicKey: publicKey as Uint8Array,
    }),
    toAbi: (a) => [a.regulator, a.publicKey],
    check: checkPilotAction,
  },
});

const SPECS: Spec = {
  setSystemConfig: {
    id: ProposalKind.SetSystemConfig,
    title: 'SetSystemConfig(string key, string value)',
    types: ['string', 'string'],
    fromAbi: ([key, value]) => ({ kind: 'setSystemConfig', key: key as string, value: value as string }),
    toAbi: (a) => [a.key, a.value],
    check: (a) => void parseSystemConfigValue(a.key, a.value),
  },
  updateCommitteeMember: {
    id: ProposalKind.UpdateCommitteeMember,
    title: 'UpdateCommitteeMember(address member, uint32 weight)',
    types: ['address', 'uint32'],
    fromAbi: ([member, weight]) => ({
      kind: 'updateCommitteeMember',
      member: member as Uint8Array,
      weight: Number(weight as bigint),
    }),
    toAbi: (a) => [a.member, BigInt(a.weight)],
    check: (a) => {
      if (a.weight > COMMITTEE_BOUNDS.maxWeight)
        throw new Error(`weight must be 0 (remove) to ${COMMITTEE_BOUNDS.maxWeight}, got ${a.weight}`);
    },
  },
  setVotingRules: {
    id: ProposalKind.SetVotingRules,
    title: 'SetVotingRules(uint8 participationPercent, uint8 approvalPercent, uint64 proposalLifetimeBlocks)',
    types: ['uint8', 'uint8', 'uint64'],
    fromAbi: ([p, a, l]) => ({
      kind: 'setVotingRules',
      rules: {
        participationPercent: Number(p as bigint),
        approvalPercent: Number(a as bigint),
        // Beyond 2^53 cannot be a valid lifetime; check() refuses it before any arithmetic.
        proposalLifetimeBlocks: (l as bigint) > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(l),
      },
    }),
    toAbi: (a) => [
      BigInt(a.rules.participationPercent),
      BigInt(a.rules.approvalPercent),
      BigInt(a.rules.proposalLifetimeBlocks),
    ],
    check: ({ rules: r }) => {
      if (r.participationPercent > COMMITTEE_BOUNDS.maxPercent)
        throw new Error(`participation must be 0..100 percent, got ${r.participationPercent}`);
      if (r.approvalPercent < COMMITTEE_BOUNDS.minApprovalPercent || r.approvalPercent > COMMITTEE_BOUNDS.maxPercent)
        throw new Error(
          `approval must be ${COMMITTEE_BOUNDS.minApprovalPercent}..100 percent, got ${r.approvalPercent}`,
        );
      if (r.proposalLifetimeBlocks < 1 || r.proposalLifetimeBlocks > COMMITTEE_BOUNDS.maxLifetimeBlocks)
        throw new Error(
          `proposal lifetime must be 1..${COMMITTEE_BOUNDS.maxLifetimeBlocks} blocks, got ${r.proposalLifetimeBlocks}`,
        );
    },
  },
  ...PERMISSION_SPECS(),
  addValidator: nodeKind('addValidator', ProposalKind.AddValidator, 'AddValidator'),
  addObserver: nodeKind('addObserver', ProposalKind.AddObserver, 'AddObserver'),
  demoteToObserver: nodeKind('demoteToObserver', ProposalKind.DemoteToObserver, 'DemoteToObserver'),
  removeNode: nodeKind('removeNode', ProposalKind.RemoveNode, 'RemoveNode'),
  ...PILOT_SPECS(),
};

/** The spec of a node admission kind: one `bytes nodeId` argument, 64 bytes long. */
function nodeKind<K extends NodeActionKind>(kind: K, id: ProposalKindId, name: string): KindSpec<NodeActionOf<K>> {
  return {
    id,
    title: `${name}(bytes nodeId)`,
    types: ['bytes'],
    fromAbi: ([nodeId]) => ({ kind, nodeId: nodeId as Uint8Array }),
    toAbi: (a) => [a.nodeId],
    check: (a) => {
      if (a.nodeId.length !== NODE_ID_BYTES)
        throw new Error(`a node id is ${NODE_ID_BYTES} bytes (an uncompressed public key), got ${a.nodeId.length}`);
      if (!isNodeIdPoint(a.nodeId)) throw new Error(`node id ${toHex(a.nodeId)} is not a point on secp256k1`);
    },
  };
}

const BY_ID = new Map<number, KindSpec<ProposalAction>>(
  Object.values(SPECS).map((s) => [s.id, s as KindSpec<ProposalAction>]),
);

/** Why a proposal was refused before it was stored; the committee contract turns it into a revert reason. */
export class ProposalPayloadError extends Error {
  override name = 'ProposalPayloadError';
}

/**
 * Decodes and checks a proposal. The payload must be exactly the ABI encoding of the kind's
 * arguments (no trailing or dirty bytes), so one action has one stored form.
 */
export function decodeProposal(kind: number, payload: Uint8Array): ProposalAction {
  const spec = BY_ID.get(kind);
  if (!spec)
    throw new ProposalPayloadError(
      `unknown proposal kind ${kind} (known: ${[...BY_ID.values()].map((s) => `${s.id} ${s.title}`).join(', ')})`,
    );
  let action: ProposalAction;
  try {
    const values = decodeAbi(spec.types, payload);
    if (!equalBytes(encodeAbi(spec.types, values), payload)) throw new Error('trailing bytes');
    action = spec.fromAbi(values);
  } catch (e) {
    throw new ProposalPayloadError(`bad payload for ${spec.title}: not its ABI encoding (${(e as Error).message})`);
  }
  try {
    spec.check(action);
  } catch (e) {
    throw new ProposalPayloadError(`bad payload for ${spec.title}: ${(e as Error).message}`);
  }
  return action;
}

/** The `kind` and `payload` arguments of `propose` for an action (for the CLI and tests). */
export function encodeProposal(action: ProposalAction): { kind: ProposalKindId; payload: Uint8Array } {
  const spec = SPECS[action.kind] as KindSpec<ProposalAction>;
  return { kind: spec.id, payload: encodeAbi(spec.types, spec.toAbi(action)) };
}

/** A JSON view of an action (RPC, CLI). */
export function actionJson(
  action: ProposalAction,
):
  | { type: 'freezeAccount' | 'unfreezeAccount' | 'abolishAccount'; account: string; reason: string }
  | { type: 'setDeployPolicy'; mode: 'open' | 'allowlist' }
  | { type: 'allowDeployer' | 'disallowDeployer'; account: string }
  | { type: 'freezeContract' | 'unfreezeContract'; contract: string; reason: string }
  | { type: 'setMethodAcl'; contract: string; selector: string; mode: 'clear' | 'allow' | 'deny'; accounts: string[] }
  | { type: 'setSystemConfig'; key: string; value: string }
  | { type: 'updateCommitteeMember'; member: string; weight: number }
  | { type: 'setVotingRules'; participationPercent: number; approvalPercent: number; proposalLifetimeBlocks: number }
  | { type: NodeAction['kind']; nodeId: string }
  | ({ type: 'registerPilot' } & PilotSpecJson)
  | ({ type: 'updatePilot'; id: number } & PilotSpecJson)
  | { type: 'exitPilot'; id: number; reason: string }
  | { type: 'setSupervisionKey'; regulator: string; publicKey: string } {
  switch (action.kind) {
    case 'setSystemConfig':
      return { type: action.kind, key: action.key, value: action.value };
    case 'updateCommitteeMember':
      return { type: action.kind, member: toHex(action.member), weight: action.weight };
    case 'setVotingRules':
      return { type: action.kind, ...action.rules };
    case 'freezeAccount':
    case 'unfreezeAccount':
    case 'abolishAccount':
      return { type: action.kind, account: toHex(action.account), reason: action.reason };
    case 'setDeployPolicy':
      return { type: action.kind, mode: DEPLOY_POLICY_NAMES[action.mode] };
    case 'allowDeployer':
    case 'disallowDeployer':
      return { type: action.kind, account: toHex(action.account) };
    case 'freezeContract':
    case 'unfreezeContract':
      return { type: action.kind, contract: toHex(action.contract), reason: action.reason };
    case 'setMethodAcl':
      return {
        type: action.kind,
        contract: toHex(action.contract),
        selector: toHex(action.selector),
        mode: ACL_MODE_NAMES[action.mode],
        accounts: action.accounts.map(toHex),
      };
    case 'addValidator':
    case 'addObserver':
    case 'demoteToObserver':
    case 'removeNode':
      return { type: action.kind, nodeId: toHex(action.nodeId) };
    case 'registerPilot':
      return { type: action.kind, ...pilotSpecJson(action.spec) };
    case 'updatePilot':
      return { type: action.kind, id: action.id, ...pilotSpecJson(action.spec) };
    case 'exitPilot':
      return { type: action.kind, id: action.id, reason: action.reason };
    case 'setSupervisionKey':
      return { type: action.kind, regulator: toHex(action.regulator), publicKey: toHex(action.publicKey) };
  }
}

/** A pilot spec as JSON: limits as decimal strings (uint256), hard limits by name. */
export interface PilotSpecJson {
  name: string;
  institutions: string[];
  contracts: string[];
  jurisdictions: string[];
  startMs: number;
  endMs: number;
  limits: { perTxCap: string; dailyCap: string; hard: { perTxCap: boolean; dailyCap: boolean; participants: boolean } };
}

export function pilotSpecJson(s: PilotSpec): PilotSpecJson {
  return {
    name: s.name,
    institutions: s.institutions.map(toHex),
    contracts: s.contracts.map(toHex),
    jurisdictions: [...s.jurisdictions],
    startMs: s.startMs,
    endMs: s.endMs,
    limits: {
      perTxCap: s.limits.perTxCap.toString(),
      dailyCap: s.limits.dailyCap.toString(),
      hard: {
        perTxCap: (s.limits.hard & HardLimit.PerTxCap) !== 0,
        dailyCap: (s.limits.hard & HardLimit.DailyCap) !== 0,
        participants: (s.limits.hard & HardLimit.Participants) !== 0,
      },
    },
  };
}
