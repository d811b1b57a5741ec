import { WebSocketProvider } from 'ethers';
import { createPublicClient, webSocket } from 'viem';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SystemAddress } from '../../node/exec/addresses.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import { kvIface, signedKvSet, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';
import { wat } from '../helpers/vm/wat.js';

const MAX_BODY = 1024 * 1024;
const MAX_CONNECTIONS = 4;
const MAX_SUBSCRIPTIONS = 4;
const MAX_BUFFERED = 64 * 1024;
/** A contract of ~300 kB: its getCode answer is ~600 kB of hex, enough to fill a stalled reader's buffers. */
const BULKY = wat(
  `(module (memory (export "memory") 8) (data (i32.const 0) "${'a'.repeat(300_000)}") (func (export "call")))`,
);

type Message = {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string };
  method?: string;
  params?: { subscription: string; result: Record<string, unknown> & { number: string | number } };
};

/** A JSON-RPC client over one WebSocket: numbered requests, and every message kept in order. */
class WsClient {
  readonly messages: Message[] = [];
  private nextId = 1;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString('utf8'))));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: `${reason}` })));
  }

  static open(url: string): Promise<WsClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a request and waits for its answer. */
  async request(method: string, params: unknown[] = []): Promise<Message> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.answer(id);
  }

  async answer(id: number): Promise<Message> {
    await expect.poll(() => this.messages.some((m) => m.id === id), { timeout: 30_000 }).toBe(true);
    return this.messages.find((m) => m.id === id)!;
  }

  async subscribe(method: 'eth_subscribe' | 'subscribe', params: unknown[]): Promise<string> {
    const r = await this.request(method, params);
    expect(r.error).toBeUndefined();
    return r.result as string;
  }

  notifications(subscription: string): Message[] {
    return this.messages.filter((m) => m.params?.subscription === subscription);
  }

  /** Waits until `subscription` has had `count` notifications; returns them. */
  async waitFor(subscription: string, count: number): Promise<Message[]> {
    await expect.poll(() => this.notifications(subscription).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
    return this.notifications(subscription);
  }

  close(): void {
    this.ws.terminate();
  }
}

describe('JSON-RPC over WebSocket on a real node', () => {
  let t: TestNode;
  let wsUrl: string;
  const open: WsClient[] = [];
  const connect = async () => {
    const c = await WsClient.open(wsUrl);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestNode({
      node: {
        rpc: {
          maxBodyBytes: MAX_BODY,
          wsMaxConnections: MAX_CONNECTIONS,
          wsMaxSubscriptionsPerConnection: MAX_SUBSCRIPTIONS,
          wsMaxBufferedBytes: MAX_BUFFERED,
        },
        consensus: { emptyBlockIntervalMs: 200 },
      },
    });
    wsUrl = t.client.url.replace(/^http/, 'ws');
  }, 60_000);
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    await expect.poll(() => t.node.rpc.wsConnections).toBe(0);
  });
  afterAll(async () => t?.cleanup());

  it('answers requests and batches as HTTP does, and HTTP still works on the same port', async () => {
    const c = await connect();
    const height = await t.client.call('getBlockNumber');
    const one = await c.request('getBlockNumber');
    expect(one.result).toBeGreaterThanOrEqual(height);
    c.ws.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 100, method: 'getNodeInfo', params: [] },
        { jsonrpc: '2.0', id: 101, method: 'nope', params: [] },
      ]),
    );
    await expect.poll(() => c.messages.some((m) => Array.isArray(m))).toBe(true);
    const batch = c.messages.find((m) => Array.isArray(m)) as unknown as Message[];
    expect(batch.map((m) => m.id)).toEqual([100, 101]);
    expect((batch[0].result as { chainId: string }).chainId).toBe(t.chain.chainId);
    expect(batch[1].error?.code).toBe(-32601);
    expect((await c.request('getBlockByNumber', ['nope'])).error?.code).toBe(-32602);
    await expect(t.client.call('getNodeInfo')).resolves.toMatchObject({ chainId: t.chain.chainId });
  });

  it('refuses the subscription methods over HTTP, saying where to go', async () => {
    const res = await fetch(t.client.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
    });
    const body = (await res.json()) as Message;
    expect(body.error?.code).toBe(-32601);
    expect(body.error?.message).toMatch(/notifications not supported: eth_subscribe needs a WebSocket connection/);
  });

  it('sends newHeads for each committed block, in geth form', async () => {
    const c = await connect();
    const id = await c.subscribe('eth_subscribe', ['newHeads']);
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    const heads = (await c.waitFor(id, 3)).map((m) => m.params!.result);
    const numbers = heads.map((h) => Number(h.number));
    expect(numbers[1]).toBe(numbers[0] + 1);
    expect(numbers[2]).toBe(numbers[1] + 1);
    const block = await t.client.call('getBlockByNumber', [numbers[1]]);
    expect(block).not.toBeNull();
    expect(heads[1]).toMatchObject({
      hash: block!.hash,
      parentHash: block!.parentHash,
      stateRoot: block!.stateRoot,
      transactionsRoot: block!.transactionsRoot,
      receiptsRoot: block!.receiptsRoot,
      timestamp: `0x${Math.floor(block!.timestamp / 1000).toString(16)}`,
      gasUsed: `0x${block!.gasUsed.toString(16)}`,
      baseFeePerGas: '0x0',
      logsBloom: `0x${'00'.repeat(256)}`,
    });
    for (const key of ['miner', 'extraData', 'gasLimit']) expect(heads[1]).toHaveProperty(key);
    expect(c.messages[0]).toEqual({ jsonrpc: '2.0', id: 1, result: id });
    expect(Object.keys(c.notifications(id)[0]).sort()).toEqual(['jsonrpc', 'method', 'params']);
    expect(c.notifications(id)[0].method).toBe('eth_subscription');
  });

  it('sends the logs that match a filter by address and topics, one per notification', async () => {
    const c = await connect();
    const [mine, other] = t.chain.accounts;
    const kvSet = kvIface.getEvent('KVSet')!.topicHash;
    const ownerTopic = (a: Uint8Array) => `0x${'00'.repeat(12)}${toHex(a).slice(2)}`;
    const kv = toHex(SystemAddress.KVStore);
    const byMe = await c.subscribe('eth_subscribe', [
      'logs',
      { address: kv, topics: [kvSet, ownerTopic(mine.address)] },
    ]);
    const byOther = await c.subscribe('eth_subscribe', [
      'logs',
      { address: [kv], topics: [null, [ownerTopic(other.address)]] },
    ]);
    const elsewhere = await c.subscribe('eth_subscribe', ['logs', { address: `0x${'12'.repeat(20)}` }]);
    const { raw } = await signedKvSet(t, 'ws-key', 'ws-value');
    const receipt = await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(receipt.logs).toHaveLength(1);
    const [log] = (await c.waitFor(byMe, 1)).map((m) => m.params!.result);
    expect(log).toEqual({
      address: kv,
      topics: receipt.logs[0].topics,
      data: receipt.logs[0].data,
      blockNumber: `0x${receipt.blockNumber.toString(16)}`,
      blockHash: receipt.blockHash,
      transactionHash: receipt.transactionHash,
      transactionIndex: `0x${receipt.transactionIndex.toString(16)}`,
      logIndex: '0x0',
      removed: false,
    });
    // Logs of a block go out before anything of the next one: once a later head arrives,
    // the subscriptions that did not match had their chance.
    const heads = await c.subscribe('eth_subscribe', ['newHeads']);
    await expect
      .poll(() => c.notifications(heads).some((m) => Number(m.params!.result.number) > receipt.blockNumber), {
        timeout: 30_000,
      })
      .toBe(true);
    expect(c.notifications(byOther)).toEqual([]);
    expect(c.notifications(elsewhere)).toEqual([]);
  });

  it('sends the hash of each transaction admitted to the pool', async () => {
    const c = await connect();
    const id = await c.subscribe('eth_subscribe', ['newPendingTransactions']);
    const { raw } = await signedKvSet(t, 'pending', 'tx');
    const { transactionHash } = await t.client.call('sendTransaction', [toHex(raw)]);
    const [n] = await c.waitFor(id, 1);
    expect(n.params!.result).toBe(transactionHash);
  });

  it("serves Lingding's blocks channel with getBlockByNumber's JSON", async () => {
    const c = await connect();
    const id = await c.subscribe('subscribe', ['blocks']);
    const [n] = await c.waitFor(id, 1);
    expect(n.method).toBe('subscription');
    const block = n.params!.result;
    expect(block).toEqual(await t.client.call('getBlockByNumber', [block.number as number]));
    expect((await c.request('subscribe', ['alerts'])).error?.message).toMatch(
      /subscribe: unknown subscription 'alerts'; one of blocks/,
    );
  });

  it('stops a subscription on unsubscribe, and each family unsubscribes only its own', async () => {
    const c = await connect();
    const heads = await c.subscribe('eth_subscribe', ['newHeads']);
    await c.waitFor(heads, 1);
    expect((await c.request('unsubscribe', [heads])).result).toBe(false);
    const answer = await c.request('eth_unsubscribe', [heads]);
    expect(answer.result).toBe(true);
    const after = c.messages.length;
    const blocks = await c.subscribe('subscribe', ['blocks']);
    await c.waitFor(blocks, 2);
    expect(c.messages.slice(after).filter((m) => m.params?.subscription === heads)).toEqual([]);
    expect((await c.request('eth_unsubscribe', [heads])).result).toBe(false);
  });

  it('refuses a subscription past rpc.wsMaxSubscriptionsPerConnection with -32016', async () => {
    const c = await connect();
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await c.subscribe('eth_subscribe', ['newHeads']);
    const r = await c.request('eth_subscribe', ['newHeads']);
    expect(r.error?.code).toBe(-32016);
    expect(r.error?.message).toMatch(/at most 4 \(rpc.wsMaxSubscriptionsPerConnection\)/);
  });

  it('refuses a connection past rpc.wsMaxConnections with HTTP 503 and a JSON-RPC error', async () => {
    for (let i = 0; i < MAX_CONNECTIONS; i++) await connect();
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('the connection past the limit was accepted')));
      ws.on('error', () => {});
    });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.message).toMatch(/at most 4 \(rpc.wsMaxConnections\)/);
  });

  it('answers a non-JSON message with -32700 and closes only the connection that sent an oversized one', async () => {
    const c = await connect();
    const bystander = await connect();
    c.ws.send('{not json');
    await expect.poll(() => c.messages.some((m) => m.error?.code === -32700)).toBe(true);
    expect((await c.request('getBlockNumber')).result).toEqual(expect.any(Number));
    c.ws.send('x'.repeat(MAX_BODY + 1));
    expect((await c.closed).code).toBe(1009);
    expect((await bystander.request('getBlockNumber')).result).toEqual(expect.any(Number));
  });

  it('cuts off a reader that never reads once rpc.wsMaxBufferedBytes wait for it, with 1008 "slow consumer"', async () => {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      {
        chainId: t.chain.chainId,
        height,
        to: null,
        input: encodeDeployInput(BULKY, new Uint8Array(), ''),
        gasLimit: 100_000_000,
      },
      t.chain.accounts[1].secretKey,
    );
    const deployed = await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(deployed.statusText).toBe('success');
    const dropped = async () =>
      (await t.node.metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'slow_consumer')?.value ?? 0;
    const before = await dropped();
    const c = await connect();
    const bystander = await connect();
    c.ws.pause(); // the stalled reader: its answers pile up in the kernel's buffers, then the node's
    const request = (id: number) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'getCode', params: [deployed.contractAddress] });
    // Each ~600 kB answer goes out only once the previous request's slot is free; keep asking
    // until the node gives up on the reader (bounded: the buffers on loopback hold a few MB).
    for (let id = 1; (await dropped()) === before; id++) {
      expect(id).toBeLessThan(2000);
      c.ws.send(request(id));
      await new Promise((r) => setImmediate(r));
    }
    c.ws.resume();
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1008, reason: 'slow consumer' });
    expect((await bystander.request('getBlockNumber')).result).toEqual(expect.any(Number));
  });

  it("drives ethers v6's WebSocketProvider: 'block' events from eth_subscribe newHeads", async () => {
    const provider = new WebSocketProvider(wsUrl);
    const seen: number[] = [];
    try {
      // ethers asks the node for its network (eth_chainId) before it subscribes.
      expect((await provider.getNetwork()).chainId).toBe(BigInt(await t.client.call('eth_chainId')));
      await provider.on('block', (n: number) => seen.push(n));
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(seen[1]).toBe(seen[0] + 1);
    } finally {
      await provider.destroy();
    }
  });

  it('refuses an upgrade from a foreign browser origin as it refuses a POST', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('a foreign origin was served')));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
  });

  it("drives viem's webSocket transport: watchBlockNumber over eth_subscribe newHeads", async () => {
    const client = createPublicClient({ transport: webSocket(wsUrl) });
    const seen: bigint[] = [];
    // Over a webSocket transport viem subscribes (eth_subscribe newHeads) rather than polls.
    const unwatch = client.watchBlockNumber({ onBlockNumber: (n) => seen.push(n) });
    try {
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(seen[1]).toBe(seen[0] + 1n);
    } finally {
      unwatch();
      const socket = await client.transport.getRpcClient();
      socket.close();
    }
  });
});

describe('WebSocket keepalive', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ node: { rpc: { wsPingIntervalMs: 200 } } });
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    const wsUrl = t.client.url.replace(/^http/, 'ws');
    const live = await WsClient.open(wsUrl);
    const dead = await WsClient.open(wsUrl);
    dead.ws.pause(); // reads nothing, so it answers no ping
    const noPong = async () =>
      (await t.node.metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'no_pong')?.value ?? 0;
    await expect.poll(noPong, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => t.node.rpc.wsConnections).toBe(1);
    expect((await live.request('getBlockNumber')).result).toEqual(expect.any(Number));
    live.close();
    dead.close();
  });
});
