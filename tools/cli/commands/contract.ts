import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex } from '../../../node/codec/hex.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';
import { registerContractControls } from './permissions.js';

/** Default output: a build/ directory beside the source file, or inside the crate. */
function defaultOut(path: string): string {
  const p = resolve(path);
  return join(statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : dirname(p), 'build');
}

export function registerContractCommands(program: Command): void {
  const contract = defineCommand(program, 'contract');
  contract
    .command('build <source>')
    .description(
      "compile an AssemblyScript contract (.ts) or a Rust crate (directory) to <name>.wasm and <name>.abi.json, checked against the VM's deploy rules",
    )
    .option('--out <dir>', 'output directory (default: build/ beside the source)')
    .option('--json', 'print JSON')
    .action(async (source: string, o: { out?: string; json?: boolean }) => {
      // The compilers load only here: the rest of the CLI (and every node) starts without them.
      const { buildContract, ContractBuildError, writeArtifacts } = await import(
        '../../../contracts/toolchain/index.js'
      );
      let built: Awaited<ReturnType<typeof buildContract>>;
      try {
        built = await buildContract(source);
      } catch (e) {
        if (e instanceof ContractBuildError) throw new CliError(e.message);
        throw e;
      }
      const files = writeArtifacts(built, o.out ?? defaultOut(source));
      const summary = {
        name: built.name,
        wasm: files.wasm,
        abi: files.abi,
        bytes: built.wasm.length,
        codeHash: toHex(keccak_256(built.wasm)),
      };
      print(o, summary, () =>
        kv([
          ['contract', summary.name],
          ['wasm', `${summary.wasm} (${summary.bytes} bytes)`],
          ['abi', summary.abi],
          ['code hash', summary.codeHash],
        ]),
      );
    });
  registerContractControls(contract);
}
