import { Command } from 'commander';
import { assertSupportedNode, LINGDING_VERSION } from '../../node/package/index.js';
import { registerChainCommands } from './commands/chain.js';
import { registerContractCommands } from './commands/contract.js';
import { registerDevnetCommand } from './commands/devnet.js';
import { registerGenesisCommand } from './commands/genesis.js';
import { registerGovCommands } from './commands/gov.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerNodeCommands } from './commands/node.js';
import { registerQueryCommands } from './commands/query.js';
import { registerTxCommands } from './commands/tx.js';
import { errorText, exitCodeOf } from './output.js';

/** `lingding`: keys, chain setup, running nodes, and talking to them. */
const program = new Command('lingding')
  .description('Lingding permissioned blockchain')
  .version(LINGDING_VERSION)
  .showHelpAfterError()
  .exitOverride();

registerKeyCommands(program);
registerGenesisCommand(program);
registerChainCommands(program);
registerNodeCommands(program);
registerDevnetCommand(program);
registerQueryCommands(program);
registerTxCommands(program);
registerContractCommands(program);
registerGovCommands(program);

try {
  assertSupportedNode();
  await program.parseAsync(process.argv);
} catch (e) {
  // Exit codes and what is printed are decided in one place: tools/cli/output.ts.
  process.stderr.write(errorText(e));
  process.exitCode = exitCodeOf(e);
}
