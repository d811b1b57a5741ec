import type { Command } from 'commander';
import { PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP } from './password.js';
import { CliError } from './output.js';

/** The node the CLI talks to unless --rpc names another. */
export const DEFAULT_RPC = process.env.LINGDING_RPC ?? 'http://127.0.0.1:8545';

/*
 * Who signs and how (tools/cli/signer.ts does the signing): declared here, without the
 * crypto, so that registering a command loads none of it.
 */
export const TX_TYPES = ['native', 'ethereum'] as const;
export type TxKind = (typeof TX_TYPES)[number];

export const KEY_FILE_FLAG = '--key-file <file>';
export const KEY_FILE_HELP =
  "file holding the account's raw private key (64 hex digits, 0x optional), instead of --keystore";
export const TX_TYPE_FLAG = '--tx-type <type>';
export const TX_TYPE_HELP =
  "native (Lingding's own: random nonce + blockLimit) or ethereum (EIP-1559, signed as Ethereum wallets sign, with the account's sequential nonce)";

/** commander's parser for --tx-type. */
export function parseTxType(v: string): TxKind {
  if (!(TX_TYPES as readonly string[]).includes(v))
    throw new CliError(`--tx-type must be native or ethereum, not '${v}'`);
  return v as TxKind;
}

/** What a command that signs and sends a committee transaction is given. */
export interface SendOptions {
  keystore?: string;
  keyFile?: string;
  passwordFile?: string;
  txType: TxKind;
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
    .option('--keystore <file>', keystore)
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option(TX_TYPE_FLAG, TX_TYPE_HELP, parseTxType, 'native')
    .option('--gas <n>', 'gas limit', (v) => Number(v), 3_000_000)
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON');
}
