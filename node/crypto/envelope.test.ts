import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  generateSupervisionKey,
  isSupervisionPublicKey,
  readSupervisionKeyFile,
  writeSupervisionKeyFile,
} from './envelope.js';
import { KeystoreError } from './keystore.js';

const dir = mkdtempSync(join(tmpdir(), 'lingding-supervision-key-'));

describe('supervision key files', () => {
  it('round-trips a key pair through a 0600 file and refuses to overwrite one', () => {
    const key = generateSupervisionKey();
    const path = join(dir, 'a.json');
    writeSupervisionKeyFile(path, key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const read = readSupervisionKeyFile(path);
    expect(read.publicKey).toEqual(key.publicKey);
    expect(read.keyId).toEqual(key.keyId);
    expect(isSupervisionPublicKey(read.publicKey)).toBe(true);
    expect(() => writeSupervisionKeyFile(path, generateSupervisionKey())).toThrow(KeystoreError);
  });

  it('refuses files that are not supervision keys or whose public key is not the secret’s', () => {
    const path = join(dir, 'b.json');
    writeSupervisionKeyFile(path, generateSupervisionKey());
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const cases: Record<string, unknown> = {
      'other.json': { ...file, publicKey: `0x${Buffer.from(generateSupervisionKey().publicKey).toString('hex')}` },
      'type.json': { ...file, type: 'keystore' },
      'short.json': { ...file, secretKey: file.secretKey.slice(0, 40) },
      'zero.json': { ...file, secretKey: `0x${'00'.repeat(32)}`, publicKey: undefined },
    };
    for (const [name, content] of Object.entries(cases)) {
      writeFileSync(join(dir, name), JSON.stringify(content));
      expect(() => readSupervisionKeyFile(join(dir, name)), name).toThrow(EnvelopeError);
    }
    expect(() => readSupervisionKeyFile(join(dir, 'missing.json'))).toThrow(EnvelopeError);
  });
});
