import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../node/config/genesis.js';
import { RpcClientError } from '../client/rpc-client.js';
import { registerDevnetCommand } from './commands/devnet.js';
import { registerGenesisCommand } from './commands/genesis.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerNodeCommands } from './commands/node.js';
import { registerQueryCommands } from './commands/query.js';
import { registerTxCommands } from './commands/tx.js';
import { CliError } from './output.js';

/** `lingding`: keys, chain setup, running nodes, and talking to them. */
const program = new Command('lingding')
  .description('Lingding permissioned blockchain')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerKeyCommands(program);
registerGenesisCommand(program);
registerNodeCommands(program);
registerDevnetCommand(program);
registerQueryCommands(program);
registerTxCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else if (e instanceof CliError || e instanceof ConfigError || e instanceof RpcClientError || (e as Error)?.name === 'KeystoreError' || (e as Error)?.name === 'NodeKeyError') {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
