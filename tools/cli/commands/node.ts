import type { Command } from 'commander';
import { loadNodeConfigFile } from '../../../node/config/node-config.js';
import type { LingdingNode } from '../../../node/main/node.js';
import { installUnexpectedErrorPolicy } from '../../../node/main/unexpected-errors.js';
import type { NodeAction } from '../../../node/exec/system/proposal-kinds.js';
import { releaseStartUpMemory } from '../../../node/package/index.js';
import { defineCommand } from '../command-table.js';
import { roleWord } from '../output.js';
import { type SendOptions, withSendOptions } from '../send-options.js';

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
      releaseStartUpMemory();
      process.stdout.write(`lingding node ${roleWord(n)} rpc ${n.rpcUrl}\n`);
      await runNodeUntilSignal(n);
    });

  const changes: Array<[string, NodeAction['kind'], string]> = [
    [
      'add-validator',
      'addValidator',
      'propose admitting a node as a validator (it votes from the block after the proposal executes)',
    ],
    ['add-observer', 'addObserver', 'propose admitting a node as an observer (it syncs and follows, never votes)'],
    ['demote', 'demoteToObserver', 'propose making a validator an observer'],
    ['remove', 'removeNode', 'propose removing a node: it is disconnected and may not connect again'],
  ];
  for (const [name, kind, description] of changes)
    withSendOptions(
      node.command(`${name} <nodeIdOrKeyFile>`).description(`${description}; your proposal counts as your vote for it`),
    ).action(async (nodeIdOrKeyFile: string, o: SendOptions) => {
      // The client and the committee's ABI load only for these commands, not for `node start`.
      const { proposeNodeChange } = await import('./gov.js');
      await proposeNodeChange(kind, nodeIdOrKeyFile, o);
    });
}
