/**
 * Every top-level `lingding` command: its name, arguments and description, and the module
 * that adds its options, subcommands and action, loaded only when the command runs. So
 * `lingding --help` loads no command module, and `lingding node start` (each node process)
 * loads the node and not ethers, the RPC client, the devnet tools or the contract compilers.
 * The modules name their commands through defineCommand, so the words live here only.
 */
import type { Command } from 'commander';

/** Adds the commands of one module (this command and its siblings) to the program. */
export type RegisterCommands = (program: Command) => void;

export interface CommandEntry {
  readonly name: string;
  /** Its arguments as commander writes them, e.g. '<hash>' or '<to> <method> [args...]'. */
  readonly args?: string;
  readonly description: string;
  readonly load: () => Promise<RegisterCommands>;
}

const keys = async () => (await import('./commands/keys.js')).registerKeyCommands;
const genesis = async () => (await import('./commands/genesis.js')).registerGenesisCommand;
const chain = async () => (await import('./commands/chain.js')).registerChainCommands;
const node = async () => (await import('./commands/node.js')).registerNodeCommands;
const devnet = async () => (await import('./commands/devnet.js')).registerDevnetCommand;
const query = async () => (await import('./commands/query.js')).registerQueryCommands;
const tx = async () => (await import('./commands/tx.js')).registerTxCommands;
const contract = async () => (await import('./commands/contract.js')).registerContractCommands;
const gov = async () => (await import('./commands/gov.js')).registerGovCommands;
const permissions = async () => (await import('./commands/permissions.js')).registerPermissionCommands;

/** Adds its subcommands to a command whose subcommands come from several modules (`regulator`). */
type AddSubcommands = (group: Command) => void;

/** A command made of several modules' subcommands, each module loaded only when the command runs. */
const group =
  (name: string, parts: ReadonlyArray<() => Promise<AddSubcommands>>) => async (): Promise<RegisterCommands> => {
    const adders = await Promise.all(parts.map((load) => load()));
    return (program) => {
      const g = defineCommand(program, name);
      for (const add of adders) add(g);
    };
  };
// Pilots, the supervision index and audit reports each add their own subcommands to `regulator`.
const regulator = group('regulator', [
  async () => (await import('./commands/pilots.js')).addPilotRegulatorCommands,
  async () => (await import('./commands/supervision.js')).addSupervisionRegulatorCommands,
  async () => (await import('./commands/reports.js')).addReportRegulatorCommands,
]);

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'keygen',
    description: 'create a node key (PEM), an account key (encrypted keystore) or a supervision key',
    load: keys,
  },
  { name: 'genesis', description: 'write a genesis file for a chain', load: genesis },
  { name: 'chain', description: 'set up multi-node chains', load: chain },
  {
    name: 'node',
    description:
      'run a node; propose admitting, demoting or removing nodes (add-validator, add-observer, demote, remove)',
    load: node,
  },
  {
    name: 'devnet',
    description:
      'run a local development chain under ./.lingding (created on first run): 4 validators + 1 regulator observer, each its own process',
    load: devnet,
  },
  { name: 'info', description: 'node and chain information', load: query },
  { name: 'block', args: '<numberOrHash>', description: "show a block by number, hash or 'latest'", load: query },
  { name: 'tx', args: '<hash>', description: 'show a transaction', load: query },
  { name: 'receipt', args: '<hash>', description: 'show a transaction receipt', load: query },
  {
    name: 'proof',
    args: '<hash>',
    description: 'fetch the inclusion proof of a transaction (or its receipt) and verify it',
    load: query,
  },
  { name: 'verify-proof', args: '<file>', description: 'verify a saved proof offline (no node needed)', load: query },
  {
    name: 'deploy',
    args: '<wasm> [args...]',
    description: 'deploy a WebAssembly contract; constructor arguments are encoded with the ABI',
    load: tx,
  },
  {
    name: 'send',
    args: '<to> <method> [args...]',
    description:
      "sign and send a transaction calling <method> (e.g. 'set(string,string)', or a name with --abi) on contract <to>",
    load: tx,
  },
  {
    name: 'call',
    args: '<to> <method> [args...]',
    description: "read-only call, e.g. lingding call 0x…1010 'get(string) returns (bool,string)' key",
    load: tx,
  },
  { name: 'selector', args: '<method>', description: 'print the 4-byte selector of a method signature', load: tx },
  {
    name: 'contract',
    description: 'develop WebAssembly contracts; freeze, unfreeze and set method ACLs of deployed ones',
    load: contract,
  },
  { name: 'gov', description: 'committee governance: propose, vote, revoke, list and show proposals', load: gov },
  {
    name: 'account',
    description: 'freeze (regulator or proposal), unfreeze or abolish (proposal) an account',
    load: permissions,
  },
  {
    name: 'permissions',
    description: 'who may do what: committee, regulators, deploy policy, frozen accounts and contracts, method ACLs',
    load: permissions,
  },
  {
    name: 'regulator',
    description:
      'supervision: pilots and their suspension (a supervising regulator); a regulator node’s records, traces, alerts, reindex; audit reports and their offline verification',
    load: regulator,
  },
];

/** Adds the named top-level command, with its arguments and description from the table. */
export function defineCommand(program: Command, name: string): Command {
  const e = COMMANDS.find((c) => c.name === name);
  if (!e) throw new Error(`'${name}' is not in the command table (tools/cli/command-table.ts)`);
  return program.command(e.args ? `${name} ${e.args}` : name).description(e.description);
}

/**
 * Registers what `argv` needs: the module of the command it names (`lingding <cmd> …` or
 * `lingding help <cmd>`) in full, every other command by its table line only, so the
 * program's help still lists them all.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  const wanted = COMMANDS.find((c) => c.name === name);
  const register = wanted ? await wanted.load() : undefined;
  // In the table's order (a module's commands are adjacent in it): the help lists them so.
  for (const c of COMMANDS) {
    if (program.commands.some((p) => p.name() === c.name)) continue;
    if (c.load === wanted?.load) register!(program);
    else defineCommand(program, c.name);
  }
}
