import { afterEach, describe, expect, it, vi } from 'vitest';
import { P2PError } from './errors.js';
import type { NodeId } from './identity.js';
import { P2PNetwork } from './network.js';
import { DEFAULT_LIMITS } from './protocols.js';
import { makeKeys, startMesh, startNode, type TestNode } from '../../test/helpers/p2p.js';

/** Real libp2p nodes over 127.0.0.1, on ports picked by the OS. */

const running: TestNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.net.stop()));
});
function track<T extends TestNode | TestNode[]>(nodes: T): T {
  running.push(...(Array.isArray(nodes) ? nodes : [nodes]));
  return nodes;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const waitFor = <T>(check: () => T, timeout = 5000) => vi.waitFor(check, { timeout, interval: 20 });

function inbox(node: TestNode, channel: 'consensus' | 'tx'): Array<{ from: NodeId; bytes: Uint8Array }> {
  const got: Array<{ from: NodeId; bytes: Uint8Array }> = [];
  node.net.onMessage(channel, (from, bytes) => got.push({ from, bytes }));
  return got;
}

async function expectP2PError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err) => err instanceof P2PError && err.code === code);
}

describe('P2PNetwork', () => {
  it('connects four nodes and carries consensus messages, broadcasts and requests', async () => {
    const keys = makeKeys(4);
    const [a, b, c, d] = track(await startMesh(keys));
    await waitFor(() => {
      for (const n of [a, b, c, d]) expect(n.net.peers()).toHaveLength(3);
    });
    const seen = a.net.peers();
    expect(new Set(seen.map((p) => p.nodeId))).toEqual(new Set([b, c, d].map((n) => n.key.nodeId)));
    for (const p of seen) {
      expect(p.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(['inbound', 'outbound']).toContain(p.direction);
    }

    // Point to point: many small messages arrive complete and in order.
    const bGot = inbox(b, 'consensus');
    const count = 2000;
    for (let i = 0; i < count; i++)
      expect(a.net.send('consensus', b.key.nodeId, Uint8Array.of(i >> 8, i & 0xff))).toBe(true);
    await waitFor(() => expect(bGot).toHaveLength(count));
    expect(bGot.every((m, i) => m.from === a.key.nodeId && ((m.bytes[0] << 8) | m.bytes[1]) === i)).toBe(true);

    // Broadcast reaches every other node; the sender gets nothing back.
    const inboxes = [a, b, d].map((n) => inbox(n, 'consensus'));
    const cGot = inbox(c, 'consensus');
    expect(c.net.broadcast('consensus', Uint8Array.of(7, 7))).toBe(3);
    expect(c.net.broadcast('consensus', new Uint8Array(0))).toBe(3);
    const expected = [Uint8Array.of(7, 7), new Uint8Array(0)].map((bytes) => ({ from: c.key.nodeId, bytes }));
    await waitFor(() => {
      for (const got of inboxes) expect(got).toEqual(expected);
    });
    expect(cGot).toEqual([]);

    // Transaction batches use their own channel.
    const txInboxes = [a, b, c].map((n) => inbox(n, 'tx'));
    expect(d.net.broadcast('tx', new Uint8Array(5000).fill(1))).toBe(3);
    await waitFor(() => {
      for (const got of txInboxes) expect(got.map((m) => m.bytes.length)).toEqual([5000]);
    });

    // Request/response, including the ways a request can fail.
    b.net.handleRequest('blocks_by_range', (from, req) => Uint8Array.from([...req, from === a.key.nodeId ? 1 : 0]));
    b.net.handleRequest('broken', () => {
      throw new Error('no such block');
    });
    b.net.handleRequest('slow', () => new Promise<Uint8Array>(() => undefined));
    b.net.handleRequest('big', () => new Uint8Array(10_000));
    expect(await a.net.request(b.key.nodeId, 'blocks_by_range', Uint8Array.of(9, 8))).toEqual(Uint8Array.of(9, 8, 1));
    expect(await a.net.request(b.key.nodeId, 'blocks_by_range', new Uint8Array(0))).toEqual(Uint8Array.of(1));
    await expectP2PError(a.net.request(b.key.nodeId, 'broken', new Uint8Array(1)), 'REMOTE_ERROR');
    await expectP2PError(a.net.request(b.key.nodeId, 'slow', new Uint8Array(1), { timeoutMs: 200 }), 'REQUEST_TIMEOUT');
    await expectP2PError(
      a.net.request(b.key.nodeId, 'big', new Uint8Array(1), { maxResponseBytes: 1000 }),
      'RESPONSE_TOO_LARGE',
    );
    await expectP2PError(a.net.request(b.key.nodeId, 'unknown', new Uint8Array(1)), 'UNSUPPORTED_METHOD');
    await expectP2PError(
      a.net.request(b.key.nodeId, 'blocks_by_range', new Uint8Array(64 * 1024 + 1)),
      'MESSAGE_TOO_LARGE',
    );
    expect(() => a.net.send('consensus', b.key.nodeId, new Uint8Array(8 * 1024 * 1024 + 1))).toThrow(P2PError);
    // The connection survives all of that.
    expect(await a.net.request(b.key.nodeId, 'blocks_by_range', Uint8Array.of(1))).toEqual(Uint8Array.of(1, 1));
    expect(a.net.peers()).toHaveLength(3);
  });

  it('refuses a node that is not on the node list, in both directions', async () => {
    const [ka, kb, kx] = makeKeys(3);
    const a = track(await startNode(ka, [ka, kb], []));
    const aGot = inbox(a, 'consensus');
    // The intruder admits everyone and keeps dialling A.
    const x = track(await startNode(kx, [ka, kb, kx], [a.address]));
    const xGot = inbox(x, 'consensus');
    await waitFor(() =>
      expect(a.log.some((e) => e.message.startsWith('refused connection') && e.context.direction === 'inbound')).toBe(
        true,
      ),
    );
    // B's configured address for A now leads to the intruder: noise finds the wrong key.
    const b = track(await startNode(kb, [ka, kb], [{ ...a.address, port: x.address.port }]));
    await waitFor(() => expect(b.log.some((e) => e.message === 'dial failed')).toBe(true));

    expect(a.net.peers()).toEqual([]);
    expect(b.net.peers()).toEqual([]);
    expect(x.net.peers()).toEqual([]);
    expect(x.net.send('consensus', ka.nodeId, Uint8Array.of(1))).toBe(false);
    expect(x.net.broadcast('consensus', Uint8Array.of(1))).toBe(0);
    await expectP2PError(x.net.request(ka.nodeId, 'blocks_by_range', Uint8Array.of(1)), 'NOT_CONNECTED');
    expect(aGot).toEqual([]);
    expect(xGot).toEqual([]);
    for (const n of [a, b, x]) expect(n.log.some((e) => e.message === 'peer connected')).toBe(false);
  });

  it('sends messages and responses up to its limits, past the 4 MiB default of it-length-prefixed', async () => {
    const [ka, kb] = makeKeys(2);
    const a = track(await startNode(ka, [ka, kb], []));
    const b = track(await startNode(kb, [ka, kb], [a.address]));
    await waitFor(() => expect(a.net.isConnected(kb.nodeId)).toBe(true));
    const aGot = inbox(a, 'consensus');
    // A proposal of a block at MAX_BLOCK_BYTES_LIMIT (6 MiB) once failed to encode here.
    const proposal = new Uint8Array(DEFAULT_LIMITS.consensus).fill(0xab);
    expect(b.net.send('consensus', ka.nodeId, proposal)).toBe(true);
    await waitFor(() => expect(aGot.map((m) => m.bytes.length)).toEqual([proposal.length]), 15_000);
    const blocks = new Uint8Array(6 * 1024 * 1024);
    b.net.handleRequest('blocks', () => blocks);
    expect((await a.net.request(kb.nodeId, 'blocks', Uint8Array.of(1))).length).toBe(blocks.length);
  }, 30_000);

  it('resets the stream on an oversized message and keeps the connection usable', async () => {
    const [ka, kb] = makeKeys(2);
    // A accepts consensus messages up to 1 KiB; B would send up to the default 8 MiB.
    const a = track(await startNode(ka, [ka, kb], [], { limits: { consensus: 1024, request: 100 } }));
    const b = track(await startNode(kb, [ka, kb], [a.address]));
    await waitFor(() => expect(a.net.isConnected(kb.nodeId)).toBe(true));
    const disconnects: unknown[] = [];
    a.net.on('peer:disconnected', (p) => disconnects.push(p));
    const aGot = inbox(a, 'consensus');

    expect(b.net.send('consensus', ka.nodeId, new Uint8Array(2000).fill(0xee))).toBe(true);
    await waitFor(() => expect(a.log.some((e) => e.message === 'oversized message, resetting stream')).toBe(true));
    // B learns of the reset asynchronously; until then a send may go down the dead stream.
    let next = 0;
    await waitFor(() => {
      b.net.send('consensus', ka.nodeId, Uint8Array.of(next++));
      expect(aGot.length).toBeGreaterThan(0);
    });
    // From here on the new stream carries everything, in order.
    for (let i = 0; i < 100; i++) b.net.send('consensus', ka.nodeId, Uint8Array.of(0xff, i));
    const followUps = () => aGot.filter((m) => m.bytes.length === 2).map((m) => m.bytes[1]);
    await waitFor(() => expect(followUps()).toEqual(Array.from({ length: 100 }, (_, i) => i)));
    expect(aGot.every((m) => m.bytes.length <= 2)).toBe(true);

    // The same on the request protocol: the server resets, the connection stays.
    a.net.handleRequest('echo', (_from, req) => req);
    await expectP2PError(b.net.request(ka.nodeId, 'echo', new Uint8Array(101)), 'STREAM_ERROR');
    expect(await b.net.request(ka.nodeId, 'echo', Uint8Array.of(5))).toEqual(Uint8Array.of(5));
    expect(disconnects).toEqual([]);
    expect(a.net.isConnected(kb.nodeId)).toBe(true);
  });

  it('reconnects to a peer that restarts on the same port', async () => {
    const [ka, kb] = makeKeys(2);
    const b = track(await startNode(kb, [ka, kb], []));
    const a = track(await startNode(ka, [ka, kb], [b.address]));
    await waitFor(() => expect(a.net.isConnected(kb.nodeId)).toBe(true));

    const events: string[] = [];
    a.net.on('peer:disconnected', ({ nodeId }) => events.push(`down ${nodeId}`));
    a.net.on('peer:connected', ({ nodeId, direction }) => events.push(`up ${nodeId} ${direction}`));
    await b.net.stop();
    await waitFor(() => expect(events).toEqual([`down ${kb.nodeId}`]));
    // Let a few redials fail so the backoff grows before B comes back.
    await new Promise((r) => setTimeout(r, 300));

    // B comes back without dialling anyone: A must be the one to reconnect.
    const b2 = track(await startNode(kb, [ka, kb], [], { listen: { host: '127.0.0.1', port: b.address.port } }));
    await waitFor(() => expect(events).toEqual([`down ${kb.nodeId}`, `up ${kb.nodeId} outbound`]));
    const got = inbox(b2, 'consensus');
    a.net.send('consensus', kb.nodeId, Uint8Array.of(42));
    await waitFor(() => expect(got).toEqual([{ from: ka.nodeId, bytes: Uint8Array.of(42) }]));
  });

  it('disconnects peers removed by setAllowedPeers and admits them again when re-added', async () => {
    const keys = makeKeys(3);
    const [ka, kb, kc] = keys;
    const [a, b, c] = track(await startMesh(keys));
    await waitFor(() => {
      for (const n of [a, b, c]) expect(n.net.peers()).toHaveLength(2);
    });

    await a.net.setAllowedPeers([{ nodeId: ka.nodeId }, { nodeId: kc.nodeId }]);
    await waitFor(() => {
      expect(a.net.isConnected(kb.nodeId)).toBe(false);
      expect(b.net.isConnected(ka.nodeId)).toBe(false);
    });
    // B keeps redialling A, and A keeps refusing it at the handshake.
    const refusals = () => a.log.filter((e) => e.message.startsWith('refused connection')).length;
    await waitFor(() => expect(refusals()).toBeGreaterThanOrEqual(2));
    expect(a.net.peers().map((p) => p.nodeId)).toEqual([kc.nodeId]);
    expect(b.net.send('consensus', ka.nodeId, Uint8Array.of(1))).toBe(false);
    // The refused redials never surface as connections on B's side.
    expect(
      b.log.filter((e) => e.message === 'peer connected' && e.context.peer === ka.nodeId.slice(0, 16)),
    ).toHaveLength(1);
    expect(c.net.isConnected(kb.nodeId)).toBe(true);

    await a.net.setAllowedPeers(keys);
    await waitFor(() => expect(a.net.isConnected(kb.nodeId)).toBe(true));
  });

  it('reports a busy port, and stops cleanly even while starting', async () => {
    const [ka, kb] = makeKeys(2);
    const a = track(await startNode(ka, [ka, kb], []));
    const opts = { secretKey: kb.secretKey, nodes: [ka, kb], peers: [], protocolPrefix: '/lingding/t' };
    const busy = new P2PNetwork({ ...opts, listen: { host: '127.0.0.1', port: a.address.port } }, { logger: silent });
    await expectP2PError(busy.start(), 'START_FAILED');
    const racing = new P2PNetwork({ ...opts, listen: { host: '127.0.0.1', port: 0 } }, { logger: silent });
    const started = racing.start();
    await racing.stop();
    await started;
    expect(() => racing.peers()).not.toThrow();
    expect(() => racing.listenAddress).toThrow(/stopped, not running/);
  });

  it('rejects bad options with clear errors', () => {
    const [k] = makeKeys(1);
    const base = {
      secretKey: k.secretKey,
      listen: { host: '127.0.0.1', port: 0 },
      nodes: [k],
      peers: [],
      protocolPrefix: '/lingding/t',
    };
    expect(() => new P2PNetwork({ ...base, secretKey: new Uint8Array(31) }, { logger: silent })).toThrow(/secret key/);
    expect(() => new P2PNetwork({ ...base, nodes: [{ nodeId: 'abcd' }] }, { logger: silent })).toThrow(
      /node id must be 64 bytes/,
    );
    expect(() => new P2PNetwork({ ...base, listen: { host: 'localhost', port: 0 } }, { logger: silent })).toThrow(
      /IP address/,
    );
    expect(() => new P2PNetwork({ ...base, protocolPrefix: 'lingding' }, { logger: silent })).toThrow(
      /protocol prefix/,
    );
    expect(() => new P2PNetwork({ ...base, limits: { tx: 0 } }, { logger: silent })).toThrow(/limits.tx/);
    expect(() => new P2PNetwork({ ...base, maxQueuedBytesPerPeer: 1024 }, { logger: silent })).toThrow(
      /maxQueuedBytesPerPeer/,
    );
    const net = new P2PNetwork(base, { logger: silent });
    expect(() => net.send('consensus', k.nodeId, Uint8Array.of(1))).toThrow(/not running/);
    expect(() => net.handleRequest('consensus', () => new Uint8Array())).toThrow(/reserved/);
  });
});
