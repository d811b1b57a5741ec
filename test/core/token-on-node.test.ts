import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain, type ReadyTx } from '../../node/chain/chain.js';
import { encodeReceipt } from '../../node/codec/block.js';
import { encodeTx, signTx, type NativeTx } from '../../node/codec/tx.js';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { parseGenesis } from '../../node/config/genesis.js';
import { encodeDeployInput, WasmContractVm } from '../../node/exec/wasm-vm.js';
import { ModuleCache } from '../../node/vm/index.js';
import { contractAddress } from '../../node/exec/executor.js';
import { asExample, rustExample, rustSkipReason } from '../../contracts/testing/examples.js';
import type { CachedBuild } from '../../contracts/testing/build-cache.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { startTestNode, suite, type TestNode } from '../helpers/in-process.js';

/** Deterministic keys and nonces: two runs must sign byte-identical transactions. */
const alice = suite.keyPairFromSecret(new Uint8Array(32).fill(7));
const bob = suite.keyPairFromSecret(new Uint8Array(32).fill(9));
const genesis = parseGenesis({
  chainId: 'tokens',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(alice.publicKey)],
  committee: { members: [{ address: toHex(alice.address) }] },
});

function tx(n: number, to: Uint8Array | null, input: Uint8Array, from = alice): ReadyTx {
  const nonce = new Uint8Array(32);
  new DataView(nonce.buffer).setUint32(28, n);
  const signed = signTx(
    suite,
    { chainId: 'tokens', nonce, blockLimit: 500, to, input, gasLimit: 100_000_000 },
    from.secretKey,
  );
  const raw = encodeTx(signed);
  return { tx: signed, hash: suite.hash(raw), sender: from.address, size: raw.length };
}

/** Deploys the token, transfers, fails a transfer; returns every receipt and state root. */
async function run(token: CachedBuild, vm = new WasmContractVm()): Promise<{ receipts: string[]; roots: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-token-'));
  const chain = await Chain.open({ dataDir: dir, genesis, suite, vm, syncWrites: false });
  try {
    const iface = new Interface(token.abi as never);
    const deploy = tx(
      1,
      null,
      encodeDeployInput(
        token.wasm,
        fromHex(iface.encodeDeploy(['Lingding', 'LD', 18, 1_000_000n])),
        JSON.stringify(token.abi),
      ),
    );
    const address = contractAddress(suite, alice.address, (deploy.tx as NativeTx).nonce);
    const blocks: ReadyTx[][] = [
      [deploy],
      [tx(2, address, fromHex(iface.encodeFunctionData('transfer', [toHex(bob.address), 250n])))],
      [tx(3, address, fromHex(iface.encodeFunctionData('transfer', [toHex(alice.address), 10_000_000n])), bob)],
      // Calls after a revert, in one block and the next: instances reused after either.
      [
        tx(4, address, fromHex(iface.encodeFunctionData('transfer', [toHex(alice.address), 50n])), bob),
        tx(5, address, fromHex(iface.encodeFunctionData('transfer', [toHex(bob.address), 7n]))),
      ],
      [tx(6, address, fromHex(iface.encodeFunctionData('approve', [toHex(bob.address), 9n])))],
    ];
    const receipts: string[] = [];
    const roots: string[] = [];
    for (const [i, txs] of blocks.entries()) {
      const built = chain.buildBlock(txs, { timestamp: 1000 + i, proposer: 0, view: 0 });
      await chain.commit(built, null);
      receipts.push(...built.receipts.map((r) => toHex(encodeReceipt(r))));
      roots.push(toHex(built.block.header.stateRoot));
    }
    return { receipts, roots };
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('token contracts on the ledger', () => {
  it('the AssemblyScript token gives the same receipts and state roots on two independent runs', async () => {
    const token = await asExample('token');
    const [a, b] = [await run(token), await run(token)];
    expect(b).toEqual(a);
    expect(a.receipts).toHaveLength(6);
  });

  it('the AssemblyScript token gives the same receipts (gas included) and roots with and without instance reuse', async () => {
    const token = await asExample('token');
    const reusing = new WasmContractVm();
    const reused = await run(token, reusing);
    const fresh = await run(token, new WasmContractVm(undefined, { cache: new ModuleCache({ maxIdleInstances: 0 }) }));
    expect(reused).toEqual(fresh);
    expect(reusing.cacheStats().reused).toBeGreaterThan(0);
  });

  it.skipIf(rustSkipReason !== undefined)(
    'the Rust token gives the same receipts and state roots on two independent runs',
    async () => {
      const token = await rustExample('token');
      const [a, b] = [await run(token), await run(token)];
      expect(b).toEqual(a);
    },
  );
});

describe('ethers.js against a token on a running node', () => {
  let t: TestNode;
  let token: CachedBuild;
  beforeAll(async () => {
    t = await startTestNode();
    token = await asExample('token');
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('encodes the calls the node executes, and decodes results, the Transfer event and revert reasons', async () => {
    const iface = new Interface(token.abi as never);
    const [me, other] = t.chain.accounts;
    const send = async (to: Uint8Array | null, input: Uint8Array, who = me) => {
      const height = await t.client.call('getBlockNumber');
      const { raw } = buildSignedTx(
        suite,
        { chainId: t.chain.chainId, height, to, input, gasLimit: 100_000_000 },
        who.secretKey,
      );
      return t.client.call('sendTransaction', [toHex(raw), true]);
    };
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

    const r = await send(
      fromHex(address),
      fromHex(iface.encodeFunctionData('transfer', [toHex(other.address), 1234n])),
    );
    expect(r.status).toBe(0);
    const ev = iface.parseLog(r.logs[0])!;
    expect(ev.name).toBe('Transfer');
    expect([String(ev.args[0]).toLowerCase(), String(ev.args[1]).toLowerCase(), ev.args[2]]).toEqual([
      toHex(me.address),
      toHex(other.address),
      1234n,
    ]);

    const call = await t.client.call('call', [
      { to: address, data: iface.encodeFunctionData('balanceOf', [toHex(other.address)]) },
    ]);
    expect(iface.decodeFunctionResult('balanceOf', call.output)[0]).toBe(1234n);

    const tooMuch = await send(
      fromHex(address),
      fromHex(iface.encodeFunctionData('transfer', [toHex(me.address), 10n ** 30n])),
      other,
    );
    expect(tooMuch.status).toBe(1);
    expect(tooMuch.message).toMatch(/exceeds balance/);
    expect(tooMuch.logs).toHaveLength(0);
    const still = await t.client.call('call', [
      { to: address, data: iface.encodeFunctionData('balanceOf', [toHex(other.address)]) },
    ]);
    expect(iface.decodeFunctionResult('balanceOf', still.output)[0]).toBe(1234n);
    expect(await t.client.call('getAbi', [address])).toBe(JSON.stringify(token.abi));
  });

  it('runs the evidence store and the faucet that calls the token, with rollback across the call', async () => {
    const [me, other] = t.chain.accounts;
    const send = async (to: Uint8Array | null, input: Uint8Array, who = me) => {
      const height = await t.client.call('getBlockNumber');
      const { raw } = buildSignedTx(
        suite,
        { chainId: t.chain.chainId, height, to, input, gasLimit: 100_000_000 },
        who.secretKey,
      );
      return t.client.call('sendTransaction', [toHex(raw), true]);
    };
    const view = async (iface: Interface, to: string, method: string, args: unknown[] = []) =>
      iface.decodeFunctionResult(
        method,
        (await t.client.call('call', [{ to, data: iface.encodeFunctionData(method, args) }])).output,
      );

    const evidence = await asExample('evidence');
    const ev = new Interface(evidence.abi as never);
    const evAddr = (await send(null, encodeDeployInput(evidence.wasm, new Uint8Array(), JSON.stringify(evidence.abi))))
      .contractAddress!;
    const digest = toHex(suite.hash(new TextEncoder().encode('contract #42')));
    const stored = await send(fromHex(evAddr), fromHex(ev.encodeFunctionData('store', [digest, 'loan agreement v1'])));
    expect(stored.status).toBe(0);
    expect(ev.parseLog(stored.logs[0])?.name).toBe('EvidenceStored');
    expect((await view(ev, evAddr, 'metadataOf', [digest]))[0]).toBe('loan agreement v1');
    const notIssuer = await send(fromHex(evAddr), fromHex(ev.encodeFunctionData('revoke', [digest, 'forged'])), other);
    expect(notIssuer.status).toBe(1);
    expect((await view(ev, evAddr, 'isValid', [digest]))[0]).toBe(true);

    const tokenIface = new Interface(token.abi as never);
    const tokenAddr = (
      await send(
        null,
        encodeDeployInput(
          token.wasm,
          fromHex(tokenIface.encodeDeploy(['Lingding', 'LD', 18, 1000n])),
          JSON.stringify(token.abi),
        ),
      )
    ).contractAddress!;
    const faucet = await asExample('faucet');
    const fc = new Interface(faucet.abi as never);
    const fcAddr = (
      await send(
        null,
        encodeDeployInput(faucet.wasm, fromHex(fc.encodeDeploy([tokenAddr, 300n])), JSON.stringify(faucet.abi)),
      )
    ).contractAddress!;
    await send(fromHex(tokenAddr), fromHex(tokenIface.encodeFunctionData('transfer', [fcAddr, 500n])));
    // The faucet calls the token: the Transfer event comes from the token, Claimed from the faucet.
    const claim = await send(fromHex(fcAddr), fromHex(fc.encodeFunctionData('claim')), other);
    expect(claim.status).toBe(0);
    expect(claim.logs.map((l) => l.address.toLowerCase())).toEqual([tokenAddr.toLowerCase(), fcAddr.toLowerCase()]);
    expect((await view(tokenIface, tokenAddr, 'balanceOf', [toHex(other.address)]))[0]).toBe(300n);
    // A second claimant finds only 200 left: the token reverts, and so does the whole claim.
    const third = suite.generateKeyPair();
    const dry = await send(fromHex(fcAddr), fromHex(fc.encodeFunctionData('claim')), third);
    expect(dry.status).toBe(1);
    expect(dry.logs).toHaveLength(0);
    expect((await view(fc, fcAddr, 'hasClaimed', [toHex(third.address)]))[0]).toBe(false);
    expect((await view(tokenIface, tokenAddr, 'balanceOf', [fcAddr]))[0]).toBe(200n);
  });
});
