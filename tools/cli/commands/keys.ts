import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { generateSupervisionKey, writeSupervisionKeyFile } from '../../../node/crypto/envelope.js';
import { writeKeystoreFile } from '../../../node/crypto/keystore.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../../node/crypto/node-key.js';
import { toHex } from '../../../node/codec/hex.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';
import { PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP, readPassword } from '../password.js';

export function registerKeyCommands(program: Command): void {
  defineCommand(program, 'keygen')
    .requiredOption('--out <file>', 'where to write the key')
    .option('--type <type>', "'node', 'account' or 'supervision' (a regulator's decryption key)", 'account')
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option('--scrypt-n <n>', 'scrypt cost for the keystore (power of two)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (o: { out: string; type: string; passwordFile?: string; scryptN?: number; json?: boolean }) => {
      if (existsSync(o.out)) throw new CliError(`${o.out} already exists; refusing to overwrite a key`);
      if (o.type === 'node') {
        const secret = generateNodeKey();
        writeNodeKeyFile(o.out, secret);
        const nodeId = nodeIdOf(secret);
        print(o, { type: 'node', file: o.out, nodeId }, () =>
          kv([
            ['node key', o.out],
            ['node id', nodeId],
          ]),
        );
        return;
      }
      if (o.type === 'supervision') {
        const key = generateSupervisionKey();
        writeSupervisionKeyFile(o.out, key);
        const publicKey = toHex(key.publicKey);
        print(o, { type: 'supervision', file: o.out, publicKey, keyId: toHex(key.keyId) }, () =>
          kv([
            ['supervision key', o.out],
            ['public key', publicKey],
            ['key id', toHex(key.keyId)],
          ]),
        );
        return;
      }
      if (o.type !== 'account')
        throw new CliError(`--type must be 'node', 'account' or 'supervision', got '${o.type}'`);
      const suite = createEcdsaSuite();
      const kp = suite.generateKeyPair();
      const password = await readPassword(o, { confirm: true, what: `the new keystore ${o.out}` });
      writeKeystoreFile(o.out, kp.secretKey, password, suite, { scryptN: o.scryptN });
      print(o, { type: 'account', file: o.out, address: toHex(kp.address) }, () =>
        kv([
          ['keystore', o.out],
          ['address', toHex(kp.address)],
        ]),
      );
    });
}
