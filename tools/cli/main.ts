import { Command } from 'commander';
import { assertSupportedNode, LINGDING_VERSION } from '../../node/package/index.js';
import { registerCommands } from './command-table.js';
import { errorText, exitCodeOf } from './output.js';

/** `lingding`: keys, chain setup, running nodes, and talking to them. */
const program = new Command('lingding')
  .description('Lingding permissioned blockchain')
  .version(LINGDING_VERSION)
  .showHelpAfterError()
  .exitOverride();

try {
  assertSupportedNode();
  // Only the module of the command being run is loaded (see command-table.ts).
  await registerCommands(program, process.argv);
  await program.parseAsync(process.argv);
} catch (e) {
  // Exit codes and what is printed are decided in one place: tools/cli/output.ts.
  process.stderr.write(errorText(e));
  process.exitCode = exitCodeOf(e);
}
