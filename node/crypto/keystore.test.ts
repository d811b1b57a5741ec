import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptKeystoreJsonSync, encryptKeystoreJsonSync } from 'ethers';
import { createEcdsaSuite } from './ecdsa.js';
import {
  KeystoreError,
  KeystoreErrorCode,
  decryptKeystore,
  encryptKeystore,
  readKeystoreFile,
  writeKeystoreFile,
  type KeystoreV3,
} from './keystore.js';

const suite = createEcdsaSuite();
const LOW_N = 1 << 10; // tests only; real keystores use 2^18
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'lingding-keystore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deep copy with one change, for tamper tests. */
// biome-ignore lint/suspicious/noExplicitAny: tamper tests poke at arbitrary JSON
type Json = any;

function edit(ks: KeystoreV3, change: (o: Json) => void): unknown {
  const o = JSON.parse(JSON.stringify(ks));
  change(o);
  return o;
}

// The test vectors of the Web3 Secret Storage definition (password "testpassword").
const VECTOR_SECRET = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const SCRYPT_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const PBKDF2_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

describe('keystore (Web3 Secret Storage v3)', () => {
  const kp = suite.generateKeyPair();
  const ks = encryptKeystore(kp.secretKey, 'correct horse', suite, { scryptN: LOW_N });

  it('round-trips, with the fields other wallets expect', () => {
    expect(ks.version).toBe(3);
    expect(ks.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ks.address).toBe(hex(kp.address));
    expect(ks.lingding).toEqual({ suite: 'ecdsa' });
    expect(ks.crypto.cipher).toBe('aes-128-ctr');
    expect(ks.crypto.kdf).toBe('scrypt');
    expect(ks.crypto.kdfparams).toMatchObject({ n: LOW_N, r: 8, p: 1, dklen: 32 });
    expect(decryptKeystore(ks, 'correct horse', suite)).toEqual(kp.secretKey);
    expect(decryptKeystore(JSON.stringify(ks), 'correct horse', suite)).toEqual(kp.secretKey);
  });

  it('uses fresh salt, iv and id every time', () => {
    const again = encryptKeystore(kp.secretKey, 'correct horse', suite, { scryptN: LOW_N });
    expect(again.id).not.toBe(ks.id);
    expect(again.crypto.ciphertext).not.toBe(ks.crypto.ciphertext);
    expect((again.crypto.kdfparams as { salt: string }).salt).not.toBe((ks.crypto.kdfparams as { salt: string }).salt);
  });

  it('reports a wrong password as such', () => {
    expect(() => decryptKeystore(ks, 'wrong horse', suite)).toThrow(KeystoreError);
    expect(() => decryptKeystore(ks, 'wrong horse', suite)).toThrow(
      'wrong password or corrupted keystore (MAC mismatch)',
    );
  });

  // Flips the first byte, so the field changes whatever the random value was (setting it to a
  // constant left it unchanged one time in 256).
  const flip = (hex: string) =>
    (Number.parseInt(hex.slice(0, 2), 16) ^ 0xff).toString(16).padStart(2, '0') + hex.slice(2);
  it.each<[string, (o: Json) => void, RegExp]>([
    ['ciphertext', (o) => (o.crypto.ciphertext = flip(o.crypto.ciphertext)), /MAC mismatch/],
    ['mac', (o) => (o.crypto.mac = flip(o.crypto.mac)), /MAC mismatch/],
    ['salt', (o) => (o.crypto.kdfparams.salt = flip(o.crypto.kdfparams.salt)), /MAC mismatch/],
    ['scrypt n', (o) => (o.crypto.kdfparams.n = LOW_N * 2), /MAC mismatch/],
    // The v3 MAC does not cover the iv; the address check catches a changed one.
    ['iv', (o) => (o.crypto.cipherparams.iv = flip(o.crypto.cipherparams.iv)), /does not match its key/],
    ['address', (o) => (o.address = '00'.repeat(20)), /does not match its key/],
  ])('detects a tampered %s', (_field, change, message) => {
    expect(() => decryptKeystore(edit(ks, change), 'correct horse', suite)).toThrow(message);
  });

  it.each<[string, unknown, RegExp]>([
    ['truncated JSON text', JSON.stringify(ks).slice(0, 40), /malformed keystore JSON/],
    ['a JSON array', '[]', /expected a JSON object/],
    ['null', null, /expected a JSON object/],
    ['version 1', edit(ks, (o) => (o.version = 1)), /unsupported keystore version 1/],
    ['no crypto section', edit(ks, (o) => delete o.crypto), /missing "crypto" section/],
    ['an argon2 kdf', edit(ks, (o) => (o.crypto.kdf = 'argon2id')), /unsupported keystore kdf "argon2id"/],
    [
      'an aes-256-gcm cipher',
      edit(ks, (o) => (o.crypto.cipher = 'aes-256-gcm')),
      /unsupported keystore cipher "aes-256-gcm"/,
    ],
    [
      'a pbkdf2 prf other than sha256',
      edit(
        ks,
        (o) => (o.crypto.kdf = 'pbkdf2') && (o.crypto.kdfparams = { c: 10, dklen: 32, prf: 'hmac-sha512', salt: '00' }),
      ),
      /unsupported pbkdf2 prf/,
    ],
    ['non-hex ciphertext', edit(ks, (o) => (o.crypto.ciphertext = 'zz')), /ciphertext is not valid hex/],
    ['a short iv', edit(ks, (o) => (o.crypto.cipherparams.iv = '00')), /iv must be 16 bytes/],
    ['a missing mac', edit(ks, (o) => delete o.crypto.mac), /mac must be a hex string/],
    ['a non-power-of-two n', edit(ks, (o) => (o.crypto.kdfparams.n = 1000)), /power of two/],
    ['a memory-hungry n', edit(ks, (o) => (o.crypto.kdfparams.n = 2 ** 30)), /more than 1024 MiB/],
    ['an expensive p', edit(ks, (o) => (o.crypto.kdfparams.p = 2 ** 20)), /too expensive/],
    ['a tiny dklen', edit(ks, (o) => (o.crypto.kdfparams.dklen = 16)), /dklen/],
    ['another suite', edit(ks, (o) => (o.lingding.suite = 'sm')), /for crypto suite 'sm'/],
  ])('rejects %s with a clear error', (_name, json, message) => {
    expect(() => decryptKeystore(json, 'correct horse', suite)).toThrow(KeystoreError);
    expect(() => decryptKeystore(json, 'correct horse', suite)).toThrow(message);
  });

  it('opens the Web3 Secret Storage test vectors (scrypt and PBKDF2)', () => {
    expect(hex(decryptKeystore(SCRYPT_VECTOR, 'testpassword', suite))).toBe(VECTOR_SECRET);
    expect(hex(decryptKeystore(PBKDF2_VECTOR, 'testpassword', suite))).toBe(VECTOR_SECRET);
  });

  it('interoperates with ethers.js in both directions', () => {
    const theirs = encryptKeystoreJsonSync(
      { address: '0x' + hex(kp.address), privateKey: '0x' + hex(kp.secretKey) },
      'pässwörd',
      {
        scrypt: { N: LOW_N },
      },
    );
    expect(decryptKeystore(theirs, 'pässwörd', suite)).toEqual(kp.secretKey);
    const ours = encryptKeystore(kp.secretKey, 'pässwörd', suite, { scryptN: LOW_N });
    const account = decryptKeystoreJsonSync(JSON.stringify(ours), 'pässwörd');
    expect(account.privateKey).toBe('0x' + hex(kp.secretKey));
    expect(account.address.toLowerCase()).toBe('0x' + ours.address);
  });

  it('accepts 0x-prefixed hex and the capitalised "Crypto" of old geth files', () => {
    const legacy = edit(ks, (o) => {
      o.Crypto = o.crypto;
      delete o.crypto;
      o.address = '0x' + o.address.toUpperCase();
      o.Crypto.ciphertext = '0x' + o.Crypto.ciphertext;
    });
    expect(decryptKeystore(legacy, 'correct horse', suite)).toEqual(kp.secretKey);
  });

  it('refuses to encrypt an invalid key or with an invalid scrypt N', () => {
    expect(() => encryptKeystore(new Uint8Array(32), 'pw', suite, { scryptN: LOW_N })).toThrow(
      /valid secp256k1 scalar/,
    );
    expect(() => encryptKeystore(kp.secretKey, 'pw', suite, { scryptN: 1000 })).toThrow(/power of two/);
  });

  it('writes files with mode 0600, refuses to overwrite unless asked, and reads them back', () => {
    const path = join(dir, 'account.json');
    const written = writeKeystoreFile(path, kp.secretKey, 'pw', suite, { scryptN: LOW_N });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readKeystoreFile(path, 'pw', suite)).toEqual(kp.secretKey);
    expect(() => writeKeystoreFile(path, kp.secretKey, 'pw', suite, { scryptN: LOW_N })).toThrow(
      expect.objectContaining({
        name: 'KeystoreError',
        code: KeystoreErrorCode.Exists,
        message: `${path} already exists; refusing to overwrite a key file`,
      }),
    );
    const other = suite.generateKeyPair();
    writeKeystoreFile(path, other.secretKey, 'pw2', suite, { scryptN: LOW_N, overwrite: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readKeystoreFile(path, 'pw2', suite)).toEqual(other.secretKey);
    expect(written.address).toBe(hex(kp.address));
    expect(() => readKeystoreFile(join(dir, 'missing.json'), 'pw', suite)).toThrow(/cannot read keystore/);
    writeFileSync(join(dir, 'garbage.json'), 'not json');
    expect(() => readKeystoreFile(join(dir, 'garbage.json'), 'pw', suite)).toThrow(/malformed keystore JSON/);
  });
});
