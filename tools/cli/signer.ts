/**
 * Who signs, and how: a command that sends a transaction takes the account from a keystore
 * (Web3 Secret Storage v3, the format geth, ethers and MetaMask export) or from a raw
 * private-key file (what `cast wallet`, Hardhat and most Ethereum tooling hand out), and
 * signs either Lingding's native transaction or an Ethereum (EIP-1559) one.
 */
import { readFileSync } from 'node:fs';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { readKeystoreFile } from '../../node/crypto/keystore.js';
import { CliError } from './output.js';
import { type PasswordOptions, readPassword } from './password.js';

export interface SignerOptions extends PasswordOptions {
  keystore?: string;
  keyFile?: string;
}

/** The account's secret key and address, from exactly one of --keystore and --key-file. */
export async function unlockAccount(o: SignerOptions): Promise<{ secret: Uint8Array; address: Uint8Array }> {
  if (o.keystore !== undefined && o.keyFile !== undefined)
    throw new CliError('give --keystore or --key-file, not both');
  const suite = createEcdsaSuite();
  let secret: Uint8Array;
  if (o.keyFile !== undefined) secret = readKeyFile(o.keyFile);
  else if (o.keystore !== undefined)
    secret = readKeystoreFile(o.keystore, await readPassword(o, { what: o.keystore }), suite);
  else throw new CliError('the account that signs is missing: give --keystore <file> or --key-file <file>');
  try {
    return { secret, address: suite.keyPairFromSecret(secret).address };
  } catch {
    throw new CliError(`${o.keyFile ?? o.keystore} does not hold a valid secp256k1 private key`);
  }
}

/** A raw private key file: 32 bytes as hex, 0x optional, surrounding whitespace ignored. */
export function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // The key itself is never echoed in an error.
  const hex = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new CliError(`key file ${path} must hold one private key: 64 hex digits (0x optional)`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
