import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { Interface } from 'ethers';
import { Wallet } from 'ethers';
import { encodeDeployInput, ethDeployBytecode } from '../../../node/exec/wasm-vm.js';
import { fromHex, toHex } from '../../../node/codec/hex.js';
import { decodeEthTx } from '../../../node/codec/eth-tx.js';
import { encodeTx, txHash } from '../../../node/codec/tx.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { RpcClient } from '../../client/rpc-client.js';
import { buildSignedTx } from '../../../node/codec/tx-builder.js';
import { encodeCall, jsonify, methodInterface } from '../abi-args.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';
import { PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP } from '../password.js';
import {
  DEFAULT_RPC,
  KEY_FILE_FLAG,
  KEY_FILE_HELP,
  parseTxType,
  TX_TYPE_FLAG,
  TX_TYPE_HELP,
  type TxKind,
} from '../send-options.js';
import { type SignerOptions, unlockAccount } from '../signer.js';
import {
  collectRecipient,
  PILOT_FLAG,
  PILOT_HELP,
  PRIVATE_FLAG,
  PRIVATE_HELP,
  type PrivateOptions,
  privateRecordSummary,
  RECIPIENT_FLAG,
  RECIPIENT_HELP,
  type SealedForPilot,
  sealForPilot,
} from '../private-record.js';
import type { Envelope } from '../../../node/codec/envelope.js';

/** Reads a JSON ABI file (as written by `lingding contract build`). */
function readAbi(path: string): { json: string; iface: Interface } {
  let json: string;
  try {
    json = readFileSync(path, 'utf8');
    return { json, iface: new Interface(JSON.parse(json)) };
  } catch (e) {
    throw new CliError(`cannot read ABI ${path}: ${(e as Error).message}`);
  }
}

/** A method given by name (with --abi) or by signature. */
function resolveMethod(method: string, args: string[], abiFile?: string) {
  if (!abiFile) return encodeCall(method, args);
  const { iface } = readAbi(abiFile);
  const fn = iface.getFunction(method);
  if (!fn) throw new CliError(`method '${method}' is not in ${abiFile}`);
  return encodeCall(fn.format('full').replace(/^function /, ''), args);
}

type SendSettings = SignerOptions & { gas: number; rpc: string; txType?: TxKind };

/**
 * Signs a transaction with an unlocked account and sends it to the node at `o.rpc`, as a
 * native transaction (type 3 with a private record's envelope) or (`--tx-type ethereum`) an
 * EIP-1559 one at the account's next sequential nonce. Either goes through sendTransaction,
 * which can wait for the receipt.
 */
export async function sendSigned(
  o: SendSettings,
  secret: Uint8Array,
  to: Uint8Array | null,
  input: Uint8Array,
  wait: boolean,
  envelope?: Envelope,
) {
  const client = new RpcClient(o.rpc);
  const { raw, hash } =
    o.txType === 'ethereum'
      ? await signEthereum(client, secret, to, input, o.gas)
      : await signNative(client, secret, to, input, o.gas, envelope);
  return { hash, res: await client.call('sendTransaction', [toHex(raw), wait]) };
}

async function signNative(
  client: RpcClient,
  secret: Uint8Array,
  to: Uint8Array | null,
  input: Uint8Array,
  gas: number,
  envelope?: Envelope,
) {
  const info = await client.call('getNodeInfo');
  return buildSignedTx(
    createEcdsaSuite(),
    { chainId: info.chainId, height: info.blockNumber, to, input, gasLimit: gas, ...(envelope ? { envelope } : {}) },
    secret,
  );
}

/** Signed by ethers as a wallet would; fees are zero (Lingding has no coin and ignores them). */
async function signEthereum(
  client: RpcClient,
  secret: Uint8Array,
  to: Uint8Array | null,
  input: Uint8Array,
  gas: number,
) {
  const wallet = new Wallet(toHex(secret));
  const [chainId, nonce] = await Promise.all([
    client.call('eth_chainId'),
    client.call('eth_getTransactionCount', [wallet.address, 'pending']),
  ]);
  const signed = await wallet.signTransaction({
    type: 2,
    chainId: BigInt(chainId),
    nonce: Number(nonce),
    to: to ? toHex(to) : null,
    data: toHex(input),
    gasLimit: gas,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
  });
  const tx = decodeEthTx(fromHex(signed));
  return { raw: encodeTx(tx), hash: txHash(createEcdsaSuite(), tx) };
}

/** Signs a transaction with the account of --keystore / --key-file and sends it to the node at `o.rpc`. */
export async function signAndSend(
  o: SendSettings,
  to: Uint8Array | null,
  input: Uint8Array,
  wait: boolean,
  envelope?: Envelope,
) {
  return sendSigned(o, (await unlockAccount(o)).secret, to, input, wait, envelope);
}

/** The record of `send --private`, sealed after the flags are checked; null without --private. */
async function privateRecordOf(o: PrivateOptions & { txType?: TxKind; rpc: string }): Promise<SealedForPilot | null> {
  if (o.private === undefined) {
    if (o.pilot !== undefined || o.recipient !== undefined)
      throw new CliError('--pilot and --recipient go with --private <record file>');
    return null;
  }
  if (o.txType === 'ethereum')
    throw new CliError(
      '--private sends a type-3 native transaction: an Ethereum-signed transaction has no field for the envelope, so drop --tx-type ethereum',
    );
  return sealForPilot(new RpcClient(o.rpc), { ...o, private: o.private });
}

/** The signer and transaction-type options of `deploy` and `send`. */
function withSigner(c: Command, whose: string): Command {
  return c
    .option('--keystore <file>', `account keystore of the ${whose}`)
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option(TX_TYPE_FLAG, TX_TYPE_HELP, parseTxType, 'native');
}

export function registerTxCommands(program: Command): void {
  withSigner(defineCommand(program, 'deploy'), 'deployer')
    .requiredOption('--abi <file>', "the contract's JSON ABI (stored on chain, served by getAbi)")
    .option('--gas <n>', 'gas limit', (v) => Number(v), 50_000_000)
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (wasmFile: string, args: string[], o: SendSettings & { abi: string; json?: boolean }) => {
      let wasm: Uint8Array;
      try {
        wasm = new Uint8Array(readFileSync(wasmFile));
      } catch (e) {
        throw new CliError(`cannot read ${wasmFile}: ${(e as Error).message}`);
      }
      const { json, iface } = readAbi(o.abi);
      const inputs = iface.deploy.inputs;
      if (args.length !== inputs.length)
        throw new CliError(`the constructor takes ${inputs.length} argument(s), got ${args.length}`);
      const ctor = inputs.length
        ? fromHex(
            iface.encodeDeploy(
              args.map((a, i) =>
                inputs[i].baseType === 'array' || inputs[i].baseType === 'tuple' ? JSON.parse(a) : a,
              ),
            ),
          )
        : new Uint8Array();
      // An Ethereum deploy carries the payload ethers' ContractFactory sends: the code and ABI, then
      // the constructor arguments appended (decision records: the Ethereum transaction type).
      const input =
        o.txType === 'ethereum'
          ? Buffer.concat([ethDeployBytecode(wasm, json), ctor])
          : encodeDeployInput(wasm, ctor, json);
      const { hash, res } = await signAndSend(o, null, input, true);
      const r = res as {
        status: number;
        statusText: string;
        message: string;
        contractAddress: string | null;
        blockNumber: number;
      };
      print(o, r, () =>
        kv([
          ['transaction', toHex(hash)],
          ['block', r.blockNumber],
          ['status', `${r.status} (${r.statusText})${r.message ? ': ' + r.message : ''}`],
          ['contract', r.contractAddress],
        ]),
      );
      if (r.status !== 0) process.exitCode = 1;
    });

  withSigner(defineCommand(program, 'send'), 'sender')
    .option('--abi <file>', 'JSON ABI: name methods and decode results and events with it')
    .option('--gas <n>', 'gas limit', (v) => Number(v), 3_000_000)
    .option('--no-wait', 'return the transaction hash without waiting for the receipt')
    .option(PRIVATE_FLAG, PRIVATE_HELP)
    .option(PILOT_FLAG, PILOT_HELP)
    .option(RECIPIENT_FLAG, RECIPIENT_HELP, collectRecipient)
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(
      async (
        to: string,
        method: string,
        args: string[],
        o: SendSettings & PrivateOptions & { wait: boolean; json?: boolean; abi?: string },
      ) => {
        const { data, fn } = resolveMethod(method, args, o.abi);
        const iface = o.abi ? readAbi(o.abi).iface : encodeCall(method, args).iface;
        const sealed = await privateRecordOf(o);
        const { hash, res } = await signAndSend(
          o,
          fromHex(to, 'to', 20),
          fromHex(data),
          o.wait,
          sealed?.sealed.envelope,
        );
        const privateRecord = sealed ? privateRecordSummary(sealed) : undefined;
        const recordRows: Array<[string, unknown]> = privateRecord
          ? [
              ['commitment', privateRecord.commitment],
              ['salt', privateRecord.salt],
              ['recipients', privateRecord.recipients.join(' ')],
            ]
          : [];
        if (!o.wait) {
          print(o, { ...res, ...(privateRecord ? { privateRecord } : {}) }, () =>
            kv([['transaction', String(res.transactionHash)], ...recordRows]),
          );
          return;
        }
        const receipt = res as {
          status: number;
          statusText: string;
          output: string;
          logs: Array<{ topics: string[]; data: string }>;
          blockNumber: number;
          message: string;
        };
        let decoded: unknown = null;
        if (receipt.status === 0 && fn.outputs.length)
          decoded = jsonify([...iface.decodeFunctionResult(fn, receipt.output)]);
        const events = receipt.logs.map((l) => {
          try {
            const ev = iface.parseLog(l);
            return ev ? { event: ev.name, args: jsonify([...ev.args]) } : { topics: l.topics, data: l.data };
          } catch {
            return { topics: l.topics, data: l.data };
          }
        });
        print(o, { ...receipt, decoded, events, ...(privateRecord ? { privateRecord } : {}) }, () =>
          kv([
            ['transaction', toHex(hash)],
            ['block', receipt.blockNumber],
            ['status', `${receipt.status} (${receipt.statusText})${receipt.message ? ': ' + receipt.message : ''}`],
            ['result', decoded],
            ['events', events],
            ...recordRows,
          ]),
        );
        if (receipt.status !== 0) process.exitCode = 1;
      },
    );

  defineCommand(program, 'call')
    .option('--from <address>', 'caller address')
    .option('--abi <file>', 'JSON ABI: name the method and decode the result with it')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(
      async (
        to: string,
        method: string,
        args: string[],
        o: { from?: string; rpc: string; json?: boolean; abi?: string },
      ) => {
        const { data, iface, fn } = resolveMethod(method, args, o.abi);
        const r = await new RpcClient(o.rpc).call('call', [{ to, data, ...(o.from ? { from: o.from } : {}) }]);
        if (r.status !== 0) throw new CliError(`call failed: ${r.statusText}${r.message ? ': ' + r.message : ''}`);
        const decoded = fn.outputs.length ? jsonify([...iface.decodeFunctionResult(fn, r.output)]) : r.output;
        print(o, { ...r, decoded }, () =>
          Array.isArray(decoded)
            ? decoded.map((d) => (typeof d === 'object' ? JSON.stringify(d) : String(d))).join('\n')
            : String(decoded),
        );
      },
    );

  // Exported for `lingding call` users who want the selector of a method.
  defineCommand(program, 'selector').action((method: string) => {
    const { fn } = methodInterface(method);
    process.stdout.write(`${fn.selector} ${fn.format()}\n`);
  });
}
