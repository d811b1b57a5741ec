import type { Command } from 'commander';
import { fromHex, toHex } from '../../../node/codec/hex.js';
import { SystemAddress } from '../../../node/exec/addresses.js';
import { committeeContract } from '../../../node/exec/system/committee.js';
import { accountManagerContract, contractAuthContract } from '../../../node/exec/system/permissions.js';
import { pilotRegistryContract } from '../../../node/exec/system/pilot-registry.js';
import { DEPLOY_POLICY_NAMES, type DeployPolicyCode } from '../../../node/exec/system/permissions-state.js';
import { PROPOSAL_STATUS_NAMES, type ProposalStatusName } from '../../../node/exec/system/committee-state.js';
import { encodeProposal, type NodeAction, type ProposalAction } from '../../../node/exec/system/proposal-kinds.js';
import type { Receipt, Result } from '../../../node/rpc/schema.js';
import { RpcClient } from '../../client/rpc-client.js';
import { defineCommand } from '../command-table.js';
import { CliError, kv, print } from '../output.js';
import { DEFAULT_RPC, type SendOptions, withSendOptions } from '../send-options.js';
import { nodeIdArg } from './genesis.js';
import { addPilotProposals } from './pilots.js';
import { sendSigned, signAndSend } from './tx.js';

/**
 * `lingding gov`: committee governance. Members propose, vote and revoke with their
 * keystore; anyone reads the committee and its proposals (getCommittee, getProposal(s)).
 */
const iface = committeeContract.iface;

export function uintArg(name: string, v: string): number {
  if (!/^[0-9]{1,15}$/.test(v)) throw new CliError(`${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** The system contracts whose events a governance transaction may emit. */
const EVENT_IFACES = [iface, accountManagerContract.iface, contractAuthContract.iface, pilotRegistryContract.iface];

function eventLine(l: Receipt['logs'][number]): string {
  for (const i of EVENT_IFACES) {
    const ev = i.parseLog(l);
    if (ev) return `${ev.name}(${ev.args.map((a) => String(a)).join(', ')})`;
  }
  return l.topics[0];
}

/**
 * Sends one call to a system contract (signed by `secret`, or by the keystore unlocked
 * here), prints the receipt with its events, and fails on a revert.
 */
export async function sendSystemCall(
  o: SendOptions,
  to: Uint8Array,
  data: string,
  what: (r: Receipt) => Array<[string, unknown]>,
  secret?: Uint8Array,
) {
  const input = fromHex(data);
  const { hash, res } = secret ? await sendSigned(o, secret, to, input, true) : await signAndSend(o, to, input, true);
  const r = res as Receipt;
  const events = r.logs.map(eventLine);
  print(o, { ...r, events }, () =>
    kv([
      ['transaction', toHex(hash)],
      ['block', r.blockNumber],
      ['status', `${r.status} (${r.statusText})${r.message ? `: ${r.message}` : ''}`],
      ...(r.status === 0 ? what(r) : []),
      ['events', events.join(' ')],
    ]),
  );
  if (r.status !== 0) process.exitCode = 1;
}

const sendGov = (o: SendOptions, data: string, what: (r: Receipt) => Array<[string, unknown]>) =>
  sendSystemCall(o, SystemAddress.Committee, data, what);

/** Proposes `action` to the committee (your proposal is your vote for it). */
export async function sendProposal(o: SendOptions, action: ProposalAction, secret?: Uint8Array) {
  const { kind, payload } = encodeProposal(action);
  await sendSystemCall(
    o,
    SystemAddress.Committee,
    iface.encodeFunctionData('propose', [kind, payload]),
    (r) => [['proposal', Number(iface.decodeFunctionResult('propose', r.output)[0])]],
    secret,
  );
}

/** `lingding node add-validator|add-observer|demote|remove`: the committee proposal that does it. */
export function proposeNodeChange(kind: NodeAction['kind'], nodeIdOrKeyFile: string, o: SendOptions) {
  return sendProposal(o, { kind, nodeId: fromHex(nodeIdArg(nodeIdOrKeyFile), 'node id', 64) });
}

type ProposalJson = NonNullable<Result<'getProposal'>>;

function proposalLine(p: ProposalJson): string {
  const a = p.action;
  const what =
    a.type === 'setSystemConfig'
      ? `set-config ${a.key}=${a.value}`
      : a.type === 'updateCommitteeMember'
        ? `member ${a.member} weight ${a.weight}`
        : a.type === 'setVotingRules'
          ? `rules participation ${a.participationPercent}% approval ${a.approvalPercent}% lifetime ${a.proposalLifetimeBlocks}`
          : 'nodeId' in a
            ? `${a.type} ${a.nodeId}`
            : [a.type, ...Object.entries(a).flatMap(([k, v]) => (k === 'type' ? [] : [`${k}=${String(v)}`]))].join(' ');
  return `#${p.id}  ${p.status.padEnd(8)}  ${what}  (for ${p.forWeight} / against ${p.againstWeight} of ${p.totalWeight})`;
}

export function registerGovCommands(program: Command): void {
  const gov = defineCommand(program, 'gov');
  const propose = gov.command('propose').description('propose a change; your proposal counts as your vote for it');

  withSendOptions(
    propose
      .command('set-config <key> <value>')
      .description('set a system config value (tx_count_limit, tx_gas_limit, block_gas_limit, block_bytes_limit)'),
  ).action((key: string, value: string, o: SendOptions) => sendProposal(o, { kind: 'setSystemConfig', key, value }));

  withSendOptions(
    propose
      .command('member <address> <weight>')
      .description('add a member, change its weight, or remove it (weight 0)'),
  ).action((address: string, weight: string, o: SendOptions) =>
    sendProposal(o, {
      kind: 'updateCommitteeMember',
      member: fromHex(address, 'address', 20),
      weight: uintArg('weight', weight),
    }),
  );

  withSendOptions(
    propose
      .command('rules <participation> <approval> <lifetime>')
      .description(
        'set the voting rules: participation % of all weight, approval % of the voting weight, lifetime in blocks',
      ),
  ).action((participation: string, approval: string, lifetime: string, o: SendOptions) =>
    sendProposal(o, {
      kind: 'setVotingRules',
      rules: {
        participationPercent: uintArg('participation', participation),
        approvalPercent: uintArg('approval', approval),
        proposalLifetimeBlocks: uintArg('lifetime', lifetime),
      },
    }),
  );

  withSendOptions(
    propose.command('deploy-policy <mode>').description('who may deploy contracts: open (anyone) or allowlist'),
  ).action((mode: string, o: SendOptions) => {
    if (mode !== 'open' && mode !== 'allowlist') throw new CliError(`mode must be open or allowlist, got '${mode}'`);
    return sendProposal(o, { kind: 'setDeployPolicy', mode: DEPLOY_POLICY_NAMES.indexOf(mode) as DeployPolicyCode });
  });

  for (const [name, kind, what] of [
    ['allow-deployer', 'allowDeployer', 'put an account on the deployer allow-list'],
    ['disallow-deployer', 'disallowDeployer', 'take an account off the deployer allow-list'],
  ] as const)
    withSendOptions(propose.command(`${name} <address>`).description(what)).action((address: string, o: SendOptions) =>
      sendProposal(o, { kind, account: fromHex(address, 'address', 20) }),
    );

  addPilotProposals(propose);

  withSendOptions(gov.command('vote <id> <choice>').description('vote yes or no on an open proposal')).action(
    (id: string, choice: string, o: SendOptions) => {
      if (choice !== 'yes' && choice !== 'no') throw new CliError(`vote yes or no, got '${choice}'`);
      return sendGov(o, iface.encodeFunctionData('vote', [uintArg('id', id), choice === 'yes']), (r) => [
        ['proposal', `${id} ${PROPOSAL_STATUS_NAMES[Number(iface.decodeFunctionResult('vote', r.output)[0])]}`],
      ]);
    },
  );

  withSendOptions(gov.command('revoke <id>').description('revoke an open proposal you made')).action(
    (id: string, o: SendOptions) => sendGov(o, iface.encodeFunctionData('revoke', [uintArg('id', id)]), () => []),
  );

  withSendOptions(
    gov
      .command('execute <id>')
      .description('execute an open proposal that passes without a new vote (the committee or its rules changed)'),
  ).action((id: string, o: SendOptions) =>
    sendGov(o, iface.encodeFunctionData('execute', [uintArg('id', id)]), () => []),
  );

  withSendOptions(
    gov
      .command('consent <id>')
      .description("a regulator's consent to a proposal that removes or demotes a regulator's node"),
    "a regulator's account keystore",
  ).action((id: string, o: SendOptions) =>
    sendGov(o, iface.encodeFunctionData('consent', [uintArg('id', id)]), () => []),
  );

  gov
    .command('list')
    .description('the committee and its proposals, newest first')
    .option('--status <status>', `only proposals with this status (${PROPOSAL_STATUS_NAMES.join(', ')})`)
    .option('--from <id>', 'start at this proposal id and go back')
    .option('--count <n>', 'at most this many proposals (1..100)', '20')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; from?: string; count: string; rpc: string; json?: boolean }) => {
      if (o.status !== undefined && !(PROPOSAL_STATUS_NAMES as readonly string[]).includes(o.status))
        throw new CliError(`--status must be one of ${PROPOSAL_STATUS_NAMES.join(', ')}, got '${o.status}'`);
      const client = new RpcClient(o.rpc);
      const committee = await client.call('getCommittee');
      const page = await client.call('getProposals', [
        {
          ...(o.status ? { status: o.status as ProposalStatusName } : {}),
          ...(o.from ? { from: uintArg('--from', o.from) } : {}),
          count: uintArg('--count', o.count),
        },
      ]);
      print(o, { committee, ...page }, () =>
        [
          `committee at block ${committee.blockNumber}: participation ${committee.participationPercent}%, approval ${committee.approvalPercent}%, lifetime ${committee.proposalLifetimeBlocks} blocks`,
          ...committee.members.map((m) => `  ${m.address}  weight ${m.weight}`),
          '',
          ...(page.proposals.length ? page.proposals.map(proposalLine) : ['no proposals']),
          ...(page.next ? [`more: --from ${page.next}`] : []),
        ].join('\n'),
      );
    });

  gov
    .command('show <id>')
    .description('one proposal: what it does, who proposed it, every vote and its status')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (id: string, o: { rpc: string; json?: boolean }) => {
      const p = await new RpcClient(o.rpc).call('getProposal', [uintArg('id', id)]);
      if (!p) throw new CliError(`no proposal ${id}`);
      print(o, p, () =>
        kv([
          ['proposal', proposalLine(p)],
          ['action', p.action],
          ['proposer', p.proposer],
          ['created', `block ${p.createdAt}; accepts votes until block ${p.expiresAt - 1}`],
          ['ended', p.endedAt === null ? '-' : `block ${p.endedAt}`],
          ...p.votes.map((v, i): [string, unknown] => [
            i === 0 ? 'votes' : '',
            `${v.voter} ${v.agree ? 'yes' : 'no'} (block ${v.blockNumber})`,
          ]),
        ]),
      );
    });
}
