import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { Interface } from 'ethers';
import { encodeDeployInput } from '../../../node/exec/wasm-vm.js';
import { fromHex, toHex } from '../../../node/codec/hex.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { readKeystoreFile } from '../../../node/crypto/keystore.js';
import { RpcClient } from '../../client/rpc-client.js';
import { buildSignedTx } from '../../../node/codec/tx-builder.js';
import { encodeCall, jsonify, methodInterface } from '../abi-args.js';
import { CliError, kv, print } from '../output.js';
import { defineCommand } from '../command-table.js';
import { PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP, readPassword } from '../password.js';
import { DEFAULT_RPC } from '../send-options.js';

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

type SendSettings = { keystore: string; passwordFile?: string; gas: number; rpc: string };

/** Decrypts the keystore (asking for its password as the options say): the account that will sign. */
export async function unlockAccount(o: { keystore: string; passwordFile?: string }) {
  const suite = createEcdsaSuite();
  const secret = readKeystoreFile(o.keystore, await readPassword(o, { what: o.keystore }), suite);
  return { secret, address: suite.keyPairFromSecret(secret).address };
}

/** Signs a transaction with an unlocked account and sends it to the node at `o.rpc`. */
export async function sendSigned(
  o: SendSettings,
  secret: Uint8Array,
  to: Uint8Array | null,
  input: Uint8Array,
  wait: boolean,
) {
  const client = new RpcClient(o.rpc);
  const info = await client.call('getNodeInfo');
  const { raw, hash } = buildSignedTx(
    createEcdsaSuite(),
    { chainId: info.chainId, height: info.blockNumber, to, input, gasLimit: o.gas },
    secret,
  );
  return { hash, res: await client.call('sendTransaction', [toHex(raw), wait]) };
}

/** Signs a transaction with a keystore account and sends it to the node at `o.rpc`. */
export async function signAndSend(o: SendSettings, to: Uint8Array | null, input: Uint8Array, wait: boolean) {
  return sendSigned(o, (await unlockAccount(o)).secret, to, input, wait);
}

export function registerTxCommands(program: Command): void {
  defineCommand(program, 'deploy')
    .requiredOption('--abi <file>', "the contract's JSON ABI (stored on chain, served by getAbi)")
    .requiredOption('--keystore <file>', 'account keystore of the deployer')
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option('--gas <n>', 'gas limit', (v) => Number(v), 50_000_000)
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(
      async (
        wasmFile: string,
        args: string[],
        o: { abi: string; keystore: string; passwordFile?: string; gas: number; rpc: string; json?: boolean },
      ) => {
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
        const { hash, res } = await signAndSend(o, null, encodeDeployInput(wasm, ctor, json), true);
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
      },
    );

  defineCommand(program, 'send')
    .requiredOption('--keystore <file>', 'account keystore of the sender')
    .option('--abi <file>', 'JSON ABI: name methods and decode results and events with it')
    .option(PASSWORD_FILE_FLAG, PASSWORD_FILE_HELP)
    .option('--gas <n>', 'gas limit', (v) => Number(v), 3_000_000)
    .option('--no-wait', 'return the transaction hash without waiting for the receipt')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(
      async (
        to: string,
        method: string,
        args: string[],
        o: {
          keystore: string;
          passwordFile?: string;
          gas: number;
          wait: boolean;
          rpc: string;
          json?: boolean;
          abi?: string;
        },
      ) => {
        const { data, fn } = resolveMethod(method, args, o.abi);
        const iface = o.abi ? readAbi(o.abi).iface : encodeCall(method, args).iface;
        const { hash, res } = await signAndSend(o, fromHex(to, 'to', 20), fromHex(data), o.wait);
        if (!o.wait) {
          print(o, res, () => kv([['transaction', String(res.transactionHash)]]));
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
        print(o, { ...receipt, decoded, events }, () =>
          kv([
            ['transaction', toHex(hash)],
            ['block', receipt.blockNumber],
            ['status', `${receipt.status} (${receipt.statusText})${receipt.message ? ': ' + receipt.message : ''}`],
            ['result', decoded],
            ['events', events],
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
