import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import {
  DEFAULT_LIMITS,
  type Channel,
  type P2PNetwork,
  type PeerInfo,
  type RequestHandler,
  type RequestOptions,
} from '../../node/p2p/index.js';

/** A pino logger whose records are kept in memory, so tests can assert what was logged. */
export function captureLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

/** pino's numeric level for warn. */
export const WARN = 40;

/** A request handler of a fake peer: what `net.request(peer, method, …)` returns or throws. */
export type FakePeerHandler = (method: string, bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * The part of P2PNetwork that the engine and sync modules use, in memory: peers are
 * named by node id, one-way messages are recorded, requests go to per-peer handlers, and
 * the test delivers inbound messages itself.
 */
export class FakeNet extends EventEmitter {
  readonly sent: Array<{ channel: Channel; to: string; bytes: Uint8Array }> = [];
  readonly broadcasts: Array<{ channel: Channel; bytes: Uint8Array }> = [];
  readonly requests: Array<{ to: string; method: string; bytes: Uint8Array }> = [];
  readonly requestHandlers = new Map<string, RequestHandler>();
  /** Every allow list the node gave the network, in order. */
  readonly allowLists: string[][] = [];
  private readonly messageHandlers = new Map<Channel, (from: string, bytes: Uint8Array) => void>();
  private readonly peerHandlers = new Map<string, FakePeerHandler>();

  /** Connects a peer; `handler` answers the requests this node sends it. */
  addPeer(nodeId: string, handler: FakePeerHandler = () => new Uint8Array()): void {
    this.peerHandlers.set(nodeId, handler);
    const info: PeerInfo = { nodeId, address: '127.0.0.1:1', direction: 'outbound' };
    this.emit('peer:connected', info);
  }

  peers(): PeerInfo[] {
    return [...this.peerHandlers.keys()].map((nodeId) => ({ nodeId, address: '127.0.0.1:1', direction: 'outbound' }));
  }

  onMessage(channel: Channel, handler: (from: string, bytes: Uint8Array) => void): void {
    this.messageHandlers.set(channel, handler);
  }

  /** Delivers a one-way message from `from`, as the p2p layer would. */
  deliver(channel: Channel, from: string, bytes: Uint8Array): void {
    const h = this.messageHandlers.get(channel);
    if (!h) throw new Error(`no handler for channel ${channel}`);
    h(from, bytes);
  }

  send(channel: Channel, to: string, bytes: Uint8Array): boolean {
    this.sent.push({ channel, to, bytes });
    return true;
  }

  broadcast(channel: Channel, bytes: Uint8Array): number {
    this.broadcasts.push({ channel, bytes });
    return this.peerHandlers.size;
  }

  async setAllowedPeers(nodes: readonly { nodeId: string }[]): Promise<void> {
    this.allowLists.push(nodes.map((n) => n.nodeId));
  }

  handleRequest(method: string, handler: RequestHandler): void {
    this.requestHandlers.set(method, handler);
  }

  async request(to: string, method: string, bytes: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    this.requests.push({ to, method, bytes });
    const h = this.peerHandlers.get(to);
    if (!h) throw new Error(`not connected to ${to}`);
    const res = await h(method, bytes);
    // As the real network does: a response over the limit fails the request.
    const limit = opts.maxResponseBytes ?? DEFAULT_LIMITS.response;
    if (res.length > limit) throw new Error(`response of ${res.length} bytes exceeds the ${limit}-byte limit`);
    return res;
  }

  /** Typed as the real network for the modules under test (they use only the methods above). */
  asNetwork(): P2PNetwork {
    return this as unknown as P2PNetwork;
  }
}
