import {
  type BaseContract,
  type Contract,
  ContractFactory,
  getCreateAddress,
  hexlify,
  JsonRpcProvider,
  Wallet,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachedBuild } from '../../contracts/testing/build-cache.js';
import { asExample } from '../../contracts/testing/examples.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { ethDeployBytecode } from '../../node/exec/wasm-vm.js';
import { kvIface, startTestNode, type TestNode, toHex } from '../helpers/in-process.js';

const KV_STORE = toHex(SystemAddress.KVStore);
const CTOR_ARGS = ['Lingding', 'LD', 18, 5000n] as const;

/** What ethers' errors carry that these tests read. */
type EthersError = { code: string; reason?: string | null; shortMessage?: string; error?: { message: string } };
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as EthersError,
  );

/**
 * An ethers v6 Wallet, unpatched, signing Ethereum transactions for a real node: deploys
 * through ContractFactory, sends and waits, picks nonces, and reads the errors geth's texts
 * map to (ethers matches on them to set `code`).
 */
describe('ethers Wallet against a node', () => {
  let t: TestNode;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let token: CachedBuild;
  let factory: ContractFactory;
  /** A token deployed by the first test, which the later ones send to. */
  let deployed: Contract;

  const other = () => toHex(t.chain.accounts[1].address);
  const nonce = (tag: 'latest' | 'pending') => provider.getTransactionCount(wallet.address, tag);
  const kvSet = (key: string) => kvIface.encodeFunctionData('set', [key, 'v']);

  beforeAll(async () => {
    t = await startTestNode();
    provider = new JsonRpcProvider(`http://127.0.0.1:${t.chain.nodes[0].rpcPort}`, undefined, {
      polling: true,
      pollingInterval: 100,
      // ethers answers a repeated request from a 250 ms cache; nonces read before and after a commit must be fresh.
      cacheTimeout: -1,
    });
    // The chain's first account, whose secp256k1 key is an Ethereum key as it is.
    wallet = new Wallet(toHex(t.chain.accounts[0].secretKey), provider);
    token = await asExample('token');
    const bytecode = hexlify(ethDeployBytecode(token.wasm, JSON.stringify(token.abi)));
    factory = new ContractFactory(token.abi as never, bytecode, wallet);
  });
  afterAll(async () => {
    provider?.destroy();
    await t.cleanup();
  });

  it('deploys through ContractFactory at the CREATE address ethers computes, with the estimate as gas limit', async () => {
    const first = await nonce('latest');
    const estimate = await wallet.estimateGas(await factory.getDeployTransaction(...CTOR_ARGS));
    const contract = (await factory.deploy(...CTOR_ARGS)) as BaseContract as Contract;
    await contract.waitForDeployment();
    const address = await contract.getAddress();
    expect(address).toBe(getCreateAddress({ from: wallet.address, nonce: first }));
    const sent = contract.deploymentTransaction()!;
    // ethers sends exactly what eth_estimateGas answered, and that is enough.
    expect(sent.gasLimit).toBe(estimate);
    const receipt = (await sent.wait())!;
    expect(receipt.status).toBe(1);
    expect(receipt.contractAddress).toBe(address);
    expect(receipt.hash).toBe(sent.hash);
    expect(await contract.balanceOf(wallet.address)).toBe(5000n);
    expect(await nonce('latest')).toBe(first + 1);
    deployed = contract;
  });

  it('sends a transfer and waits: status 1, the Transfer log parsed, the gas limit exactly the estimate', async () => {
    const estimate = await deployed.transfer.estimateGas(other(), 1234n);
    const tx = await deployed.transfer(other(), 1234n);
    expect(tx.gasLimit).toBe(estimate);
    const receipt = (await tx.wait())!;
    expect(receipt.status).toBe(1);
    expect(receipt.gasUsed).toBeLessThanOrEqual(estimate);
    expect(receipt.from).toBe(wallet.address);
    expect(receipt.logs).toHaveLength(1);
    const ev = deployed.interface.parseLog(receipt.logs[0])!;
    expect(ev.name).toBe('Transfer');
    expect([ev.args[0], ev.args[1].toLowerCase(), ev.args[2]]).toEqual([wallet.address, other(), 1234n]);
    expect(await deployed.balanceOf(other())).toBe(1234n);
    const seen = (await provider.getTransaction(tx.hash))!;
    expect([seen.type, seen.nonce, seen.from]).toEqual([tx.type, tx.nonce, wallet.address]);
  });

  it('counts a pending transaction only once nothing is missing before it, and refuses another at its nonce (REPLACEMENT_UNDERPRICED)', async () => {
    const n = await nonce('latest');
    // Nonce n + 1 first: the pool holds it until n arrives, so it stays pending meanwhile.
    const held = await wallet.sendTransaction({ to: KV_STORE, data: kvSet('held'), nonce: n + 1, gasLimit: 500_000 });
    expect(await nonce('pending')).toBe(n);
    expect(await nonce('latest')).toBe(n);
    const replaced = await failure(
      wallet.sendTransaction({ to: KV_STORE, data: kvSet('other'), nonce: n + 1, gasLimit: 500_000 }),
    );
    expect(replaced.code).toBe('REPLACEMENT_UNDERPRICED');
    const filler = await wallet.sendTransaction({ to: KV_STORE, data: kvSet('filler'), nonce: n, gasLimit: 500_000 });
    expect((await held.wait())!.status).toBe(1);
    expect((await filler.wait())!.status).toBe(1);
    expect(await nonce('latest')).toBe(n + 2);
    expect(await nonce('pending')).toBe(n + 2);
  });

  it('maps a replayed or used nonce to NONCE_EXPIRED and a value to INSUFFICIENT_FUNDS; refuses another chain id', async () => {
    const raw = await wallet.signTransaction(await wallet.populateTransaction({ to: KV_STORE, data: kvSet('once') }));
    const sent = await provider.broadcastTransaction(raw);
    expect((await sent.wait())!.status).toBe(1);
    expect((await failure(provider.broadcastTransaction(raw))).code).toBe('NONCE_EXPIRED');
    const used = { to: KV_STORE, data: kvSet('again'), nonce: sent.nonce, gasLimit: 500_000 };
    expect((await failure(wallet.sendTransaction(used))).code).toBe('NONCE_EXPIRED');

    // Refused by eth_estimateGas, and by the pool when the gas limit is given.
    expect((await failure(wallet.sendTransaction({ to: other(), value: 1n }))).code).toBe('INSUFFICIENT_FUNDS');
    const valued = wallet.sendTransaction({ to: KV_STORE, data: kvSet('v'), value: 1n, gasLimit: 500_000 });
    expect((await failure(valued)).code).toBe('INSUFFICIENT_FUNDS');

    const { chainId } = await provider.getNetwork();
    // Signed offline: ethers' own populateTransaction refuses a chain id the provider does not report.
    const foreign = await new Wallet(wallet.privateKey).signTransaction({
      type: 2,
      chainId: chainId + 1n,
      nonce: await nonce('pending'),
      to: KV_STORE,
      data: kvSet('x'),
      gasLimit: 500_000,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    });
    const refused = await failure(provider.broadcastTransaction(foreign));
    expect(refused.error?.message).toMatch(/^invalid chain id for signer/);
  });

  it('decodes a revert while sending: CALL_EXCEPTION with the reason eth_estimateGas reported', async () => {
    const before = await nonce('latest');
    const err = await failure(deployed.transfer(other(), 10n ** 30n));
    expect(err.code).toBe('CALL_EXCEPTION');
    expect(err.reason).toBe('ERC20: transfer amount exceeds balance');
    // Nothing was sent.
    expect(await nonce('pending')).toBe(before);
  });
});
