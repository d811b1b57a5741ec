import type { Command } from 'commander';
import { fromHex, toHex } from '../../../node/codec/hex.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { readKeystoreFile } from '../../../node/crypto/keystore.js';
import { RpcClient } from '../../client/rpc-client.js';
import { buildSignedTx } from '../../client/tx-builder.js';
import { encodeCall, jsonify, methodInterface } from '../abi-args.js';
import { CliError, kv, print } from '../output.js';
import { readPassword } from '../password.js';
import { DEFAULT_RPC } from './query.js';

export function registerTxCommands(program: Command): void {
  program
    .command('send <to> <method> [args...]')
    .description("sign and send a transaction calling <method> (e.g. 'set(string,string)') on contract <to>")
    .requiredOption('--keystore <file>', 'account keystore of the sender')
    .option('--password <password>', 'keystore password (or LINGDING_PASSWORD)')
    .option('--gas <n>', 'gas limit', (v) => Number(v), 3_000_000)
    .option('--no-wait', 'return the transaction hash without waiting for the receipt')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (to: string, method: string, args: string[], o: { keystore: string; password?: string; gas: number; wait: boolean; rpc: string; json?: boolean }) => {
      const suite = createEcdsaSuite();
      const secret = readKeystoreFile(o.keystore, readPassword(o.password), suite);
      const { data, iface, fn } = encodeCall(method, args);
      const client = new RpcClient(o.rpc);
      const info = await client.request<{ chainId: string; blockNumber: number }>('getNodeInfo');
      const { raw, hash } = buildSignedTx(suite, { chainId: info.chainId, height: info.blockNumber, to: fromHex(to, 'to', 20), input: fromHex(data), gasLimit: o.gas }, secret);
      const res = await client.request<Record<string, unknown>>('sendTransaction', [toHex(raw), o.wait]);
      if (!o.wait) {
        print(o, res, () => kv([['transaction', String(res.transactionHash)]]));
        return;
      }
      const receipt = res as { status: number; statusText: string; output: string; logs: Array<{ topics: string[]; data: string }>; blockNumber: number; message: string };
      let decoded: unknown = null;
      if (receipt.status === 0 && fn.outputs.length) decoded = jsonify([...iface.decodeFunctionResult(fn, receipt.output)]);
      const events = receipt.logs.map((l) => {
        try {
          const ev = iface.parseLog(l);
          return ev ? { event: ev.name, args: jsonify([...ev.args]) } : { topics: l.topics, data: l.data };
        } catch {
          return { topics: l.topics, data: l.data };
        }
      });
      print(o, { ...receipt, decoded, events }, () =>
        kv([['transaction', toHex(hash)], ['block', receipt.blockNumber], ['status', `${receipt.status} (${receipt.statusText})${receipt.message ? ': ' + receipt.message : ''}`], ['result', decoded], ['events', events]]),
      );
      if (receipt.status !== 0) process.exitCode = 1;
    });

  program
    .command('call <to> <method> [args...]')
    .description("read-only call, e.g. lingding call 0x…1010 'get(string) returns (bool,string)' key")
    .option('--from <address>', 'caller address')
    .option('--rpc <url>', 'node RPC URL', DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (to: string, method: string, args: string[], o: { from?: string; rpc: string; json?: boolean }) => {
      const { data, iface, fn } = encodeCall(method, args);
      const r = await new RpcClient(o.rpc).request<{ status: number; statusText: string; output: string; message: string }>('call', [{ to, data, ...(o.from ? { from: o.from } : {}) }]);
      if (r.status !== 0) throw new CliError(`call failed: ${r.statusText}${r.message ? ': ' + r.message : ''}`);
      const decoded = fn.outputs.length ? jsonify([...iface.decodeFunctionResult(fn, r.output)]) : r.output;
      print(o, { ...r, decoded }, () => (Array.isArray(decoded) ? decoded.map((d) => (typeof d === 'object' ? JSON.stringify(d) : String(d))).join('\n') : String(decoded)));
    });

  // Exported for `lingding call` users who want the selector of a method.
  program
    .command('selector <method>')
    .description('print the 4-byte selector of a method signature')
    .action((method: string) => {
      const { fn } = methodInterface(method);
      process.stdout.write(`${fn.selector} ${fn.format()}\n`);
    });
}
