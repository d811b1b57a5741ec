import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { RpcClientError } from '../../tools/client/rpc-client.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import type { NativeTx } from '../../node/codec/tx.js';
import { Wallet } from 'ethers';
import { encodeProposal } from '../../node/exec/system/index.js';
import { committeeIface } from '../helpers/committee.js';
import { verifyProofOffline, type ProofJson } from '../../tools/cli/commands/query.js';
import {
  fromHex,
  kvIface,
  signedKvSet,
  startTestNode,
  suite,
  sysIface,
  toHex,
  type TestNode,
} from '../helpers/in-process.js';

describe('single node ledger', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('seals a sent transaction and serves its receipt, block and proofs', async () => {
    const { raw, hash } = await signedKvSet(t, 'greeting', 'hello');
    const receipt = await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(receipt.status).toBe(0);
    expect(receipt.from).toBe(toHex(t.chain.accounts[0].address));
    const ev = kvIface.parseLog(receipt.logs[0]);
    expect(ev?.name).toBe('KVSet');
    expect(ev?.args[1]).toBe('greeting');

    const tx = (await t.client.call('getTransactionByHash', [toHex(hash)]))!;
    expect(tx.hash).toBe(toHex(hash));
    expect(tx.blockNumber).toBe(receipt.blockNumber);

    const block = (await t.client.call('getBlockByNumber', [receipt.blockNumber]))!;
    expect(block.transactions).toContain(toHex(hash));
    expect(block.certificate).not.toBeNull();

    const txProof = (await t.client.call('getTransactionProof', [toHex(hash)]))!;
    expect(txProof.root).toBe(block.transactionsRoot);
    expect(verifyProofOffline({ kind: 'transaction', ...txProof }).ok).toBe(true);
    const rProof = (await t.client.call('getReceiptProof', [toHex(hash)]))!;
    expect(rProof.root).toBe(block.receiptsRoot);
    expect(verifyProofOffline({ kind: 'receipt', ...rProof }).ok).toBe(true);
    // A tampered proof fails offline.
    const bad: ProofJson = { kind: 'transaction', ...txProof, leaf: toHex(suite.hash(new Uint8Array([1]))) };
    expect(verifyProofOffline(bad).ok).toBe(false);

    // An Ethereum-signed transaction's proof verifies too (its leaf is keccak256 of the signed bytes).
    const wallet = new Wallet(toHex(t.chain.accounts[1].secretKey));
    const ethRaw = await wallet.signTransaction({
      type: 2,
      chainId: BigInt(await t.client.call('eth_chainId')),
      nonce: 0,
      to: toHex(SystemAddress.KVStore),
      data: kvIface.encodeFunctionData('set', ['eth', 'signed']),
      gasLimit: 300_000,
      maxFeePerGas: 0,
      maxPriorityFeePerGas: 0,
    });
    const ethHash = await t.client.call('eth_sendRawTransaction', [ethRaw]);
    await expect.poll(() => t.client.call('getTransactionReceipt', [ethHash]), { timeout: 60_000 }).not.toBeNull();
    const ethProof = (await t.client.call('getTransactionProof', [ethHash]))!;
    expect(verifyProofOffline({ kind: 'transaction', ...ethProof })).toEqual({
      ok: true,
      reason: 'leaf is included under root',
    });

    const call = await t.client.call('call', [
      {
        to: toHex(SystemAddress.KVStore),
        from: toHex(t.chain.accounts[0].address),
        data: kvIface.encodeFunctionData('get', ['greeting']),
      },
    ]);
    expect([...kvIface.decodeFunctionResult('get', call.output)]).toEqual([true, 'hello']);
    const total = await t.client.call('getTotalTransactionCount');
    expect(total.txSum).toBeGreaterThanOrEqual(1);
  });

  it('lets the committee change system config from the next block, and nobody else', async () => {
    // Two members of weight 1: a proposal (its proposer's vote) is 50% participation and 100% approval.
    const send = async (to: Uint8Array, data: string, account = t.chain.accounts[0]) => {
      const height = await t.client.call('getBlockNumber');
      const { raw } = buildSignedTx(
        suite,
        { chainId: t.chain.chainId, height, to, input: fromHex(data), gasLimit: 500_000 },
        account.secretKey,
      );
      return t.client.call('sendTransaction', [toHex(raw), true]);
    };
    const proposeSet = (key: string, value: string, account = t.chain.accounts[0]) => {
      const { kind, payload } = encodeProposal({ kind: 'setSystemConfig', key, value });
      return send(SystemAddress.Committee, committeeIface.encodeFunctionData('propose', [kind, payload]), account);
    };
    const ok = await proposeSet('tx_count_limit', '777');
    expect(ok.status, ok.message).toBe(0);
    const cfg = await t.client.call('getSystemConfigByKey', ['tx_count_limit']);
    expect(cfg).toEqual({ value: '777', blockNumber: ok.blockNumber + 1 });

    const outsider = suite.generateKeyPair();
    const denied = await proposeSet('tx_count_limit', '5', outsider);
    expect(denied.statusText).toBe('reverted');
    expect(denied.message).toMatch(/is not a committee member and may not propose/);
    const direct = await send(
      SystemAddress.SystemConfig,
      sysIface.encodeFunctionData('setValueByKey', ['tx_count_limit', '5']),
    );
    expect(direct.message).toMatch(/setValueByKey is called only by the committee contract/);
    const outOfRange = await proposeSet('tx_count_limit', '0');
    expect(outOfRange.status).toBe(1);
    expect(outOfRange.message).toMatch(/between/);
    expect((await t.client.call('getSystemConfigByKey', ['tx_count_limit'])).value).toBe('777');
  });

  it('keeps height, state root and data across a restart', async () => {
    const { raw, hash } = await signedKvSet(t, 'durable', 'yes');
    await t.client.call('sendTransaction', [toHex(raw), true]);
    const before = (await t.client.call('getBlockByNumber', ['latest']))!;
    await t.restart();
    const after = (await t.client.call('getBlockByNumber', [before.number]))!;
    expect(after.stateRoot).toBe(before.stateRoot);
    expect(after.hash).toBe(before.hash);
    expect(await t.client.call('getTransactionReceipt', [toHex(hash)])).not.toBeNull();
    // Replay protection survives the restart.
    await expect(t.client.call('sendTransaction', [toHex(raw)])).rejects.toThrow(/already on chain/);
  });
});

describe('bad input is refused and changes nothing', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ node: { consensus: { emptyBlockIntervalMs: 60_000 } } });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  async function rejected(params: unknown[], pattern: RegExp, reason?: string) {
    const err = await t.client.request('sendTransaction', params).catch((e: RpcClientError) => e);
    expect(err).toBeInstanceOf(RpcClientError);
    expect((err as RpcClientError).message).toMatch(pattern);
    if (reason) expect((err as RpcClientError).data).toEqual({ reason });
  }

  it('refuses bad transactions with a clear error each', async () => {
    const headBefore = (await t.client.call('getBlockByNumber', ['latest']))!;
    const good = await signedKvSet(t, 'k', 'v');
    const hex = toHex(good.raw);

    await rejected(['0xzz'], /not valid hex/);
    await rejected(['0x123'], /odd number/);
    await rejected([hex.slice(0, hex.length - 10)], /malformed transaction/, 'MALFORMED');
    await rejected(
      [toHex((await signedKvSet(t, 'k', 'v', { chainId: 'other-chain' })).raw)],
      /chain 'other-chain'/,
      'WRONG_CHAIN_ID',
    );
    // The signature is the last 65 bytes (r || s || v). A zero r, a bad v, or a
    // wrong-length signature cannot recover any signer.
    const zeroR = Uint8Array.from(good.raw);
    zeroR.fill(0, zeroR.length - 65, zeroR.length - 33);
    await rejected([toHex(zeroR)], /signature is invalid/, 'BAD_SIGNATURE');
    const badV = Uint8Array.from(good.raw);
    badV[badV.length - 1] = 7;
    await rejected([toHex(badV)], /signature is invalid/, 'BAD_SIGNATURE');
    const expired = await signedKvSet(t, 'k', 'v', { heightOffset: -500 });
    await rejected([toHex(expired.raw)], /has expired/, 'BLOCK_LIMIT_EXPIRED');
    const far = await signedKvSet(t, 'k', 'v', { heightOffset: 5000 });
    await rejected([toHex(far.raw)], /more than 1000 blocks/, 'BLOCK_LIMIT_TOO_FAR');
    await rejected([toHex((await signedKvSet(t, 'k', 'x'.repeat(1_200_000))).raw)], /limit is/, 'TOO_LARGE');
    await rejected([toHex((await signedKvSet(t, 'k', 'v', { gasLimit: 100 })).raw)], /intrinsic/, 'GAS_LIMIT_TOO_LOW');
    await rejected(
      [toHex((await signedKvSet(t, 'k', 'v', { gasLimit: 10 ** 12 })).raw)],
      /tx_gas_limit/,
      'GAS_LIMIT_TOO_HIGH',
    );

    // The good one is admitted once; the same bytes again, or its nonce in another tx of the
    // same sender, are not. Replay protection keys on sender + nonce: another account using
    // that nonce is admitted (else anyone seeing a pending transaction could censor it).
    await t.client.call('sendTransaction', [hex]);
    await rejected([hex], /already in the pool/, 'ALREADY_KNOWN');
    const { decodeTx, encodeTx, signTx } = await import('../../node/codec/tx.js');
    const withGoodNonce = (signer: KeyPair) => {
      const other = buildSignedTx(
        suite,
        { chainId: t.chain.chainId, height: 0, to: SystemAddress.KVStore, input: new Uint8Array(4), gasLimit: 100_000 },
        signer.secretKey,
      );
      return signTx(
        suite,
        { ...(decodeTx(other.raw) as NativeTx), nonce: (decodeTx(good.raw) as NativeTx).nonce },
        signer.secretKey,
      );
    };
    await rejected(
      [toHex(encodeTx(withGoodNonce(t.chain.accounts[0])))],
      /nonce .* already used by sender/,
      'NONCE_REUSED',
    );
    const front = withGoodNonce(t.chain.accounts[1]);
    await t.client.request('sendTransaction', [toHex(encodeTx(front))]);

    // Only the good transactions reach the chain; the head before them is untouched.
    const headAfter = (await t.client.call('getBlockByNumber', [headBefore.number]))!;
    expect(headAfter.stateRoot).toBe(headBefore.stateRoot);
    for (const h of [good.hash, suite.hash(encodeTx(front))])
      for (let i = 0; i < 100 && !(await t.client.call('getTransactionReceipt', [toHex(h)])); i++)
        await new Promise((r) => setTimeout(r, 20));
    expect(await t.client.call('getTotalTransactionCount')).toMatchObject({ txSum: 2 });
    expect(await t.client.call('getPendingTxSize')).toBe(0);
  });

  it('answers malformed JSON-RPC with JSON-RPC errors and keeps serving', async () => {
    const post = async (body: string) => {
      const res = await fetch(t.client.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      return {
        status: res.status,
        json: (await res.json()) as { error?: { code: number; message: string } } & Array<unknown>,
      };
    };
    expect((await post('{"jsonrpc":"2.0",')).json.error?.code).toBe(-32700);
    expect((await post('42')).json.error?.code).toBe(-32600);
    expect((await post('[]')).json.error?.code).toBe(-32600);
    expect((await post('{"jsonrpc":"1.0","id":1,"method":"getBlockNumber"}')).json.error?.code).toBe(-32600);
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"noSuchMethod"}')).json.error).toMatchObject({
      code: -32601,
      message: "method 'noSuchMethod' not found",
    });
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"__proto__"}')).json.error?.code).toBe(-32601);
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"getBlockByNumber","params":{"n":1}}')).json.error?.code).toBe(
      -32602,
    );
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"getBlockByNumber","params":[-1]}')).json.error?.code).toBe(
      -32602,
    );
    expect(
      (await post('{"jsonrpc":"2.0","id":1,"method":"getTransactionByHash","params":["0x1234"]}')).json.error?.message,
    ).toMatch(/32 bytes/);
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"call","params":[{"to":"0x12"}]}')).json.error?.code).toBe(
      -32602,
    );
    const big = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'sendTransaction',
        params: ['0x' + '00'.repeat(9 * 1024 * 1024)],
      }),
    );
    expect(big.status).toBe(413);
    const batch = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getBlockNumber' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
      ]),
    );
    expect(batch.json).toHaveLength(2);
    expect(await t.client.call('getBlockNumber')).toBeTypeOf('number');
  });
});
