/**
 * A Hardhat node as a TypeScript developer would run it (`hardhat node`, automine), and the
 * ERC-20 workload on it: the minimal Solidity ERC-20 (./erc20-evm.ts), 200 funded senders,
 * transfers of one unit to as many receivers, sent as a user's wallet would send them
 * (eth_sendRawTransaction, one per request, then the receipt).
 *
 * Hardhat is not a dependency of the project: the bench installs the pinned version into a
 * cache folder the first time (`npm install --prefix`), and says so.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { hexlify, Interface, randomBytes, Transaction, Wallet } from 'ethers';
import { freePort } from '../../tools/devnet/local-chain.js';
import { ERC20_EVM_ABI, ERC20_EVM_BYTECODE } from './erc20-evm.js';
import type { SendBatch, TxOutcome } from './load.js';
import type { PreparedWorkload } from './workload.js';

export const HARDHAT_VERSION = '3.18.0';
/** Where Hardhat is installed on demand (LINGDING_BENCH_CACHE overrides ~/.cache/lingding-bench). */
const CACHE = join(process.env.LINGDING_BENCH_CACHE ?? join(homedir(), '.cache', 'lingding-bench'), 'hardhat');
/** The first account of Hardhat's well-known test mnemonic, funded with 10,000 ETH at start. */
const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** A transfer to a fresh receiver costs ~52 k gas (a new storage slot); room to spare. */
const TRANSFER_GAS = 100_000n;

/** Installs hardhat@HARDHAT_VERSION into the cache unless it is there; returns its CLI entry. */
export function ensureHardhat(): string {
  const pkg = join(CACHE, 'node_modules', 'hardhat', 'package.json');
  const installed = existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === HARDHAT_VERSION;
  if (!installed) {
    mkdirSync(CACHE, { recursive: true });
    const args = [
      'install',
      '--prefix',
      CACHE,
      '--no-audit',
      '--no-fund',
      '--save-exact',
      `hardhat@${HARDHAT_VERSION}`,
    ];
    console.log(`installing Hardhat for the baseline: npm ${args.join(' ')}`);
    // npm under this Node (22): under an older one it skips Hardhat's native EDR package
    // (engines >= 22) and Hardhat then cannot start.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const r = spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) throw new Error(`npm install of hardhat@${HARDHAT_VERSION} failed (exit ${r.status})`);
  }
  // An empty project: `hardhat node` needs a config file, and nothing here is compiled.
  const project = join(CACHE, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(join(project, 'hardhat.config.js'), 'export default {};\n');
  return join(CACHE, 'node_modules', 'hardhat', 'dist', 'src', 'cli.js');
}

export interface HardhatNode {
  readonly child: ChildProcess;
  readonly url: string;
  rpc<T>(method: string, params: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** `hardhat node` on a free loopback port, run directly by this Node binary so its pid is the node's. */
export async function startHardhat(cli: string): Promise<HardhatNode> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: join(CACHE, 'project'),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const rpc = async <T>(method: string, params: unknown[]): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result as T;
  };
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}: ${stderr}`);
    try {
      await rpc('eth_chainId', []);
      break;
    } catch {
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`hardhat node did not answer within 120 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    child,
    url,
    rpc,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface EvmReceipt {
  readonly status: string;
}

/**
 * Deploys the ERC-20, gives each of `senderCount` fresh accounts gas money and tokens (not
 * timed), and returns the workload with its sender: one request per transfer, a sender's
 * transfers one after another (automine refuses a nonce ahead of the next one).
 */
export async function prepareHardhatErc20(
  node: HardhatNode,
  senderCount: number,
): Promise<{ prepared: PreparedWorkload; send: SendBatch }> {
  const iface = new Interface(ERC20_EVM_ABI);
  const chainId = BigInt(await node.rpc<string>('eth_chainId', []));
  const { maxFeePerGas } = await feeData(node);
  // Signed synchronously (ethers' Wallet.signTransaction is async), so a workload's sign() can be.
  const signEvm = (
    from: Wallet,
    nonce: number,
    tx: { to?: string; data: string; value?: bigint; gasLimit: bigint },
  ) => {
    const t = Transaction.from({ type: 2, chainId, nonce, maxFeePerGas, maxPriorityFeePerGas: 0n, ...tx });
    t.signature = from.signingKey.sign(t.unsignedHash);
    return t.serialized;
  };
  const deployer = new Wallet(DEPLOYER_KEY);
  let deployerNonce = Number(await node.rpc<string>('eth_getTransactionCount', [deployer.address, 'latest']));
  const fromDeployer = async (tx: { to?: string; data: string; value?: bigint; gasLimit: bigint }) => {
    const hash = await node.rpc<string>('eth_sendRawTransaction', [signEvm(deployer, deployerNonce++, tx)]);
    const receipt = await node.rpc<EvmReceipt & { contractAddress: string | null }>('eth_getTransactionReceipt', [
      hash,
    ]);
    if (receipt?.status !== '0x1') throw new Error(`hardhat setup transaction failed: ${JSON.stringify(receipt)}`);
    return receipt;
  };
  const ctor = iface.encodeDeploy(['Bench', 'BCH', 0, 10n ** 15n]);
  const token = (await fromDeployer({ data: ERC20_EVM_BYTECODE + ctor.slice(2), gasLimit: 3_000_000n }))
    .contractAddress!;
  const newWallet = () => new Wallet(hexlify(randomBytes(32)));
  const senders = Array.from({ length: senderCount }, newWallet);
  const receivers = Array.from({ length: senderCount }, () => newWallet().address);
  for (const s of senders) {
    await fromDeployer({ to: s.address, data: '0x', value: 10n ** 18n, gasLimit: 21_000n });
    await fromDeployer({
      to: token,
      data: iface.encodeFunctionData('transfer', [s.address, 10n ** 9n]),
      gasLimit: TRANSFER_GAS,
    });
  }

  let signed = 0;
  const prepared: PreparedWorkload = {
    // Transfer i is sender i mod n's (i div n)-th transaction: fresh senders start at nonce 0.
    sign(count) {
      return Array.from({ length: count }, () => {
        const i = signed++;
        const data = iface.encodeFunctionData('transfer', [receivers[i % senderCount], 1n]);
        return signEvm(senders[i % senderCount], Math.floor(i / senderCount), {
          to: token,
          data,
          gasLimit: TRANSFER_GAS,
        });
      });
    },
    async checkState(succeeded) {
      let received = 0n;
      for (const r of receivers) {
        const out = await node.rpc<string>('eth_call', [
          { to: token, data: iface.encodeFunctionData('balanceOf', [r]) },
          'latest',
        ]);
        received += iface.decodeFunctionResult('balanceOf', out)[0] as bigint;
      }
      return received === BigInt(succeeded)
        ? null
        : `receivers hold ${received} token units, receipts say ${succeeded}`;
    },
  };

  const lanes = new Map<number, Promise<unknown>>();
  const sendOne = async (raw: string): Promise<TxOutcome> => {
    try {
      const hash = await node.rpc<string>('eth_sendRawTransaction', [raw]);
      const receipt = await node.rpc<EvmReceipt | null>('eth_getTransactionReceipt', [hash]);
      return receipt
        ? { committed: true, succeeded: receipt.status === '0x1' }
        : { error: 'no receipt after automine' };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  const send: SendBatch = (raws, first) =>
    Promise.all(
      raws.map((raw, k) => {
        const sender = (first + k) % senderCount;
        const p = (lanes.get(sender) ?? Promise.resolve()).then(() => sendOne(raw));
        lanes.set(sender, p);
        return p;
      }),
    );
  return { prepared, send };
}

async function feeData(node: HardhatNode): Promise<{ maxFeePerGas: bigint }> {
  const block = await node.rpc<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false]);
  // Automine's blocks hold one transaction each, far below the target, so the base fee only falls.
  return { maxFeePerGas: BigInt(block.baseFeePerGas) * 2n };
}
