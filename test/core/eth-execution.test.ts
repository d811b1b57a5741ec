import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContractFactory,
  Interface,
  Transaction,
  Wallet,
  getBytes,
  getCreateAddress,
  type TransactionLike,
} from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockValidationError, Chain, type ReadyTx } from '../../node/chain/chain.js';
import { ReceiptStatus } from '../../node/codec/block.js';
import { decodeEthTx } from '../../node/codec/eth-tx.js';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { encodeTx, txHash } from '../../node/codec/tx.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { parseGenesis } from '../../node/config/genesis.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { ethDeployBytecode, WasmContractVm } from '../../node/exec/wasm-vm.js';
import { asExample } from '../../contracts/testing/examples.js';
import { suite } from '../helpers/in-process.js';

const ETH_CHAIN_ID = 4242;
const sealer = suite.keyPairFromSecret(new Uint8Array(32).fill(3));
const native = suite.keyPairFromSecret(new Uint8Array(32).fill(5));
const wallet = new Wallet(`0x${'07'.repeat(32)}`);
const walletAddress = fromHex(wallet.address);
const genesis = parseGenesis({
  chainId: 'eth-exec',
  ethereumChainId: ETH_CHAIN_ID,
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(sealer.publicKey)],
  committee: { members: [{ address: toHex(native.address) }] },
});
const kv = new Interface(['function set(string key, string value) returns (int32)']);

const dirs: string[] = [];
const chains: Chain[] = [];
async function openChain(): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-eth-exec-'));
  dirs.push(dir);
  const chain = await Chain.open({ dataDir: dir, genesis, suite, vm: new WasmContractVm(), syncWrites: false });
  chains.push(chain);
  return chain;
}
afterEach(async () => {
  for (const c of chains.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An Ethereum transaction signed by `wallet`, as the pool would hand it to the chain. */
function ethTx(fields: TransactionLike, w: Wallet = wallet): ReadyTx {
  const t = Transaction.from({ type: 2, chainId: ETH_CHAIN_ID, gasLimit: 1_000_000, to: null, ...fields });
  t.signature = w.signingKey.sign(t.unsignedHash);
  const tx = decodeEthTx(getBytes(t.serialized));
  return { tx, hash: txHash(suite, tx), sender: fromHex(w.address), size: encodeTx(tx).length };
}

const kvSet = (key: string) => kv.encodeFunctionData('set', [key, 'v']);

function nativeTx(key: string): ReadyTx {
  const { tx, hash, raw } = buildSignedTx(
    suite,
    { chainId: 'eth-exec', height: 0, to: SystemAddress.KVStore, input: fromHex(kvSet(key)), gasLimit: 1_000_000 },
    native.secretKey,
  );
  return { tx, hash, sender: native.address, size: raw.length };
}

const at = { timestamp: 10, proposer: 0, view: 0 };

describe('Ethereum transactions on the ledger', () => {
  it('a block of native and Ethereum transactions executes to the same roots on two chains; nonces advance in state', async () => {
    const [a, b] = [await openChain(), await openChain()];
    const kvTo = toHex(SystemAddress.KVStore);
    const built = a.buildBlock(
      [
        ethTx({ nonce: 0, to: kvTo, data: kvSet('a') }),
        nativeTx('n'),
        ethTx({ nonce: 1, to: kvTo, data: kvSet('b'), type: 0, gasPrice: 5n }),
        ethTx({ nonce: 2, to: kvTo, data: kvSet('c'), type: 1, gasPrice: 1n }),
      ],
      at,
    );
    expect(built.block.transactions).toHaveLength(4);
    expect(built.receipts.map((r) => r.status)).toEqual(Array(4).fill(ReceiptStatus.Success));
    // b recovers every sender itself, the Ethereum ones through the ecdsa suite.
    const checked = b.executeBlock(built.block);
    expect(toHex(checked.block.header.stateRoot)).toBe(toHex(built.block.header.stateRoot));
    expect(toHex(checked.hash)).toBe(toHex(built.hash));
    expect(checked.senders.map(toHex)).toEqual(built.senders.map(toHex));
    await a.commit(built, null);
    await b.commit(checked, null);
    expect([a.ethNonce(walletAddress), b.ethNonce(walletAddress)]).toEqual([3, 3]);
    expect(a.ethNonce(native.address)).toBe(0);
    expect(a.txOnChain(built.txHashes[0])).toBe(true);
  });

  it('the proposer leaves out an Ethereum transaction that is not its sender’s next; a block holding one is invalid', async () => {
    const [a, b] = [await openChain(), await openChain()];
    const kvTo = toHex(SystemAddress.KVStore);
    const first = ethTx({ nonce: 0, to: kvTo, data: kvSet('a') });
    const gapped = ethTx({ nonce: 2, to: kvTo, data: kvSet('b') });
    const built = a.buildBlock([gapped, first], at);
    expect(built.block.transactions).toEqual([first.tx]);
    const forged = (txs: ReadyTx[]) => ({ ...built.block, transactions: txs.map((t) => t.tx) });
    const refused = (txs: ReadyTx[], message: RegExp) => {
      expect(() => b.executeBlock(forged(txs))).toThrow(BlockValidationError);
      expect(() => b.executeBlock(forged(txs))).toThrow(message);
    };
    refused([gapped], /tx 0 has nonce 2; sender 0x[0-9a-f]{40} is at nonce 0/);
    refused([first, first], /tx 1 has nonce 0; sender 0x[0-9a-f]{40} is at nonce 1/);
    refused([ethTx({ nonce: 0, to: kvTo, chainId: 1 })], /is for Ethereum chain id 1, this chain is 4242/);
    refused([ethTx({ nonce: 0, to: kvTo, value: 1n })], /carries value 1: this chain has no coin/);
    expect(a.buildBlock([ethTx({ nonce: 0, to: kvTo, value: 1n })], at).block.transactions).toHaveLength(0);
    // Committed, the same transaction is a reused nonce for good.
    await b.commit(b.executeBlock(built.block), null);
    const next = b.buildBlock([first], { ...at, timestamp: 11 });
    expect(next.block.transactions).toHaveLength(0);
  });

  it('a failed call still moves the sender’s nonce on; simulate runs the next nonce and keeps nothing', async () => {
    const a = await openChain();
    const nowhere = `0x${'ab'.repeat(20)}`;
    const sim = a.simulate({ from: walletAddress, to: fromHex(nowhere), input: new Uint8Array() });
    expect(sim.status).toBe(ReceiptStatus.BadCall);
    const built = a.buildBlock([ethTx({ nonce: 0, to: nowhere })], at);
    expect(built.receipts[0].status).toBe(ReceiptStatus.BadCall);
    await a.commit(built, null);
    expect(a.ethNonce(walletAddress)).toBe(1);
    const ok = a.simulate({ from: walletAddress, to: SystemAddress.KVStore, input: fromHex(kvSet('s')) });
    expect(ok.status).toBe(ReceiptStatus.Success);
    expect(ok.gasUsed).toBeGreaterThan(0);
    expect(a.ethNonce(walletAddress)).toBe(1);
  });

  it('deploys through an Ethereum transaction at the CREATE address, with the constructor arguments ethers appends', async () => {
    const token = await asExample('token');
    const a = await openChain();
    const abi = JSON.stringify(token.abi);
    const factory = new ContractFactory(token.abi as never, toHex(ethDeployBytecode(token.wasm, abi)));
    const { data } = await factory.getDeployTransaction('Lingding', 'LD', 18, 1_000_000n);
    await a.commit(a.buildBlock([ethTx({ nonce: 0, to: `0x${'ab'.repeat(20)}` })], at), null);
    // Simulating the deploy gives the same outcome as running it, and keeps nothing.
    const expected = getCreateAddress({ from: wallet.address, nonce: 1 }).toLowerCase();
    const sim = a.simulate({ from: walletAddress, to: null, input: getBytes(data) });
    expect(sim.status).toBe(ReceiptStatus.Success);
    expect(toHex(sim.contractAddress!)).toBe(expected);
    expect(a.contractCode(fromHex(expected))).toBeNull();
    const built = a.buildBlock([ethTx({ nonce: 1, data, gasLimit: 100_000_000 })], { ...at, timestamp: 11 });
    expect(built.receipts[0].message).toBe('');
    expect(toHex(built.receipts[0].contractAddress!)).toBe(expected);
    await a.commit(built, null);
    expect(a.contractCode(fromHex(expected))?.abi).toBe(abi);
    const iface = new Interface(token.abi as never);
    const balance = a.call(
      walletAddress,
      fromHex(expected),
      fromHex(iface.encodeFunctionData('balanceOf', [wallet.address])),
    );
    expect(iface.decodeFunctionResult('balanceOf', balance.output)[0]).toBe(1_000_000n);
    expect(a.ethNonce(walletAddress)).toBe(2);
    // Data that is not a deploy payload fails the deploy, and the nonce still moves on.
    const junk = a.buildBlock([ethTx({ nonce: 2, data: '0x6080' })], { ...at, timestamp: 12 });
    expect(junk.receipts[0].status).toBe(ReceiptStatus.DeployFailed);
    expect(junk.receipts[0].message).toMatch(/does not start with a deploy payload/);
  });
});
