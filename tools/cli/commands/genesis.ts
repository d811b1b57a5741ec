import { type Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { GenesisInput } from '../../../node/config/genesis.js';
import { writeGenesisFile } from '../../../node/config/writer.js';
import { normalizeNodeId } from '../../../node/crypto/node-id.js';
import { nodeIdOf, nodeKeyFromPem } from '../../../node/crypto/node-key.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';

/** A node is named by its node id (128 hex chars) or by the path of its PEM key. */
export function nodeIdArg(v: string): string {
  const id = normalizeNodeId(v);
  if (id !== null) return id;
  let pem: string;
  try {
    pem = readFileSync(v, 'utf8');
  } catch {
    throw new CliError(`'${v}' is neither a node id nor a readable node key file`);
  }
  return nodeIdOf(nodeKeyFromPem(pem));
}

/** `address` or `address:weight`. */
function memberArg(v: string): { address: string; weight?: number } {
  const [address, weight, ...rest] = v.split(':');
  if (rest.length > 0 || weight === '' || (weight !== undefined && !/^[0-9]+$/.test(weight)))
    throw new CliError(`--committee expects address or address:weight, got '${v}'`);
  return weight === undefined ? { address } : { address, weight: Number(weight) };
}

/** `address:name:jurisdiction[:supervisionKey]` (name and jurisdiction without colons). */
function regulatorAccountArg(v: string): {
  account: string;
  name: string;
  jurisdiction: string;
  supervisionKey?: string;
} {
  const [account, name, jurisdiction, supervisionKey, ...rest] = v.split(':');
  if (rest.length > 0 || !name || !jurisdiction || supervisionKey === '')
    throw new CliError(
      `--regulator-account expects address:name:jurisdiction[:0x<supervision public key>], got '${v}'`,
    );
  return { account, name, jurisdiction, ...(supervisionKey ? { supervisionKey } : {}) };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function registerGenesisCommand(program: Command): void {
  defineCommand(program, 'genesis')
    .requiredOption('--chain-id <id>', 'chain id')
    .requiredOption('--out <file>', 'genesis file to write')
    .option('--validator <nodeIdOrKeyFile>', 'a validator (repeat)', collect, [])
    // FISCO's word, as the genesis field is named; kept for scripts and the operator guide.
    .addOption(new Option('--sealer <nodeIdOrKeyFile>').argParser(collect).default([]).hideHelp())
    .option('--observer <nodeIdOrKeyFile>', 'an observer (repeat)', collect, [])
    .option('--regulator <nodeIdOrKeyFile>', "a regulator's observer (repeat)", collect, [])
    .option(
      '--regulator-account <address:name:jurisdiction[:supervisionKey]>',
      "a regulator's account, which may freeze accounts and contracts at once, and optionally its 0x supervision public key (repeat)",
      collect,
      [],
    )
    .option(
      '--committee <address[:weight]>',
      'a committee account and its voting weight, default 1 (repeat)',
      collect,
      [],
    )
    .option('--participation <percent>', 'share of committee weight that must vote on a proposal', (v) => Number(v))
    .option('--approval <percent>', 'share of the voting weight that must vote for', (v) => Number(v))
    .option('--proposal-lifetime <blocks>', 'blocks a proposal accepts votes for', (v) => Number(v))
    .option('--suite <suite>', 'crypto suite (only ecdsa today)', 'ecdsa')
    .option('--timestamp <ms>', 'genesis timestamp (ms); default now', (v) => Number(v))
    .option('--set <key=value>', 'initial system config (repeat)', collect, [])
    .option('--json', 'print JSON')
    .action(
      (o: {
        chainId: string;
        out: string;
        validator: string[];
        sealer: string[];
        observer: string[];
        regulator: string[];
        regulatorAccount: string[];
        committee: string[];
        participation?: number;
        approval?: number;
        proposalLifetime?: number;
        suite: string;
        timestamp?: number;
        set: string[];
        json?: boolean;
      }) => {
        const systemConfig: Record<string, string> = {};
        for (const s of o.set) {
          const i = s.indexOf('=');
          if (i <= 0) throw new CliError(`--set expects key=value, got '${s}'`);
          systemConfig[s.slice(0, i)] = s.slice(i + 1);
        }
        const genesis = writeGenesisFile(o.out, {
          chainId: o.chainId,
          // Any string from the command line; the writer's schema check names a bad one.
          suite: o.suite as GenesisInput['suite'],
          timestamp: o.timestamp ?? Date.now(),
          sealers: [...o.validator, ...o.sealer].map(nodeIdArg),
          observers: [
            ...o.observer.map((v) => ({ nodeId: nodeIdArg(v), regulator: false })),
            ...o.regulator.map((v) => ({ nodeId: nodeIdArg(v), regulator: true })),
          ],
          // Bounds and defaults of the rules are the genesis schema's; the writer names a bad one.
          committee: {
            members: o.committee.map(memberArg),
            participationPercent: o.participation,
            approvalPercent: o.approval,
            proposalLifetimeBlocks: o.proposalLifetime,
          },
          regulators: o.regulatorAccount.map(regulatorAccountArg),
          systemConfig,
        });
        print(o, genesis, () =>
          kv([
            ['genesis', o.out],
            ['chain id', genesis.chainId],
            ['validators', genesis.sealers.length],
            ['observers', genesis.observers.length],
          ]),
        );
      },
    );
}
