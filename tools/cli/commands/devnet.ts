import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toHex } from '../../../node/codec/hex.js';
import { loadNodeConfigFile } from '../../../node/config/node-config.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { writeKeystoreFile } from '../../../node/crypto/keystore.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../../node/crypto/node-key.js';
import { LingdingNode } from '../../../node/main/node.js';
import { runNodeUntilSignal } from './node.js';

/** The development account's keystore password. Development only: printed on start. */
export const DEV_PASSWORD = 'lingding-dev';

export interface DevnetLayout {
  readonly dir: string;
  readonly configFile: string;
  readonly accountFile: string;
  readonly accountAddress: string;
}

/** Writes keys, genesis and config for a one-sealer development chain, once. */
export function prepareSoloDevnet(dir: string, rpcPort: number): DevnetLayout {
  const root = resolve(dir);
  const configFile = join(root, 'node.json');
  const accountFile = join(root, 'accounts', 'dev.json');
  if (!existsSync(configFile)) {
    mkdirSync(join(root, 'accounts'), { recursive: true });
    const nodeSecret = generateNodeKey();
    writeNodeKeyFile(join(root, 'node.pem'), nodeSecret);
    const suite = createEcdsaSuite();
    const account = suite.generateKeyPair();
    writeKeystoreFile(accountFile, account.secretKey, DEV_PASSWORD, suite, { scryptN: 1 << 12 });
    const genesis = {
      chainId: 'lingding-dev',
      suite: 'ecdsa',
      timestamp: Date.now(),
      blockLimitWindow: 1000,
      sealers: [nodeIdOf(nodeSecret)],
      observers: [],
      committee: [toHex(account.address)],
      systemConfig: {},
    };
    writeFileSync(join(root, 'genesis.json'), JSON.stringify(genesis, null, 2) + '\n');
    const config = {
      genesis: 'genesis.json',
      dataDir: 'data',
      nodeKey: 'node.pem',
      rpc: { host: '127.0.0.1', port: rpcPort },
      consensus: { engine: 'solo', emptyBlockIntervalMs: 1000, minSealDelayMs: 5 },
      log: { level: 'info', file: 'node.log' },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  }
  const ks = JSON.parse(readFileSync(accountFile, 'utf8')) as { address: string };
  return { dir: root, configFile, accountFile, accountAddress: '0x' + ks.address };
}

export function registerDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description('run a local development chain under ./.lingding (created on first run)')
    .option('--dir <dir>', 'where the devnet lives', '.lingding')
    .option('--rpc-port <port>', 'RPC port (first run only)', (v) => Number(v), 8545)
    .action(async (o: { dir: string; rpcPort: number }) => {
      const layout = prepareSoloDevnet(o.dir, o.rpcPort);
      const config = loadNodeConfigFile(layout.configFile);
      const node = await LingdingNode.start(config);
      const out = process.stdout;
      out.write(`Lingding devnet (solo sealer) — chain ${node.genesis.chainId}, height ${node.chain.head.number}\n`);
      out.write(`  sealer    rpc ${node.rpcUrl}\n`);
      out.write(`  account   ${layout.accountAddress} (keystore ${layout.accountFile}, password '${DEV_PASSWORD}')\n`);
      out.write(`  logs      ${config.log.file}\n`);
      out.write(`Press Ctrl-C to stop.\n`);
      await runNodeUntilSignal(node, () => out.write('stopping…\n'));
      out.write('stopped\n');
    });
}
