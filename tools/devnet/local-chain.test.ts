import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committeeOf, loadGenesisFile } from '../../node/config/genesis.js';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { nodeIdOf } from '../../node/crypto/node-key.js';
import { writeSoloChain } from './local-chain.js';

describe('writeSoloChain: the one solo layout', () => {
  it.each([
    ['the devnet (node beside genesis)', undefined, 'genesis.json'],
    ['test chains (node in node0/)', 'node0', '../genesis.json'],
  ])('%s: a node config the node loads, naming its key as the only validator', (_what, nodeDir, genesisPath) => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-solo-'));
    const node = writeSoloChain({
      dir,
      nodeDir,
      chainId: 'solo-test',
      timestamp: 1_700_000_000_000,
      committee: committeeOf(['0x' + '11'.repeat(20)]),
      rpcPort: 18545,
    });
    expect(node.dir).toBe(nodeDir ? join(dir, nodeDir) : dir);
    expect(JSON.parse(readFileSync(node.configFile, 'utf8')).genesis).toBe(genesisPath);
    const config = loadNodeConfigFile(node.configFile);
    expect(config).toMatchObject({
      genesis: join(dir, 'genesis.json'),
      nodeKey: join(node.dir, 'node.pem'),
      dataDir: join(node.dir, 'data'),
      rpc: { port: 18545 },
      consensus: { engine: 'solo' },
      log: { file: join(node.dir, 'node.log') },
    });
    const genesis = loadGenesisFile(config.genesis);
    expect(genesis.sealers).toEqual([nodeIdOf(node.nodeSecret)]);
    expect(genesis.committee.members.map((m) => m.address)).toEqual(['0x' + '11'.repeat(20)]);
  });
});
