/**
 * Run by test/core/unexpected-error.test.ts in a child process: the node of the config file
 * `argv[2]`, run as `lingding node start` runs it, then an error nothing handles, thrown
 * from a timer (`argv[3]` = 'exception') or a rejected promise (`argv[3]` = 'rejection').
 */
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { LingdingNode } from '../../node/main/node.js';
import { runNodeUntilSignal } from '../../tools/cli/commands/node.js';

const node = await LingdingNode.start(loadNodeConfigFile(process.argv[2]));
const running = runNodeUntilSignal(node);
setTimeout(() => {
  if (process.argv[3] === 'rejection') void Promise.reject(new Error('rejected in a timer'));
  else throw new Error('thrown in a timer');
}, 0);
await running;
