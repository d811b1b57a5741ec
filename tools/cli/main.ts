import { Command, CommanderError } from 'commander';
import { assertSupportedNode, LINGDING_VERSION } from '../../node/package/index.js';
import { registerChainCommands } from './commands/chain.js';
import { registerContractCommands } from './commands/contract.js';
import { registerDevnetCommand } from './commands/devnet.js';
import { registerGenesisCommand } from './commands/genesis.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerNodeCommands } from './commands/node.js';
import { registerQueryCommands } from './commands/query.js';
import { registerTxCommands } from './commands/tx.js';

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

/** Errors caused by what the user gave (printed as one line, exit 2); anything else is a bug (stack, exit 1). */
const USER_ERRORS = new Set([
  'CliError',
  'ConfigError',
  'RpcClientError',
  'KeystoreError',
  'NodeKeyError',
  'HexError',
  'CodecError',
  'AbiError',
  'UnsupportedRuntimeError',
]);

try {
  assertSupportedNode();
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else if (USER_ERRORS.has((e as Error)?.name)) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
