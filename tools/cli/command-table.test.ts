import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../node/package/index.js';
import { staticModuleGraph } from '../lint/module-graph.js';
import { COMMANDS, registerCommands } from './command-table.js';

/** The packages that cost seconds of CPU to load: the contract compilers, and ethers. */
const COMPILERS = ['assemblyscript', 'wabt', 'binaryen'];

describe('CLI start-up: what each process loads', () => {
  it('`lingding --help` loads no command module, no compiler, no ethers and no node runtime', () => {
    const g = staticModuleGraph(PACKAGE_ROOT, ['tools/cli/main.ts']);
    expect([...g.packages].filter((p) => [...COMPILERS, 'ethers'].includes(p))).toEqual([]);
    expect(
      [...g.files].filter((f) => /^(node\/main|node\/rpc|node\/p2p|contracts)\/|^tools\/cli\/commands\//.test(f)),
    ).toEqual([]);
    expect(g.files).toContain('tools/cli/command-table.ts');
  });

  it('`lingding node start` (every node process) loads the node and no contract compiler', () => {
    // main, the node command, and the node it imports when it runs.
    const g = staticModuleGraph(PACKAGE_ROOT, ['tools/cli/main.ts', 'tools/cli/commands/node.ts', 'node/main/node.ts']);
    expect(g.files).toContain('node/main/node.ts');
    expect([...g.packages].filter((p) => COMPILERS.includes(p))).toEqual([]);
    expect(
      [...g.files].filter((f) => /^(contracts|tools\/(devnet|client))\/|^tools\/cli\/commands\/(?!node\.ts)/.test(f)),
    ).toEqual([]);
  });
});

describe('command table', () => {
  const help = async (argv: string[]) => {
    const program = new Command('lingding');
    await registerCommands(program, ['node', 'main.js', ...argv]);
    return program.commands.map((c) => [c.name(), c.description()]);
  };
  const table = COMMANDS.map((c) => [c.name, c.description]);

  it('lists every command with its description, in the table order, whichever command runs', async () => {
    expect(await help(['--help'])).toEqual(table);
    expect(await help(['send', '--help'])).toEqual(table);
    expect(await help(['help', 'chain'])).toEqual(table);
  });

  it('loads the module of the command that runs, with its options and subcommands', async () => {
    const program = new Command('lingding');
    await registerCommands(program, ['node', 'main.js', 'chain', 'build', '--help']);
    const chain = program.commands.find((c) => c.name() === 'chain')!;
    expect(chain.commands.map((c) => c.name())).toEqual(['build']);
    const send = program.commands.find((c) => c.name() === 'send')!;
    expect(send.options).toEqual([]); // only its table line: its module was not loaded
  });

  it("every module's commands are in the table, and each table line is registered by its module", async () => {
    for (const c of COMMANDS) {
      const program = new Command('lingding');
      (await c.load())(program);
      const names = program.commands.map((p) => p.name());
      expect(names).toContain(c.name);
      for (const n of names) expect(COMMANDS.find((e) => e.name === n)?.load).toBe(c.load);
    }
  });
});
