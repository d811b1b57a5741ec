import type { Command } from 'commander';
import { PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP } from './password.js';

/** The node the CLI talks to unless --rpc names another. */
export const DEFAULT_RPC = process.env.LINGDING_RPC ?? 'http://127.0.0.1:8545';

/** What a command that signs and sends a committee transaction is given. */
export interface SendOptions {
  keystore: string;
  passwordFile?: string;
  gas: number;
  rpc: string;
  json?: boolean;
}

/**
 * The options of a committee transaction (`gov`, `node add-validator` …). Here, apart from
 * the sending code, so that `lingding node start` registers them without loading the client.
 */
export function withSendOptions(c: Command, keystore = "a committee member's account keystore"): Command {
  return c
    .requiredOption('--keystore <file>', keystore)
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option('--gas <n>', 'gas limit', (v) => Number(v), 3_000_000)
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON');
}
