/**
 * ethers v6, web3.js v4 and viem against a running Lingding node process, used as their
 * documentation says, with nothing patched: each library reads the chain id and blocks,
 * deploys the shipped AssemblyScript ERC-20, transfers, waits for the receipt, reads
 * balances, decodes a revert reason, queries past Transfer events by filter and receives
 * a new Transfer over a WebSocket subscription.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Contract,
  ContractFactory,
  getAddress,
  JsonRpcProvider,
  type Log,
  Wallet,
  WebSocketProvider,
} from 'ethers';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getContract,
  http,
  type Hex,
  webSocket,
  BaseError,
  ContractFunctionRevertedError,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ContractAbi, type EventLog, Web3 } from 'web3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asExample } from '../../contracts/testing/examples.js';
import { toHex } from '../../node/codec/hex.js';
import { ethDeployBytecode } from '../../node/exec/wasm-vm.js';
import { createSoloChain, type NodeProcess, spawnNode } from '../../tools/devnet/local-chain.js';

const SUPPLY = 1_000_000n * 10n ** 18n;
const INSUFFICIENT = 'ERC20: transfer amount exceeds balance';

/** Every message along an error's cause chain (libraries wrap the node's error differently). */
function messages(e: unknown): string {
  const out: string[] = [];
  for (let x = e as { message?: string; cause?: unknown; innerError?: unknown; reason?: string } | undefined; x; ) {
    out.push(String(x.message ?? ''), String(x.reason ?? ''));
    x = (x.cause ?? x.innerError) as typeof x;
  }
  return out.join(' | ');
}

/**
 * Subscribes, then sends transfers (one at a time, each waited for) until the subscription
 * delivers one: a library's subscription is set up asynchronously, so an event sent at once
 * could come before it exists. Resolves with the delivered value, which must be one sent.
 */
async function deliveredOverSubscription(
  subscribe: (got: (value: bigint) => void) => void,
  sendTransfer: (value: bigint) => Promise<unknown>,
): Promise<{ value: bigint; sent: bigint[] }> {
  let delivered: bigint | null = null;
  subscribe((v) => {
    delivered ??= v;
  });
  const sent: bigint[] = [];
  for (let value = 1n; delivered === null; value++) {
    if (value > 40n) throw new Error(`no Transfer delivered over the subscription after ${sent.length} transfers`);
    await sendTransfer(value);
    sent.push(value);
    const until = Date.now() + 3_000;
    while (delivered === null && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }
  return { value: delivered, sent };
}

describe('Ethereum libraries against a Lingding node process', { timeout: 300_000 }, () => {
  let dir = '';
  let node: NodeProcess;
  let wsUrl = '';
  let owner: { key: Hex; address: string };
  let alice: { key: Hex; address: string };
  let token: Awaited<ReturnType<typeof asExample>>;
  let bytecode: Hex;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lingding-eth-libs-'));
    const chain = await createSoloChain(dir, { accounts: 2, node: { log: { level: 'warn' } } });
    [node, token] = await Promise.all([spawnNode(chain.nodes[0], { timeoutMs: 120_000 }), asExample('token')]);
    wsUrl = node.rpcUrl.replace(/^http/, 'ws');
    // Addresses as the libraries give them back: EIP-55 checksummed.
    const account = (i: number) => ({
      key: toHex(chain.accounts[i].secretKey) as Hex,
      address: getAddress(toHex(chain.accounts[i].address)),
    });
    [owner, alice] = [account(0), account(1)];
    bytecode = toHex(ethDeployBytecode(token.wasm, JSON.stringify(token.abi))) as Hex;
  });
  afterAll(async () => {
    await node?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ethers v6: network, blocks, deploy, transfer, revert reason, past events, WebSocket events', async () => {
    // ethers reuses an identical request's answer for 250 ms (cacheTimeout); a Lingding block
    // commits faster than that, so back-to-back sends would reuse a stale pending nonce, as
    // against Hardhat's automine. Documented in docs/contract-guide.md.
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { pollingInterval: 200, cacheTimeout: -1 });
    const { chainId } = await provider.getNetwork();
    expect(chainId).toBeGreaterThan(0n);
    expect(await provider.send('net_version', [])).toBe(chainId.toString());
    const latest = (await provider.getBlock('latest'))!;
    expect((await provider.getBlock(latest.hash!))!.number).toBe(latest.number);
    expect((await provider.getBlock('finalized'))!.number).toBeGreaterThanOrEqual(latest.number);

    const ownerWallet = new Wallet(owner.key, provider);
    const factory = new ContractFactory(token.abi, bytecode, ownerWallet);
    const erc20 = (await factory.deploy('Lingding Token', 'LDT', 18, SUPPLY)) as Contract;
    await erc20.waitForDeployment();
    const address = await erc20.getAddress();
    expect(await provider.getCode(address)).not.toBe('0x');
    expect(await erc20.symbol()).toBe('LDT');
    expect(await erc20.balanceOf(owner.address)).toBe(SUPPLY);

    const receipt = (await (await erc20.transfer(alice.address, 250n)).wait())!;
    expect(receipt.status).toBe(1);
    expect(await erc20.balanceOf(alice.address)).toBe(250n);
    const [log] = receipt.logs.map((l: Log) => erc20.interface.parseLog(l)!);
    expect([log.name, log.args.from, log.args.to, log.args.value]).toEqual([
      'Transfer',
      owner.address,
      alice.address,
      250n,
    ]);
    expect(await provider.getTransactionCount(owner.address)).toBe(2);

    const asAlice = erc20.connect(new Wallet(alice.key, provider)) as Contract;
    await expect(asAlice.transfer(owner.address, 10n ** 30n)).rejects.toMatchObject({
      code: 'CALL_EXCEPTION',
      reason: INSUFFICIENT,
    });

    const past = await erc20.queryFilter(erc20.filters.Transfer(owner.address, alice.address), 0);
    expect(past.map((e) => ('args' in e ? e.args.value : null))).toEqual([250n]);

    const ws = new WebSocketProvider(wsUrl);
    try {
      const live = erc20.connect(ws) as Contract;
      const { value, sent } = await deliveredOverSubscription(
        (done) => void live.on('Transfer', (_from: string, _to: string, v: bigint) => done(v)),
        async (v) => (await erc20.transfer(alice.address, v)).wait(),
      );
      expect(sent).toContain(value);
    } finally {
      await ws.destroy();
    }
    provider.destroy();
  });

  it('web3.js v4: chain id, blocks, deploy, transfer, revert reason, past events, WebSocket events', async () => {
    const web3 = new Web3(node.rpcUrl);
    web3.eth.transactionPollingInterval = 200;
    const chainId = await web3.eth.getChainId();
    expect(chainId).toBeGreaterThan(0n);
    const head = await web3.eth.getBlock('latest');
    expect((await web3.eth.getBlock(head.hash!)).number).toBe(head.number);

    const me = web3.eth.accounts.wallet.add(owner.key)[0];
    const other = web3.eth.accounts.wallet.add(alice.key)[1];
    const deployed = await new web3.eth.Contract(token.abi as unknown as ContractAbi)
      .deploy({ data: bytecode, arguments: ['Web3 Token', 'W3T', 18, SUPPLY] as never })
      .send({ from: me.address });
    const address = deployed.options.address!;
    expect(await web3.eth.getCode(address)).not.toBe('0x');

    const sent = await deployed.methods.transfer(alice.address, 40n).send({ from: me.address });
    expect(sent.status).toBe(1n);
    expect(await deployed.methods.balanceOf(alice.address).call()).toBe(40n);

    const refused = await deployed.methods
      .transfer(owner.address, 10n ** 30n)
      .send({ from: other.address })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(messages(refused)).toContain(INSUFFICIENT);

    // The ABI is read at run time, so web3's types know no event names: name it through a string.
    const transferEvent: string = 'Transfer';
    const past = await deployed.getPastEvents(transferEvent as 'allEvents', {
      filter: { from: owner.address },
      fromBlock: 0,
    });
    expect(past.map((e) => (typeof e === 'string' ? e : e.returnValues.value))).toEqual([40n]);

    const wsWeb3 = new Web3(wsUrl);
    try {
      const live = new wsWeb3.eth.Contract(token.abi as unknown as ContractAbi, address);
      const sub = live.events.Transfer();
      const { value, sent } = await deliveredOverSubscription(
        (done) => sub.on('data', (ev: EventLog) => done(BigInt(String(ev.returnValues.value)))),
        async (v) => deployed.methods.transfer(alice.address, v).send({ from: me.address }),
      );
      expect(sent).toContain(value);
      await sub.unsubscribe();
    } finally {
      await wsWeb3.currentProvider?.disconnect?.();
    }
  });

  it('viem: chain id, blocks, deploy, transfer, revert reason, past events, WebSocket events', async () => {
    const probe = createPublicClient({ transport: http(node.rpcUrl) });
    const id = await probe.getChainId();
    const chain = defineChain({
      id,
      name: 'Lingding',
      nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 },
      rpcUrls: { default: { http: [node.rpcUrl], webSocket: [wsUrl] } },
    });
    const pub = createPublicClient({ chain, transport: http(node.rpcUrl), pollingInterval: 200 });
    const head = await pub.getBlock({ blockTag: 'latest' });
    expect((await pub.getBlock({ blockHash: head.hash! })).number).toBe(head.number);

    const wallet = createWalletClient({ chain, transport: http(node.rpcUrl), account: privateKeyToAccount(owner.key) });
    const abi = token.abi as never as readonly unknown[];
    const deployHash = await wallet.deployContract({ abi, bytecode, args: ['Viem Token', 'VMT', 18, SUPPLY] });
    const deployed = await pub.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 200 });
    expect(deployed.status).toBe('success');
    const address = deployed.contractAddress!;
    const erc20 = getContract({ address, abi: token.abi as never, client: { public: pub, wallet } }) as never as {
      read: { balanceOf(a: [string]): Promise<bigint> };
      write: { transfer(a: [string, bigint]): Promise<Hex> };
    };

    const hash = await erc20.write.transfer([alice.address, 11n]);
    const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 200 });
    expect(receipt.status).toBe('success');
    expect(await erc20.read.balanceOf([alice.address])).toBe(11n);

    const reverted = await pub
      .simulateContract({
        address,
        abi: token.abi as never,
        functionName: 'transfer' as never,
        args: [owner.address, 10n ** 30n] as never,
        account: alice.address as Hex,
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(reverted).toBeInstanceOf(BaseError);
    const revertError = (reverted as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
    expect((revertError as ContractFunctionRevertedError).reason).toBe(INSUFFICIENT);

    const past = await pub.getContractEvents({
      address,
      abi: token.abi as never,
      eventName: 'Transfer' as never,
      args: { to: alice.address } as never,
      fromBlock: 0n,
    });
    expect(past.map((e) => (e as { args: { value: bigint } }).args.value)).toEqual([11n]);

    const wsPub = createPublicClient({ chain, transport: webSocket(wsUrl) });
    let unwatch = () => {};
    try {
      const { value, sent } = await deliveredOverSubscription(
        (done) => {
          unwatch = wsPub.watchContractEvent({
            address,
            abi: token.abi as never,
            eventName: 'Transfer' as never,
            onLogs: (logs) => done((logs[0] as never as { args: { value: bigint } }).args.value),
          });
        },
        async (v) =>
          pub.waitForTransactionReceipt({ hash: await erc20.write.transfer([alice.address, v]), pollingInterval: 200 }),
      );
      expect(sent).toContain(value);
    } finally {
      unwatch();
      await (await wsPub.transport.getRpcClient?.())?.close?.();
    }
  });
});
