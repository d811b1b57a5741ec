import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { scrypt } from '@noble/hashes/scrypt.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { CryptoSuite, SuiteName } from './suite.js';
import { type CodeOf, LingdingError } from '../errors/index.js';

/**
 * Password-encrypted account keys in the Ethereum "Web3 Secret Storage" v3 format, so a
 * Lingding keystore opens in geth, ethers.js, web3j and MetaMask imports, and theirs open
 * here:
 *
 *   derivedKey = scrypt(password, salt, n, r, p, dklen = 32)   (or PBKDF2-HMAC-SHA256)
 *   ciphertext = AES-128-CTR(key = derivedKey[0..16], iv, secretKey)
 *   mac        = keccak256(derivedKey[16..32] || ciphertext)
 *
 * The MAC is checked before decrypting, so a wrong password is reported as such instead
 * of producing a wrong key. A `lingding` field records the crypto suite the key belongs
 * to; other tools ignore it.
 */
export interface ScryptKdfParams {
  readonly dklen: number;
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

export interface Pbkdf2KdfParams {
  readonly dklen: number;
  readonly c: number;
  readonly prf: 'hmac-sha256';
  readonly salt: string;
}

export interface KeystoreV3 {
  readonly version: 3;
  /** Random UUID (v4), as in every v3 keystore. */
  readonly id: string;
  /** Account address, lowercase hex without 0x. */
  readonly address: string;
  readonly crypto: {
    readonly cipher: 'aes-128-ctr';
    readonly cipherparams: { readonly iv: string };
    readonly ciphertext: string;
    readonly kdf: 'scrypt' | 'pbkdf2';
    readonly kdfparams: ScryptKdfParams | Pbkdf2KdfParams;
    readonly mac: string;
  };
  readonly lingding: { readonly suite: SuiteName };
}

export interface EncryptKeystoreOptions {
  /** scrypt cost; a power of two. Default 2^18 (geth's "standard"); tests use e.g. 2^10. */
  readonly scryptN?: number;
}

export const KeystoreErrorCode = {
  /** Not a keystore, or a field missing or of the wrong form. */
  Malformed: 'MALFORMED',
  /** A version, cipher, KDF or KDF parameter this node does not implement. */
  Unsupported: 'UNSUPPORTED',
  /** KDF parameters that would cost more memory or time than the bounds allow. */
  TooExpensive: 'TOO_EXPENSIVE',
  /** The MAC does not match: the password is wrong or the file is corrupted. */
  WrongPassword: 'WRONG_PASSWORD',
  /** The keystore is for another crypto suite than this chain's. */
  WrongSuite: 'WRONG_SUITE',
  /** The decrypted key is not a valid secret key, or does not match the stored address. */
  InvalidKey: 'INVALID_KEY',
  /** The file cannot be read. */
  Unreadable: 'UNREADABLE',
  /** The password given is neither a string nor bytes. */
  BadPassword: 'BAD_PASSWORD',
  /** A key file is already there; keys are never overwritten unless asked. */
  Exists: 'EXISTS',
} as const;
export type KeystoreErrorCodeValue = CodeOf<typeof KeystoreErrorCode>;

export class KeystoreError extends LingdingError<KeystoreErrorCodeValue> {
  constructor(message: string, code: KeystoreErrorCodeValue = KeystoreErrorCode.Malformed) {
    super(code, message);
    this.name = 'KeystoreError';
  }
}

export const DEFAULT_SCRYPT_N = 1 << 18;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const DKLEN = 32;

// Bounds on the KDF parameters a keystore file may ask for: a hostile or corrupted file
// must not make us allocate gigabytes or spin for minutes before the MAC check fails.
const MAX_SCRYPT_MEMORY = 1 << 30; // 128 * n * r bytes
const MAX_SCRYPT_WORK = 1 << 24; // n * r * p; geth's standard is 2^21
const MAX_PBKDF2_ROUNDS = 10_000_000;

export function encryptKeystore(
  secretKey: Uint8Array,
  password: string | Uint8Array,
  suite: CryptoSuite,
  opts: EncryptKeystoreOptions = {},
): KeystoreV3 {
  const { address } = suite.keyPairFromSecret(secretKey); // also validates the key
  const n = opts.scryptN ?? DEFAULT_SCRYPT_N;
  checkScryptParams(n, SCRYPT_R, SCRYPT_P);
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = scrypt(passwordBytes(password), salt, {
    N: n,
    r: SCRYPT_R,
    p: SCRYPT_P,
    dkLen: DKLEN,
    maxmem: MAX_SCRYPT_MEMORY + 1024,
  });
  const ciphertext = aes128ctr(true, derived.subarray(0, 16), iv, secretKey);
  const mac = keccak_256(concat(derived.subarray(16, 32), ciphertext));
  derived.fill(0);
  return {
    version: 3,
    id: randomUUID(),
    address: hex(address),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(ciphertext),
      kdf: 'scrypt',
      kdfparams: { dklen: DKLEN, n, r: SCRYPT_R, p: SCRYPT_P, salt: hex(salt) },
      mac: hex(mac),
    },
    lingding: { suite: suite.name },
  };
}

/**
 * Decrypts a v3 keystore (the parsed object or its JSON text) and returns the 32-byte
 * secret key. Accepts files from other tools: `Crypto` spelled with a capital C (old
 * geth), 0x-prefixed hex, scrypt or PBKDF2, with or without `address`.
 */
export function decryptKeystore(json: unknown, password: string | Uint8Array, suite: CryptoSuite): Uint8Array {
  const ks = parseJson(json);
  if (ks.version !== 3)
    throw new KeystoreError(
      `unsupported keystore version ${describe(ks.version)} (expected 3)`,
      KeystoreErrorCode.Unsupported,
    );
  const declaredSuite = (ks.lingding as { suite?: unknown } | undefined)?.suite;
  if (declaredSuite !== undefined && declaredSuite !== suite.name) {
    throw new KeystoreError(
      `keystore is for crypto suite '${String(declaredSuite)}', this chain uses '${suite.name}'`,
      KeystoreErrorCode.WrongSuite,
    );
  }
  const c = (ks.crypto ?? ks.Crypto) as Record<string, unknown> | undefined;
  if (!isObject(c)) throw new KeystoreError('malformed keystore: missing "crypto" section');
  if (c.cipher !== 'aes-128-ctr')
    throw new KeystoreError(
      `unsupported keystore cipher ${describe(c.cipher)} (only aes-128-ctr)`,
      KeystoreErrorCode.Unsupported,
    );
  const iv = hexField(isObject(c.cipherparams) ? c.cipherparams.iv : undefined, 'crypto.cipherparams.iv', 16);
  const ciphertext = hexField(c.ciphertext, 'crypto.ciphertext');
  const mac = hexField(c.mac, 'crypto.mac', 32);
  if (!isObject(c.kdfparams)) throw new KeystoreError('malformed keystore: missing crypto.kdfparams');

  const derived = deriveKey(c.kdf, c.kdfparams, passwordBytes(password));
  const expected = keccak_256(concat(derived.subarray(16, 32), ciphertext));
  if (!timingSafeEqual(expected, mac)) {
    derived.fill(0);
    throw new KeystoreError('wrong password or corrupted keystore (MAC mismatch)', KeystoreErrorCode.WrongPassword);
  }
  const secretKey = aes128ctr(false, derived.subarray(0, 16), iv, ciphertext);
  derived.fill(0);

  let address: Uint8Array;
  try {
    address = suite.keyPairFromSecret(secretKey).address;
  } catch (e) {
    throw new KeystoreError(
      `keystore holds an invalid ${suite.name} secret key: ${(e as Error).message}`,
      KeystoreErrorCode.InvalidKey,
    );
  }
  if (ks.address !== undefined) {
    const declared = typeof ks.address === 'string' ? ks.address.toLowerCase().replace(/^0x/, '') : '';
    if (declared !== hex(address))
      throw new KeystoreError(
        `keystore address ${describe(ks.address)} does not match its key (0x${hex(address)})`,
        KeystoreErrorCode.InvalidKey,
      );
  }
  return secretKey;
}

export interface WriteKeystoreOptions extends EncryptKeystoreOptions {
  /** Replace an existing file (atomically). By default an existing file is an error. */
  readonly overwrite?: boolean;
}

/** Encrypts and writes a keystore file readable only by its owner (mode 0600). */
export function writeKeystoreFile(
  path: string,
  secretKey: Uint8Array,
  password: string | Uint8Array,
  suite: CryptoSuite,
  opts: WriteKeystoreOptions = {},
): KeystoreV3 {
  const ks = encryptKeystore(secretKey, password, suite, opts);
  writeSecretFile(path, JSON.stringify(ks, null, 2) + '\n', opts.overwrite ?? false);
  return ks;
}

export function readKeystoreFile(path: string, password: string | Uint8Array, suite: CryptoSuite): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeystoreError(`cannot read keystore ${path}: ${(e as Error).message}`, KeystoreErrorCode.Unreadable);
  }
  return decryptKeystore(text, password, suite);
}

/**
 * Writes a secret with mode 0600 from the moment it exists: into a fresh temporary file
 * (exclusive create, so the mode applies) in the same directory, fsynced, then moved into
 * place — by rename when overwriting, by hard link otherwise, which fails atomically if
 * the target exists. A crash leaves the old file or the new one, never half a key.
 * Shared with node-key.ts.
 */
export function writeSecretFile(path: string, data: string, overwrite: boolean): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (overwrite) {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new KeystoreError(`${path} already exists; refusing to overwrite a key file`, KeystoreErrorCode.Exists);
        throw e;
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDirectory(dirname(path));
}

/** Makes the new directory entry durable; best effort (not every platform allows it). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // ignored: the file itself is already fsynced
  }
}

function deriveKey(kdf: unknown, params: Record<string, unknown>, password: Uint8Array): Uint8Array {
  const salt = hexField(params.salt, 'crypto.kdfparams.salt');
  const dklen = params.dklen;
  if (!isInt(dklen) || dklen < 32 || dklen > 64)
    throw new KeystoreError(`unsupported kdfparams.dklen ${describe(dklen)} (32..64)`, KeystoreErrorCode.Unsupported);
  if (kdf === 'scrypt') {
    const { n, r, p } = params;
    if (!isInt(n) || !isInt(r) || !isInt(p))
      throw new KeystoreError('malformed keystore: scrypt n, r and p must be integers');
    checkScryptParams(n, r, p);
    return scrypt(password, salt, { N: n, r, p, dkLen: dklen, maxmem: MAX_SCRYPT_MEMORY + 1024 });
  }
  if (kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256')
      throw new KeystoreError(
        `unsupported pbkdf2 prf ${describe(params.prf)} (only hmac-sha256)`,
        KeystoreErrorCode.Unsupported,
      );
    const c = params.c;
    if (!isInt(c) || c < 1 || c > MAX_PBKDF2_ROUNDS)
      throw new KeystoreError(`unsupported pbkdf2 round count ${describe(c)}`, KeystoreErrorCode.Unsupported);
    return new Uint8Array(pbkdf2Sync(password, salt, c, dklen, 'sha256'));
  }
  throw new KeystoreError(
    `unsupported keystore kdf ${describe(kdf)} (scrypt or pbkdf2)`,
    KeystoreErrorCode.Unsupported,
  );
}

function checkScryptParams(n: number, r: number, p: number): void {
  if (!isInt(n) || n < 2 || (n & (n - 1)) !== 0)
    throw new KeystoreError(`scrypt n must be a power of two >= 2, got ${describe(n)}`);
  if (r < 1 || p < 1) throw new KeystoreError('scrypt r and p must be positive');
  if (128 * n * r > MAX_SCRYPT_MEMORY)
    throw new KeystoreError(
      `scrypt parameters need more than ${MAX_SCRYPT_MEMORY >> 20} MiB (n=${n}, r=${r})`,
      KeystoreErrorCode.TooExpensive,
    );
  if (n * r * p > MAX_SCRYPT_WORK)
    throw new KeystoreError(
      `scrypt parameters are too expensive (n*r*p = ${n * r * p})`,
      KeystoreErrorCode.TooExpensive,
    );
}

function aes128ctr(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = encrypt ? createCipheriv('aes-128-ctr', key, iv) : createDecipheriv('aes-128-ctr', key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** UTF-8 of the NFKC form, as ethers.js does, so non-ASCII passwords open in both. */
function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') return new TextEncoder().encode(password.normalize('NFKC'));
  if (password instanceof Uint8Array) return password;
  throw new KeystoreError('password must be a string or bytes', KeystoreErrorCode.BadPassword);
}

function parseJson(json: unknown): Record<string, unknown> {
  let v = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch (e) {
      throw new KeystoreError(`malformed keystore JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(v)) throw new KeystoreError('malformed keystore: expected a JSON object');
  return v;
}

function hexField(v: unknown, field: string, length?: number): Uint8Array {
  if (typeof v !== 'string') throw new KeystoreError(`malformed keystore: ${field} must be a hex string`);
  const body = v.startsWith('0x') ? v.slice(2) : v;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body))
    throw new KeystoreError(`malformed keystore: ${field} is not valid hex`);
  const out = new Uint8Array(Buffer.from(body, 'hex'));
  if (length !== undefined && out.length !== length)
    throw new KeystoreError(`malformed keystore: ${field} must be ${length} bytes, got ${out.length}`);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function describe(v: unknown): string {
  return v === undefined ? 'missing' : (JSON.stringify(v) ?? String(v));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
