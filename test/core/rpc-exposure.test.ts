import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../helpers/in-process.js';
import { RpcClient } from '../../tools/client/rpc-client.js';
import { ResponseBudget } from '../../node/rpc/dispatch.js';

const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockNumber', params: [] });

describe('RPC exposure to browsers and strangers', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({
      node: { rpc: { allowedHosts: ['node.example'], corsOrigins: ['https://console.example'] } },
    });
  });
  afterAll(async () => t?.cleanup());

  /** A raw HTTP request: fetch may not set Host, and a browser or an attacker's tool may. */
  const raw = (
    method: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(t.client.url, { method, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const post = (headers: Record<string, string>, body = BODY) => raw('POST', headers, body);

  it('refuses a text/plain POST (what a web page may send without asking) and serves application/json', async () => {
    expect((await post({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post({})).status).toBe(415);
    const ok = await post({ 'content-type': 'application/json; charset=utf-8' });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.text) as { result: number }).result).toBeGreaterThanOrEqual(0);
  });

  it('refuses a Host it does not serve (DNS rebinding) and a foreign Origin (CSRF); allows the configured ones', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await post({ ...json, host: 'evil.example' })).status).toBe(403);
    expect((await post({ ...json, host: 'node.example:8545' })).status).toBe(200);
    expect((await post({ ...json, origin: 'https://evil.example' })).status).toBe(403);
    const cors = await post({ ...json, origin: 'https://console.example' });
    expect(cors.status).toBe(200);
    expect(cors.headers['access-control-allow-origin']).toBe('https://console.example');
    const preflight = await raw('OPTIONS', { origin: 'https://console.example' });
    expect(preflight.status).toBe(204);
  });

  it('caps the answer: the first response past maxResponseBytes becomes an error naming the limit and spends the budget', () => {
    const big = { jsonrpc: '2.0' as const, id: 2, result: 'x'.repeat(10_000) };
    const small = { jsonrpc: '2.0' as const, id: 1, result: 7 };
    const one = JSON.parse(new ResponseBudget(1000).take(big));
    expect(one.error).toMatchObject({ code: -32014, message: 'response exceeds 1000 bytes (rpc.maxResponseBytes)' });
    const budget = new ResponseBudget(2000);
    budget.startBatch();
    const batch = JSON.parse(`[${[small, big, small].map((r) => budget.take(r)).join(',')}]`);
    expect(batch.map((r: { result?: unknown; error?: { code: number } }) => r.result ?? r.error?.code)).toEqual([
      7, -32014, -32014,
    ]);
    expect(budget.spent).toBe(true);
  });
});

describe('RPC bearer token', () => {
  let t: TestNode;
  const dir = mkdtempSync(join(tmpdir(), 'lingding-token-'));
  const tokenFile = join(dir, 'rpc.token');
  writeFileSync(tokenFile, 'a-long-enough-secret-token\n');
  beforeAll(async () => {
    t = await startTestNode({ node: { rpc: { authTokenFile: tokenFile } } });
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only requests that carry the token', async () => {
    await expect(new RpcClient(t.client.url, undefined).call('getBlockNumber')).rejects.toThrow();
    await expect(new RpcClient(t.client.url, 'wrong-token-of-some-length').call('getBlockNumber')).rejects.toThrow();
    expect(
      await new RpcClient(t.client.url, 'a-long-enough-secret-token').call('getBlockNumber'),
    ).toBeGreaterThanOrEqual(0);
  });
});
