import type { Command } from 'commander';
import { selector } from '../../../node/abi/codec.js';
import { fromHex, toHex } from '../../../node/codec/hex.js';
import { SystemAddress } from '../../../node/exec/addresses.js';
import { AclMode, type AclModeCode } from '../../../node/exec/system/permissions-state.js';
import { accountManagerContract, contractAuthContract, packAccounts } from '../../../node/exec/system/permissions.js';
import type { Result } from '../../../node/rpc/schema.js';
import { RpcClient } from '../../client/rpc-client.js';
import { defineCommand } from '../command-table.js';
import { CliError, print } from '../output.js';
import { DEFAULT_RPC, type SendOptions, withSendOptions } from '../send-options.js';
import { sendProposal, sendSystemCall } from './gov.js';
import { unlockAccount } from '../signer.js';

/**
 * `lingding account`, `lingding contract freeze|unfreeze|acl` and `lingding permissions`:
 * freezes and ACLs, sent directly by whoever has the standing (a regulator freezes, a
 * contract's admin sets its ACLs) and otherwise proposed to the committee.
 */
const am = accountManagerContract.iface;
const ca = contractAuthContract.iface;

type ReasonOptions = SendOptions & { reason: string };

const KEYSTORE_HELP = "a regulator's account keystore (acts at once) or a committee member's (proposes)";

function address(v: string, what = 'address'): Uint8Array {
  try {
    return fromHex(v, what, 20);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** A read-only call to a system contract as `from`, decoded. */
async function view(o: { rpc: string }, to: Uint8Array, data: string, from: Uint8Array) {
  const r = await new RpcClient(o.rpc).call('call', [{ to: toHex(to), data, from: toHex(from) }]);
  if (r.status !== 0) throw new CliError(`reading ${toHex(to)} failed: ${r.message}`);
  return r.output;
}

async function isRegulator(o: { rpc: string }, who: Uint8Array): Promise<boolean> {
  const out = await view(o, SystemAddress.AccountManager, am.encodeFunctionData('isRegulator', [toHex(who)]), who);
  return am.decodeFunctionResult('isRegulator', out)[0] as boolean;
}

/** Freezes directly when the keystore is a regulator's account, else proposes `kind` to the committee. */
async function freeze(o: ReasonOptions, target: Uint8Array, what: 'account' | 'contract') {
  const { secret, address: me } = await unlockAccount(o);
  if (await isRegulator(o, me)) {
    const data =
      what === 'account'
        ? am.encodeFunctionData('freezeAccount', [toHex(target), o.reason])
        : ca.encodeFunctionData('freezeContract', [toHex(target), o.reason]);
    const to = what === 'account' ? SystemAddress.AccountManager : SystemAddress.ContractAuth;
    return sendSystemCall(o, to, data, () => [['frozen', `${toHex(target)} (as regulator ${toHex(me)})`]], secret);
  }
  return sendProposal(
    o,
    what === 'account'
      ? { kind: 'freezeAccount', account: target, reason: o.reason }
      : { kind: 'freezeContract', contract: target, reason: o.reason },
    secret,
  );
}

function withReason(c: Command): Command {
  return withSendOptions(c, KEYSTORE_HELP).requiredOption('--reason <text>', 'why (recorded on chain, 1..256 bytes)');
}

export function registerPermissionCommands(program: Command): void {
  const account = defineCommand(program, 'account');
  withReason(
    account
      .command('freeze <address>')
      .description('freeze an account: at once as a regulator, else as a committee proposal'),
  ).action((a: string, o: ReasonOptions) => freeze(o, address(a), 'account'));
  withReason(account.command('unfreeze <address>').description('propose to unfreeze a frozen account')).action(
    (a: string, o: ReasonOptions) =>
      sendProposal(o, { kind: 'unfreezeAccount', account: address(a), reason: o.reason }),
  );
  withReason(account.command('abolish <address>').description('propose to abolish an account (final)')).action(
    (a: string, o: ReasonOptions) => sendProposal(o, { kind: 'abolishAccount', account: address(a), reason: o.reason }),
  );

  defineCommand(program, 'permissions')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (o: { rpc: string; json?: boolean }) => {
      const p = await new RpcClient(o.rpc).call('getPermissions');
      print(o, p, () => permissionsText(p));
    });
}

/** `contract freeze|unfreeze|acl`, added to the `contract` command by contract.ts. */
export function registerContractControls(contract: Command): void {
  withReason(
    contract
      .command('freeze <address>')
      .description('freeze a contract: at once as a regulator, else as a committee proposal'),
  ).action((a: string, o: ReasonOptions) => freeze(o, address(a), 'contract'));
  withReason(contract.command('unfreeze <address>').description('propose to unfreeze a frozen contract')).action(
    (a: string, o: ReasonOptions) =>
      sendProposal(o, { kind: 'unfreezeContract', contract: address(a), reason: o.reason }),
  );
  withSendOptions(
    contract
      .command('acl <address> <method> <mode> [accounts...]')
      .description(
        "set who may call one method (a 0x selector or a signature like 'transfer(address,uint256)'): allow (only these), deny (all but these) or clear; directly as the contract's admin, else as a committee proposal",
      ),
    "the contract admin's (its deployer's) or a committee member's account keystore",
  ).action(async (a: string, method: string, mode: string, accounts: string[], o: SendOptions) => {
    const contractAddress = address(a);
    const sel = /^0x[0-9a-fA-F]{8}$/.test(method) ? fromHex(method) : selector(method);
    const modes: Record<string, AclModeCode> = { allow: AclMode.Allow, deny: AclMode.Deny, clear: AclMode.Clear };
    const m = modes[mode];
    if (m === undefined) throw new CliError(`mode must be allow, deny or clear, got '${mode}'`);
    const list = accounts.map((x) => address(x, 'account'));
    const { secret, address: me } = await unlockAccount(o);
    const out = await view(
      o,
      SystemAddress.ContractAuth,
      ca.encodeFunctionData('adminOf', [toHex(contractAddress)]),
      me,
    );
    const admin = ca.decodeFunctionResult('adminOf', out)[0] as string;
    if (admin.toLowerCase() === toHex(me))
      return sendSystemCall(
        o,
        SystemAddress.ContractAuth,
        ca.encodeFunctionData('setMethodAcl', [toHex(contractAddress), sel, m, packAccounts(list)]),
        () => [['acl', `${mode} ${toHex(sel)} of ${toHex(contractAddress)} (as its admin)`]],
        secret,
      );
    return sendProposal(
      o,
      { kind: 'setMethodAcl', contract: contractAddress, selector: sel, mode: m, accounts: list },
      secret,
    );
  });
}

type Permissions = Result<'getPermissions'>;

function by(d: { setBy: string; blockNumber: number; proposalId: number | null; transactionHash: string | null }) {
  return `block ${d.blockNumber}, ${d.proposalId !== null ? `proposal ${d.proposalId}` : `by ${d.setBy} in ${d.transactionHash}`}`;
}

function more(list: { total: number; entries: readonly unknown[] }): string[] {
  return list.total > list.entries.length ? [`  … ${list.total - list.entries.length} more (JSON: --json)`] : [];
}

function permissionsText(p: Permissions): string {
  const c = p.committee;
  return [
    `permissions at block ${p.blockNumber}`,
    `committee: participation ${c.participationPercent}%, approval ${c.approvalPercent}%, lifetime ${c.proposalLifetimeBlocks} blocks${c.rulesProposalId ? ` (rules: proposal ${c.rulesProposalId})` : ''}`,
    ...c.members.map(
      (m) =>
        `  ${m.address}  weight ${m.weight}${m.proposalId ? ` (proposal ${m.proposalId}, block ${m.blockNumber})` : ''}`,
    ),
    ...c.powers.map((x) => `  may: ${x}`),
    'regulators:',
    ...(p.regulators.length
      ? p.regulators.map((r) => `  ${r.account}  ${r.name} (${r.jurisdiction}): ${r.powers.join('; ')}`)
      : ['  none']),
    `deploy policy: ${p.deployPolicy.mode}${p.deployPolicy.setAt ? ` (${by(p.deployPolicy.setAt)})` : ' (since genesis)'}`,
    ...p.deployers.entries.map((d) => `  may deploy: ${d.account} (${by(d)})`),
    ...more(p.deployers),
    `frozen or abolished accounts: ${p.restrictedAccounts.total}`,
    ...p.restrictedAccounts.entries.map((r) => `  ${r.account}  ${r.status} (${by(r)}): ${r.reason}`),
    ...more(p.restrictedAccounts),
    `frozen contracts: ${p.frozenContracts.total}`,
    ...p.frozenContracts.entries.map((r) => `  ${r.contract} (${by(r)}): ${r.reason}`),
    ...more(p.frozenContracts),
    `method ACLs: ${p.methodAcls.total}`,
    ...p.methodAcls.entries.map(
      (a) => `  ${a.contract} ${a.selector} ${a.mode} ${a.accounts.join(' ') || '(nobody)'} (${by(a)})`,
    ),
    ...more(p.methodAcls),
  ].join('\n');
}
