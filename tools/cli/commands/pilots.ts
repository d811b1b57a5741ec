import type { Command } from 'commander';
import { fromHex } from '../../../node/codec/hex.js';
import { SystemAddress } from '../../../node/exec/addresses.js';
import { pilotRegistryContract } from '../../../node/exec/system/pilot-registry.js';
import { PILOT_STATUS_NAMES } from '../../../node/exec/system/pilot-state.js';
import type { Result } from '../../../node/rpc/schema.js';
import { RpcClient } from '../../client/rpc-client.js';
import { CliError, kv, print } from '../output.js';
import { readPilotSpecFile } from '../pilot-spec.js';
import { DEFAULT_RPC, type SendOptions, withSendOptions } from '../send-options.js';
import { sendProposal, sendSystemCall, uintArg } from './gov.js';

/**
 * Pilots (design decisions 1-5): `lingding gov propose register-pilot|update-pilot|exit-pilot|
 * set-supervision-key`, proposed to the committee, and `lingding regulator pilots|pilot|
 * suspend|resume`: anyone reads pilots (getPilots, getPilot), a supervising regulator
 * suspends and resumes with its own transaction.
 */
const registry = pilotRegistryContract.iface;

type Pilot = NonNullable<Result<'getPilot'>>;

function hexArg(what: string, v: string, bytes: number): Uint8Array {
  try {
    return fromHex(v, what, bytes);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** The kinds 30-33 under `gov propose` (gov.ts adds them). */
export function addPilotProposals(propose: Command): void {
  withSendOptions(
    propose
      .command('register-pilot <spec>')
      .description('register a pilot from a spec file (JSON: docs/governance.md, "Pilot spec files")'),
  ).action((file: string, o: SendOptions) => sendProposal(o, { kind: 'registerPilot', spec: readPilotSpecFile(file) }));

  withSendOptions(
    propose
      .command('update-pilot <id> <spec>')
      .description("replace a pilot's whole spec with a spec file's; its status stays"),
  ).action((id: string, file: string, o: SendOptions) =>
    sendProposal(o, { kind: 'updatePilot', id: uintArg('id', id), spec: readPilotSpecFile(file) }),
  );

  withSendOptions(
    propose.command('exit-pilot <id>').description('end a pilot for good; calls to its contracts revert from then on'),
  )
    .requiredOption('--reason <text>', 'why (recorded on chain, 1..256 bytes)')
    .action((id: string, o: SendOptions & { reason: string }) =>
      sendProposal(o, { kind: 'exitPilot', id: uintArg('id', id), reason: o.reason }),
    );

  withSendOptions(
    propose
      .command('set-supervision-key <regulator> <publicKey>')
      .description(
        "give a genesis regulator's account a new supervision key (0x + 33-byte compressed secp256k1), in force from the next block",
      ),
  ).action((regulator: string, publicKey: string, o: SendOptions) =>
    sendProposal(o, {
      kind: 'setSupervisionKey',
      regulator: hexArg('regulator', regulator, 20),
      publicKey: hexArg('publicKey', publicKey, 33),
    }),
  );
}

const REGULATOR_KEYSTORE = "a supervising regulator's account keystore";

/** `regulator pilots|pilot|suspend|resume`, added to the shared `regulator` group (command-table.ts). */
export function addPilotRegulatorCommands(regulator: Command): void {
  regulator
    .command('pilots')
    .description('the pilots on chain, newest first (getPilots)')
    .option('--status <status>', `only pilots with this status (${PILOT_STATUS_NAMES.join(', ')})`)
    .option('--from <id>', 'start at this pilot id and go back')
    .option('--count <n>', 'at most this many pilots (1..100)', '20')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; from?: string; count: string; rpc: string; json?: boolean }) => {
      if (o.status !== undefined && !(PILOT_STATUS_NAMES as readonly string[]).includes(o.status))
        throw new CliError(`--status must be one of ${PILOT_STATUS_NAMES.join(', ')}, got '${o.status}'`);
      const page = await new RpcClient(o.rpc).call('getPilots', [
        {
          ...(o.status ? { status: o.status as Pilot['status'] } : {}),
          ...(o.from ? { from: uintArg('--from', o.from) } : {}),
          count: uintArg('--count', o.count),
        },
      ]);
      print(o, page, () =>
        [
          ...(page.pilots.length ? page.pilots.map(pilotLine) : ['no pilots']),
          ...(page.next ? [`more: --from ${page.next}`] : []),
        ].join('\n'),
      );
    });

  regulator
    .command('pilot <id>')
    .description('one pilot: its spec, status, last change and supervising regulators (getPilot)')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (id: string, o: { rpc: string; json?: boolean }) => {
      const p = await new RpcClient(o.rpc).call('getPilot', [uintArg('id', id)]);
      if (!p) throw new CliError(`no pilot ${id}`);
      print(o, p, () => pilotText(p));
    });

  withSendOptions(
    regulator
      .command('suspend <id>')
      .description(
        "suspend a pilot at once (a supervising regulator's own transaction): calls to its contracts revert",
      ),
    REGULATOR_KEYSTORE,
  )
    .requiredOption('--reason <text>', 'why (recorded on chain, 1..256 bytes)')
    .action((id: string, o: SendOptions & { reason: string }) =>
      sendSystemCall(
        o,
        SystemAddress.PilotRegistry,
        registry.encodeFunctionData('suspendPilot', [uintArg('id', id), o.reason]),
        () => [['suspended', `pilot ${id}`]],
      ),
    );

  withSendOptions(
    regulator.command('resume <id>').description('resume a suspended pilot (a supervising regulator)'),
    REGULATOR_KEYSTORE,
  ).action((id: string, o: SendOptions) =>
    sendSystemCall(
      o,
      SystemAddress.PilotRegistry,
      registry.encodeFunctionData('resumePilot', [uintArg('id', id)]),
      () => [['resumed', `pilot ${id}`]],
    ),
  );
}

const date = (ms: number) => new Date(ms).toISOString();

function pilotLine(p: Pilot): string {
  return `#${p.id}  ${p.status.padEnd(10)}  ${p.name}  (${p.jurisdictions.join(', ')}; ${p.institutions.length} institutions, ${p.contracts.length} contracts)${p.reason ? `: ${p.reason}` : ''}`;
}

function limitText(cap: string, hard: boolean): string {
  return cap === '0' ? 'none' : `${cap} (${hard ? 'hard' : 'soft'})`;
}

function pilotText(p: Pilot): string {
  const c = p.lastChange;
  return kv([
    ['pilot', pilotLine(p)],
    ['period', `${date(p.startMs)} .. ${date(p.endMs)} (block time, end excluded)`],
    ['per-tx cap', limitText(p.limits.perTxCap, p.limits.hard.perTxCap)],
    ['daily cap', limitText(p.limits.dailyCap, p.limits.hard.dailyCap)],
    ['participants', p.limits.hard.participants ? 'hard (institutions and contracts only)' : 'soft'],
    ['registered', `block ${p.registeredAt}`],
    [
      'last change',
      `block ${c.blockNumber}, ${c.proposalId !== null ? `proposal ${c.proposalId}` : `by ${c.setBy} in ${c.transactionHash}`}`,
    ],
    ...p.institutions.map((a, i): [string, unknown] => [i === 0 ? 'institutions' : '', a]),
    ...p.contracts.map((a, i): [string, unknown] => [i === 0 ? 'contracts' : '', a]),
    ...p.supervisingRegulators.map((r, i): [string, unknown] => [
      i === 0 ? 'supervised by' : '',
      `${r.account}  ${r.name} (${r.jurisdiction}) key ${r.keyId ?? 'none yet'}`,
    ]),
  ]);
}
