import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aesGcmOpen,
  aesGcmSeal,
  EnvelopeError,
  generateSupervisionKey,
  isSupervisionPublicKey,
  readSupervisionKeyFile,
  sharedX,
  supervisionKeyFromSecret,
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

describe('the native hot path', () => {
  it('gives the portable implementation’s bytes: ECDH x-coordinate (libsecp256k1) and AES-256-GCM (OpenSSL)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 64 }),
        (seedA, seedB, iv, plaintext, aad) => {
          const a = supervisionKeyFromSecret(
            secp256k1.utils.isValidSecretKey(seedA) ? seedA : secp256k1.utils.randomSecretKey(),
          );
          const b = supervisionKeyFromSecret(
            secp256k1.utils.isValidSecretKey(seedB) ? seedB : secp256k1.utils.randomSecretKey(),
          );
          expect(sharedX(a.secretKey, b.publicKey)).toEqual(
            secp256k1.getSharedSecret(a.secretKey, b.publicKey, true).slice(1),
          );
          const key = sharedX(a.secretKey, b.publicKey);
          const sealed = aesGcmSeal(key, iv, plaintext, aad);
          expect(sealed).toEqual(gcm(key, iv, aad).encrypt(plaintext));
          expect(aesGcmOpen(key, iv, sealed, aad)).toEqual(plaintext);
          const tampered = sealed.slice();
          tampered[0] ^= 1;
          expect(aesGcmOpen(key, iv, tampered, aad)).toBeNull();
        },
      ),
      { numRuns: 50 },
    );
    expect(aesGcmOpen(new Uint8Array(32), new Uint8Array(12), new Uint8Array(5), new Uint8Array())).toBeNull();
  });

  it('refuses a point off the curve as a bad wrapped key', () => {
    const bad = new Uint8Array(33).fill(0xff);
    bad[0] = 0x02;
    expect(() => sharedX(generateSupervisionKey().secretKey, bad)).toThrow();
  });
});
