import { Contract, Interface, JsonRpcProvider, zeroPadValue } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachedBuild } from '../../contracts/testing/build-cache.js';
import { asExample } from '../../contracts/testing/examples.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { fromHex, kvIface, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

const KV_STORE = toHex(SystemAddress.KVStore);

/**
 * ethers v6's JsonRpcProvider, unpatched, against a real node: what a dapp reads through
 * eth_* for transactions sent the native way.
 */
describe('ethers JsonRpcProvider against a node', () => {
  let t: TestNode;
  let provider: JsonRpcProvider;
  let token: CachedBuild;
  let iface: Interface;

  /** Sends a native transaction and waits for its (native) receipt. */
  const send = async (to: Uint8Array | null, input: Uint8Array, who = 0) => {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      { chainId: t.chain.chainId, height, to, input, gasLimit: 100_000_000 },
      t.chain.accounts[who].secretKey,
    );
    return t.client.call('sendTransaction', [toHex(raw), true]);
  };

  beforeAll(async () => {
    t = await startTestNode();
    provider = new JsonRpcProvider(`http://127.0.0.1:${t.chain.nodes[0].rpcPort}`, undefined, {
      polling: true,
      pollingInterval: 100,
    });
    token = await asExample('token');
    iface = new Interface(token.abi as never);
  });
  afterAll(async () => {
    provider?.destroy();
    await t.cleanup();
  });

  it('reads the chain id and blocks by tag, number and hash', async () => {
    const network = await provider.getNetwork();
    expect(network.chainId).toBe(BigInt(await provider.send('eth_chainId', [])));
    expect(await provider.send('net_version', [])).toBe(network.chainId.toString());
    const latest = (await provider.getBlock('latest'))!;
    expect(latest.number).toBeLessThanOrEqual(await t.client.call('getBlockNumber'));
    const native = await t.client.call('getBlockByNumber', [latest.number]);
    expect(latest.hash).toBe(native!.hash);
    expect(latest.timestamp).toBe(Math.floor(native!.timestamp / 1000));
    expect(latest.parentHash).toBe(native!.parentHash);
    const byHash = (await provider.getBlock(latest.hash!))!;
    expect(byHash.number).toBe(latest.number);
    expect((await provider.getBlock('finalized'))!.number).toBeGreaterThanOrEqual(latest.number);
    expect((await provider.getBlock(0))!.number).toBe(0);
    expect(await provider.getBlock(latest.number + 1000)).toBeNull();
    expect(await provider.getBalance(toHex(t.chain.accounts[0].address))).toBe(0n);
    expect((await provider.getFeeData()).gasPrice).toBe(0n);
  });

  it('shows a native deploy and transfer: receipt, logs, code, the transaction, getLogs with a topic filter', async () => {
    const [me, other] = t.chain.accounts;
    const deployed = await send(
      null,
      encodeDeployInput(
        token.wasm,
        fromHex(iface.encodeDeploy(['Lingding', 'LD', 18, 5000n])),
        JSON.stringify(token.abi),
      ),
    );
    expect(deployed.status).toBe(0);
    const address = deployed.contractAddress!;
    // ethers' waitForDeployment polls eth_getCode until it is not empty.
    expect(await provider.getCode(address)).toBe(await t.client.call('getCode', [address]));

    const sent = await send(
      fromHex(address),
      fromHex(iface.encodeFunctionData('transfer', [toHex(other.address), 1234n])),
    );
    const receipt = (await provider.getTransactionReceipt(sent.transactionHash))!;
    expect(receipt.status).toBe(1);
    expect(receipt.blockNumber).toBe(sent.blockNumber);
    expect(receipt.blockHash).toBe(sent.blockHash);
    expect(receipt.from.toLowerCase()).toBe(toHex(me.address));
    expect(receipt.to?.toLowerCase()).toBe(address);
    expect(receipt.logs).toHaveLength(1);
    const ev = iface.parseLog(receipt.logs[0])!;
    expect(ev.name).toBe('Transfer');
    expect(ev.args[2]).toBe(1234n);
    expect(receipt.logs[0].index).toBe(0);
    expect(receipt.logsBloom).not.toBe(`0x${'00'.repeat(256)}`);

    const tx = (await provider.getTransaction(sent.transactionHash))!;
    expect(tx.hash).toBe(sent.transactionHash);
    expect(tx.from.toLowerCase()).toBe(toHex(me.address));
    expect(tx.nonce).toBe(0);
    expect(tx.value).toBe(0n);
    expect(tx.blockNumber).toBe(sent.blockNumber);

    const transferTopic = iface.getEvent('Transfer')!.topicHash;
    const toOther = zeroPadValue(toHex(other.address), 32);
    const logs = await provider.getLogs({
      fromBlock: 0,
      toBlock: 'latest',
      address,
      topics: [transferTopic, null, toOther],
    });
    expect(logs.map((l) => l.transactionHash)).toContain(sent.transactionHash);
    expect(logs.every((l) => l.topics[2] === toOther)).toBe(true);
    const none = await provider.getLogs({
      fromBlock: 0,
      address,
      topics: [transferTopic, null, zeroPadValue(toHex(me.address), 32)],
    });
    expect(none.filter((l) => l.transactionHash === sent.transactionHash)).toHaveLength(0);
    // The block's bloom says the log may be there.
    const block = (await provider.send('eth_getBlockByNumber', [`0x${sent.blockNumber.toString(16)}`, false])) as {
      logsBloom: string;
    };
    expect(block.logsBloom).toBe(receipt.logsBloom);
  });

  it('reads through a Contract (eth_call) and decodes a revert reason as geth reports it', async () => {
    const [, other] = t.chain.accounts;
    const deployed = await send(
      null,
      encodeDeployInput(
        token.wasm,
        fromHex(iface.encodeDeploy(['Lingding', 'LD', 18, 5000n])),
        JSON.stringify(token.abi),
      ),
    );
    const contract = new Contract(deployed.contractAddress!, token.abi as never, provider);
    expect(await contract.balanceOf(toHex(t.chain.accounts[0].address))).toBe(5000n);
    const err = await contract.transfer
      .staticCall(toHex(other.address), 10n ** 30n, { from: toHex(other.address) })
      .catch((e: unknown) => e as { code: string; reason: string | null; data: string });
    expect(err.code).toBe('CALL_EXCEPTION');
    expect(err.reason).toMatch(/exceeds balance/);
    expect(err.data).toMatch(/^0x08c379a0/);
  });

  it('answers eth_estimateGas, refuses eth_getStorageAt, and keeps unknown methods -32601', async () => {
    const kvGet = kvIface.encodeFunctionData('get', ['k']);
    const est = await provider.estimateGas({ to: KV_STORE, data: kvGet });
    expect(est).toBeGreaterThan(0n);
    await expect(
      provider.send('eth_getStorageAt', [toHex(t.chain.accounts[0].address), '0x0', 'latest']),
    ).rejects.toThrow(/not supported/);
    await expect(provider.send('eth_nope', [])).rejects.toMatchObject({ error: { code: -32601 } });
  });

  it('polls a block filter and a log filter', async () => {
    const blocks = await provider.send('eth_newBlockFilter', []);
    const deployed = await send(
      null,
      encodeDeployInput(
        token.wasm,
        fromHex(iface.encodeDeploy(['Lingding', 'LD', 18, 5000n])),
        JSON.stringify(token.abi),
      ),
    );
    const logsFilter = await provider.send('eth_newFilter', [{ address: deployed.contractAddress }]);
    const moved = await send(
      fromHex(deployed.contractAddress!),
      fromHex(iface.encodeFunctionData('transfer', [toHex(t.chain.accounts[1].address), 1n])),
    );
    const hashes = (await provider.send('eth_getFilterChanges', [blocks])) as string[];
    expect(hashes).toContain(deployed.blockHash);
    const logs = (await provider.send('eth_getFilterChanges', [logsFilter])) as Array<{ transactionHash: string }>;
    expect(logs.map((l) => l.transactionHash)).toEqual([moved.transactionHash]);
    expect(await provider.send('eth_getFilterChanges', [logsFilter])).toEqual([]);
    expect(await provider.send('eth_uninstallFilter', [logsFilter])).toBe(true);
    await expect(provider.send('eth_getFilterChanges', [logsFilter])).rejects.toThrow(/filter not found/);
  });
});
