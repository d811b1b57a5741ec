import type { Command } from 'commander';
import { loadNodeConfigFile } from '../../../node/config/node-config.js';
import type { LingdingNode } from '../../../node/main/node.js';
import { installUnexpectedErrorPolicy } from '../../../node/main/unexpected-errors.js';
import { defineCommand } from '../command-table.js';
import { roleWord } from '../output.js';

/**
 * Runs a node in this process until SIGINT/SIGTERM, then stops it cleanly. Until then an
 * error nothing handled stops the node and exits the process with code 70
 * (node/main/unexpected-errors.ts).
 */
export async function runNodeUntilSignal(node: LingdingNode, onStop?: () => void): Promise<void> {
  const removePolicy = installUnexpectedErrorPolicy(node, node.logger);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      onStop?.();
      node.stop().then(resolve, (e) => {
        process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  removePolicy();
}

export function registerNodeCommands(program: Command): void {
  const node = defineCommand(program, 'node');
  node
    .command('start')
    .description('start a node from its config file')
    .requiredOption('--config <file>', 'node config (JSON)')
    .action(async (o: { config: string }) => {
      const config = loadNodeConfigFile(o.config);
      // The node's modules (libp2p, LevelDB, the VM) load only for the commands that run one.
      const { LingdingNode } = await import('../../../node/main/node.js');
      const n = await LingdingNode.start(config);
      process.stdout.write(`lingding node ${roleWord(n)} rpc ${n.rpcUrl}\n`);
      await runNodeUntilSignal(n);
    });
}
