import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import { NodeStatus } from '../../node/main/node.js';
import { signedKvSet, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';
import { HOST_IMPORTS } from '../helpers/vm/contracts.js';
import { wat } from '../helpers/vm/wat.js';

const CALL_GAS = 20_000_000;
const MAX_RESPONSE = 8 * 1024 * 1024;
/** A contract whose every call loops until its gas runs out. */
const LOOP = wat(`(module ${HOST_IMPORTS} (memory (export "memory") 1) (func (export "call") (loop $l (br $l))))`);
/** A contract of ~1 MB (VmLimits.maxCodeBytes is 1 MiB): its getCode answer is ~2 MB of hex. */
const LARGE = wat(
  `(module (memory (export "memory") 16) (data (i32.const 0) "${'a'.repeat(999_700)}") (func (export "call")))`,
);

type Answer = { id: number; result?: unknown; error?: { code: number; message: string } };

/**
 * The RPC's bounds on what one client can make a node spend: gas per call, calls that
 * interleave with consensus, bytes of answer per request, requests in flight per client.
 */
describe('RPC limits on a real node', () => {
  let t: TestNode;
  let looper: string;
  let large: string;
  beforeAll(async () => {
    t = await startTestNode({
      node: {
        rpc: { callGasLimit: CALL_GAS, maxConcurrentPerClient: 2, maxResponseBytes: MAX_RESPONSE },
        consensus: { emptyBlockIntervalMs: 100 },
      },
    });
    looper = await deploy(LOOP, 2_000_000);
    large = await deploy(LARGE, 290_000_000);
  }, 60_000);
  afterAll(async () => t?.cleanup());

  async function deploy(code: Uint8Array, gasLimit: number): Promise<string> {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      { chainId: t.chain.chainId, height, to: null, input: encodeDeployInput(code, new Uint8Array(), ''), gasLimit },
      t.chain.accounts[0].secretKey,
    );
    const r = await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(r.statusText).toBe('success');
    return r.contractAddress!;
  }

  const postBatch = async (items: Array<{ method: string; params: unknown[] }>): Promise<Answer[]> => {
    const res = await fetch(t.client.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(items.map((it, id) => ({ jsonrpc: '2.0', id, ...it }))),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer[];
  };

  it('runs a call with rpc.callGasLimit, not the transaction gas limit: a loop ends outOfGas using exactly the cap', async () => {
    const r = await t.client.call('call', [{ to: looper, data: '0x' }]);
    expect(r.statusText).toBe('outOfGas');
    expect(r.gasUsed).toBe(CALL_GAS);
  });

  it('keeps sealing blocks while a batch of looping calls runs: calls interleave with consensus', async () => {
    const answers = await postBatch(Array.from({ length: 200 }, () => ({ method: 'call', params: [{ to: looper }] })));
    const results = answers.map((a) => a.result as { gasUsed: number; blockNumber: number });
    expect(results.every((r) => r.gasUsed === CALL_GAS)).toBe(true);
    // Each call reports the head it ran against: blocks were committed between the calls.
    expect(results.at(-1)!.blockNumber).toBeGreaterThan(results[0].blockNumber);
  });

  it("starts a batch's transactions together: twenty sendTransaction-and-wait items commit in a block or two, not twenty", async () => {
    const raws = [];
    for (let i = 0; i < 20; i++) raws.push(toHex((await signedKvSet(t, `batch-${i}`, 'v')).raw));
    const answers = await postBatch(raws.map((raw) => ({ method: 'sendTransaction', params: [raw, true] })));
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const blocks = new Set(answers.map((a) => (a.result as { blockNumber: number }).blockNumber));
    // Run one after another, each would wait for its own block (the empty-block interval is 100 ms).
    expect(blocks.size).toBeLessThanOrEqual(3);
  });

  it('stops computing a batch once its answer reaches rpc.maxResponseBytes: later items get -32014 unrun', async () => {
    const contractCode = vi.spyOn(t.node.chain, 'contractCode');
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      const answers = await postBatch(Array.from({ length: 300 }, () => ({ method: 'getCode', params: [large] })));
      expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      const fitting = Math.floor(MAX_RESPONSE / (2 * 999_760 + 40));
      expect(answers.slice(0, fitting).every((a) => typeof a.result === 'string')).toBe(true);
      for (const a of answers.slice(fitting))
        expect(a.error).toEqual({
          code: -32014,
          message: `response exceeds ${MAX_RESPONSE} bytes (rpc.maxResponseBytes)`,
        });
      // The one that did not fit was computed, no later one.
      expect(contractCode).toHaveBeenCalledTimes(fitting + 1);
      // 300 answers of 2 MB held at once would be 600 MB.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    } finally {
      contractCode.mockRestore();
    }
    expect(await t.client.call('getBlockNumber')).toBeGreaterThan(0);
  });

  it('answers -32014 for a single result larger than rpc.maxResponseBytes', async () => {
    const hugeCode = vi.spyOn(t.node.chain, 'contractCode').mockReturnValue({
      wasm: new Uint8Array(MAX_RESPONSE),
      abi: '',
    });
    try {
      await expect(t.client.call('getCode', [large])).rejects.toMatchObject({ rpcCode: -32014 });
    } finally {
      hugeCode.mockRestore();
    }
  });

  it('refuses requests past rpc.maxConcurrentPerClient with HTTP 429 and -32015, and serves again once they end', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockNumber' });
    // Two requests held open by their client: headers sent, body not finished.
    const held = [0, 1].map(() => {
      const req = request(t.client.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
      });
      req.write(body.slice(0, 10));
      req.flushHeaders();
      return { req, answered };
    });
    let refused: Response | undefined;
    try {
      await vi.waitFor(
        async () => {
          const res = await fetch(t.client.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (res.status !== 429) throw new Error(`got ${res.status}, held requests not seen yet`);
          refused = res;
        },
        { timeout: 20_000, interval: 20 },
      );
    } catch (e) {
      for (const h of held) {
        h.answered.catch(() => {});
        h.req.destroy();
      }
      throw e;
    }
    const answer = (await refused!.json()) as { error: { code: number; message: string } };
    expect(answer.error.code).toBe(-32015);
    expect(answer.error.message).toContain('rpc.maxConcurrentPerClient');
    for (const h of held) h.req.end(body.slice(10));
    expect(await Promise.all(held.map((h) => h.answered))).toEqual([200, 200]);
    expect(await t.client.call('getBlockNumber')).toBeGreaterThan(0);
  });

  it('answers a method that throws unexpectedly with -32603; the node keeps running', async () => {
    const broken = vi.spyOn(t.node.chain, 'contractCode').mockImplementation(() => {
      throw new TypeError('boom');
    });
    try {
      await expect(t.client.call('getCode', [large])).rejects.toMatchObject({ rpcCode: -32603 });
    } finally {
      broken.mockRestore();
    }
    expect(t.node.status).toBe(NodeStatus.Running);
    expect(await t.client.call('getCode', [large])).toMatch(/^0x/);
  });
});
