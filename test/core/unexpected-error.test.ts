import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { silentLogger } from '../../node/log/logger.js';
import { LingdingNode } from '../../node/main/node.js';
import { UNEXPECTED_ERROR_EXIT_CODE } from '../../node/main/unexpected-errors.js';
import { createSoloChain } from '../../tools/devnet/local-chain.js';
import { testNodeConfig } from '../helpers/node-config.js';

/** Runs test/helpers/node-crash-child.ts (the same Node as this test) and resolves with its exit code. */
function runCrashingNode(configFile: string, kind: 'exception' | 'rejection'): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/node-crash-child.ts', configFile, kind], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('a running node process and an error nothing handles', () => {
  it.each([
    ['exception', 'thrown in a timer'],
    ['rejection', 'rejected in a timer'],
  ] as const)(
    'an uncaught %s logs it, stops the node through its close list and exits with 70',
    async (kind, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'lingding-crash-'));
      try {
        const chain = await createSoloChain(dir, { node: testNodeConfig() });
        const { configFile } = chain.nodes[0];
        expect(await runCrashingNode(configFile, kind)).toBe(UNEXPECTED_ERROR_EXIT_CODE);
        const log = readFileSync(join(chain.nodes[0].dir, 'node.log'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { msg: string; level: number; err?: { message: string }; exitCode?: number });
        const fatal = log.findIndex((l) => l.msg === 'unexpected error: stopping the node');
        expect(log[fatal]).toMatchObject({ level: 60, err: { message }, exitCode: 70 });
        expect(log.findIndex((l) => l.msg === 'node stopped')).toBeGreaterThan(fatal);
        expect(log.some((l) => l.msg === 'closing failed')).toBe(false);
        // Everything it opened was closed in order: the node starts again on the same data.
        const again = await LingdingNode.start(loadNodeConfigFile(configFile), { logger: silentLogger() });
        await again.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
