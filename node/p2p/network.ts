import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Connection, Libp2p, PeerId, StreamHandler } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { P2PError } from './errors.js';
import { encodeFrame, isOversizedFrame, readFrames } from './framing.js';
import { AllowList, allowListGater } from './gater.js';
import {
  libp2pPrivateKey,
  nodeIdFromPeerId,
  nodeIdFromSecretKey,
  parseNodeId,
  peerIdFromNodeId,
  shortNodeId,
  type NodeId,
} from './identity.js';
import { OutboundStream } from './outbound.js';
import {
  CHANNELS,
  assertProtocolPrefix,
  assertRequestMethod,
  protocolId,
  resolveLimits,
  type Channel,
  type MessageLimits,
} from './protocols.js';
import { DEFAULT_BACKOFF, Reconnector, type BackoffOptions } from './reconnect.js';
import { requestStreamHandler, sendRequest } from './reqresp.js';
import type {
  MessageHandler,
  P2PEvents,
  P2PLogger,
  P2PNetworkModules,
  P2PNetworkOptions,
  PeerAddress,
  PeerInfo,
  RequestHandler,
  RequestOptions,
} from './types.js';

const DEFAULT_MAX_QUEUED_BYTES_PER_PEER = 32 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A peer keeps one stream per one-way channel; a few more cover replacements after a reset. */
const MAX_ONE_WAY_STREAMS_PER_CONNECTION = 8;
const MAX_REQUEST_STREAMS_PER_CONNECTION = 64;
/**
 * libp2p refuses more than 5 inbound connections a second from one host by default; a
 * whole consortium behind one NAT, or a devnet on one machine, redialling after a
 * restart would trip it.
 */
const INBOUND_CONNECTIONS_PER_HOST_PER_SECOND = 50;

type State = 'new' | 'starting' | 'running' | 'stopped';

/**
 * The node's network: authenticated, permissioned libp2p (TCP + noise + yamux) between
 * the nodes of one chain.
 *
 * - Only node ids on the allow list connect, in either direction (see gater.ts).
 * - One-way channels (`consensus`, `tx`) deliver opaque bytes to the handler set with
 *   `onMessage`, in order per peer, over one long-lived stream per peer and channel.
 * - `request` / `handleRequest` give request/response for block sync.
 * - Every configured peer is kept connected with exponential-backoff redials.
 *
 * Content is opaque here: decoding and validating messages is the caller's job.
 */
export class P2PNetwork extends EventEmitter<P2PEvents> {
  readonly nodeId: NodeId;
  readonly peerId: PeerId;

  private readonly opts: P2PNetworkOptions;
  private readonly log: P2PLogger;
  private readonly limits: MessageLimits;
  private readonly maxQueuedBytesPerPeer: number;
  private readonly requestTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly allow: AllowList;
  /** Where to dial each configured peer, with the peer id pinned so noise checks who answers. */
  private readonly dialAddrs = new Map<NodeId, Multiaddr>();
  private readonly messageHandlers = new Map<Channel, MessageHandler>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  /** Admitted peers with at least one open connection. */
  private readonly connected = new Map<NodeId, PeerId>();
  /** Per channel, by node id (nested maps: the hot path should not build string keys). */
  private readonly outbound: Record<Channel, Map<NodeId, OutboundStream>> = { consensus: new Map(), tx: new Map() };
  private node: Libp2p | undefined;
  private reconnector: Reconnector | undefined;
  private state: State = 'new';
  private starting: Promise<void> | undefined;

  constructor(opts: P2PNetworkOptions, modules: P2PNetworkModules) {
    super();
    this.opts = opts;
    this.log = modules.logger;
    this.nodeId = nodeIdFromSecretKey(opts.secretKey);
    this.peerId = peerIdFromNodeId(this.nodeId);
    assertProtocolPrefix(opts.protocolPrefix);
    assertListen(opts.listen.host, opts.listen.port);
    this.limits = resolveLimits(opts.limits);
    this.maxQueuedBytesPerPeer = opts.maxQueuedBytesPerPeer ?? DEFAULT_MAX_QUEUED_BYTES_PER_PEER;
    const largestOneWay = Math.max(...CHANNELS.map((c) => this.limits[c]));
    if (!Number.isSafeInteger(this.maxQueuedBytesPerPeer) || this.maxQueuedBytesPerPeer < largestOneWay) {
      throw new P2PError(
        'INVALID_OPTIONS',
        `maxQueuedBytesPerPeer must be an integer of at least ${largestOneWay} (the largest one-way message limit)`,
      );
    }
    this.requestTimeoutMs = positive(opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs');
    this.backoff = {
      initialDelayMs: positive(
        opts.reconnect?.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
        'reconnect.initialDelayMs',
      ),
      maxDelayMs: positive(opts.reconnect?.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs, 'reconnect.maxDelayMs'),
    };
    this.allow = new AllowList(opts.nodes);
    for (const peer of opts.peers) {
      const nodeId = parseNodeId(peer.nodeId);
      if (nodeId !== this.nodeId) this.dialAddrs.set(nodeId, dialAddress(peer, nodeId));
    }
  }

  /** Listens, registers the protocols and starts dialling the configured peers. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new P2PError('INVALID_OPTIONS', `cannot start a network that is ${this.state}`);
    this.state = 'starting';
    this.starting = this.listenAndDial();
    await this.starting;
  }

  private async listenAndDial(): Promise<void> {
    const { host, port } = this.opts.listen;
    try {
      this.node = await createLibp2p({
        privateKey: libp2pPrivateKey(this.opts.secretKey),
        addresses: { listen: [`/${isIP(host) === 6 ? 'ip6' : 'ip4'}/${host}/tcp/${port}`] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionGater: allowListGater(this.allow, (peer, direction) =>
          this.log.warn({ peer: shortNodeId(peer), direction }, 'refused connection with a node not on the node list'),
        ),
        connectionManager: { inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_SECOND },
      });
      await this.registerProtocols(this.node);
    } catch (err) {
      await this.node?.stop();
      this.state = 'stopped';
      throw new P2PError('START_FAILED', `p2p network could not start on ${host}:${port}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const node = this.node;
    node.addEventListener('peer:connect', (evt) => this.onPeerConnect(evt.detail));
    node.addEventListener('peer:disconnect', (evt) => this.onPeerDisconnect(evt.detail));
    this.reconnector = new Reconnector(
      this.dialAddrs.keys(),
      {
        dial: async (nodeId, signal) => {
          await node.dial(this.dialAddrs.get(nodeId)!, { signal });
        },
        hasConnection: (nodeId) => {
          const peer = this.allow.resolve(nodeId);
          return peer !== undefined && this.openConnection(peer.peerId) !== undefined;
        },
        isAllowed: (nodeId) => this.allow.resolve(nodeId) !== undefined,
      },
      this.backoff,
      this.log,
    );
    this.state = 'running';
    this.reconnector.dialAll();
    this.log.info(
      { nodeId: shortNodeId(this.nodeId), listen: this.listenAddress, peers: this.dialAddrs.size },
      'p2p network started',
    );
  }

  /** Closes every stream and connection and stops redialling. */
  async stop(): Promise<void> {
    // A stop during start waits for it, so nothing it opens is left behind.
    await this.starting?.catch(() => undefined);
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.reconnector?.stop();
    for (const streams of Object.values(this.outbound)) {
      for (const out of streams.values()) out.close();
      streams.clear();
    }
    if (this.node === undefined) return;
    await this.node.stop();
    this.log.info({ nodeId: shortNodeId(this.nodeId) }, 'p2p network stopped');
  }

  /** The address actually bound (the real port when 0 was asked for). */
  get listenAddress(): { host: string; port: number } {
    const addr = this.running().getMultiaddrs()[0];
    const port = addr?.getComponents().find((c) => c.name === 'tcp')?.value;
    if (port === undefined) throw new P2PError('NOT_STARTED', 'the network is not listening');
    return { host: this.opts.listen.host, port: Number(port) };
  }

  /** Connected peers, one entry per node. */
  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const [nodeId, peerId] of this.connected) {
      const info = this.peerInfo(nodeId, peerId);
      if (info !== undefined) out.push(info);
    }
    return out;
  }

  isConnected(nodeId: string): boolean {
    const peer = this.allow.resolve(nodeId);
    return peer !== undefined && this.connected.has(peer.nodeId);
  }

  /** Sets the handler for a one-way channel (one per channel; a later call replaces it). */
  onMessage(channel: Channel, handler: MessageHandler): void {
    this.messageHandlers.set(channel, handler);
  }

  /**
   * Queues `bytes` for one peer. Returns false if it was not queued: the peer is not
   * connected or admitted, or too much is already waiting for it. Throws
   * MESSAGE_TOO_LARGE above the channel's limit.
   */
  send(channel: Channel, nodeId: string, bytes: Uint8Array): boolean {
    this.running();
    return this.enqueue(channel, nodeId, this.frame(channel, bytes));
  }

  /** Queues `bytes` for every connected peer; returns how many peers it was queued for. */
  broadcast(channel: Channel, bytes: Uint8Array): number {
    this.running();
    const frame = this.frame(channel, bytes);
    let queued = 0;
    for (const nodeId of this.connected.keys()) if (this.enqueue(channel, nodeId, frame)) queued++;
    return queued;
  }

  /**
   * Serves a request method (e.g. `blocks_by_range`) under
   * `<prefix>/<method>/1/msgpack`. A later call replaces the handler.
   */
  handleRequest(method: string, handler: RequestHandler): void {
    assertRequestMethod(method);
    const isNew = !this.requestHandlers.has(method);
    this.requestHandlers.set(method, handler);
    // Once libp2p exists (even mid-start) register directly; before that, start() does.
    if (isNew && this.node !== undefined && this.state !== 'stopped') {
      this.registerRequestProtocol(this.node, method).catch((err: unknown) =>
        this.log.error({ method, err: (err as Error).message }, 'could not register request handler'),
      );
    }
  }

  /** Sends one request to a connected peer and resolves with its response bytes. */
  async request(nodeId: string, method: string, bytes: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    this.running();
    assertRequestMethod(method);
    if (bytes.byteLength > this.limits.request) {
      throw new P2PError(
        'MESSAGE_TOO_LARGE',
        `${method} request of ${bytes.byteLength} bytes exceeds the limit of ${this.limits.request}`,
      );
    }
    const peer = this.allow.resolve(nodeId);
    const conn = peer === undefined || !this.connected.has(peer.nodeId) ? undefined : this.openConnection(peer.peerId);
    if (peer === undefined || conn === undefined)
      throw new P2PError('NOT_CONNECTED', `node ${shortNodeId(nodeId)} is not connected`);
    return sendRequest(conn, {
      peer: peer.nodeId,
      method,
      protocol: protocolId(this.opts.protocolPrefix, method),
      request: bytes,
      timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs,
      maxResponseBytes: opts.maxResponseBytes ?? this.limits.response,
    });
  }

  /**
   * Replaces the allow list (e.g. after a governance vote changes the node list). Peers
   * no longer on it are disconnected; newly admitted configured peers are dialled.
   */
  async setAllowedPeers(nodes: readonly { nodeId: string }[]): Promise<void> {
    const node = this.running();
    const removed = this.allow.replace(nodes);
    await Promise.all(
      removed.map(async (nodeId) => {
        const peerId = peerIdFromNodeId(nodeId);
        if (node.getConnections(peerId).length === 0) return;
        this.log.info({ peer: shortNodeId(nodeId) }, 'disconnecting a node removed from the node list');
        await node.hangUp(peerId);
      }),
    );
    this.reconnector?.dialAll();
  }

  private running(): Libp2p {
    if (this.state !== 'running' || this.node === undefined)
      throw new P2PError('NOT_STARTED', `the p2p network is ${this.state}, not running`);
    return this.node;
  }

  private frame(channel: Channel, bytes: Uint8Array): Uint8ArrayList {
    if (bytes.byteLength > this.limits[channel]) {
      throw new P2PError(
        'MESSAGE_TOO_LARGE',
        `${channel} message of ${bytes.byteLength} bytes exceeds the limit of ${this.limits[channel]}`,
      );
    }
    return encodeFrame(bytes, this.limits[channel]);
  }

  /** Queues a frame for an accepted peer, opening the channel's stream on first use. */
  private enqueue(channel: Channel, nodeId: string, frame: Uint8ArrayList): boolean {
    const out = this.outbound[channel].get(nodeId);
    if (out !== undefined && this.connected.has(nodeId)) return out.push(frame);
    const peer = this.allow.resolve(nodeId);
    if (peer === undefined || !this.connected.has(peer.nodeId)) return false;
    const existing = this.outbound[channel].get(peer.nodeId);
    if (existing !== undefined) return existing.push(frame);
    const conn = this.openConnection(peer.peerId);
    return conn !== undefined && this.openOutbound(channel, peer.nodeId, conn).push(frame);
  }

  private openOutbound(
    channel: Channel,
    nodeId: NodeId,
    conn: Connection,
    onOpened?: () => void,
    onFailed?: () => void,
  ): OutboundStream {
    const streams = this.outbound[channel];
    streams.get(nodeId)?.close();
    const out: OutboundStream = new OutboundStream({
      open: () => conn.newStream(protocolId(this.opts.protocolPrefix, channel)),
      maxQueuedBytes: this.maxQueuedBytesPerPeer,
      onOpened,
      onClose: () => {
        if (streams.get(nodeId) === out) streams.delete(nodeId);
        onFailed?.();
      },
      log: this.log,
      logContext: { channel, peer: shortNodeId(nodeId) },
    });
    streams.set(nodeId, out);
    return out;
  }

  private openConnection(peerId: PeerId): Connection | undefined {
    return this.node?.getConnections(peerId).find((c) => c.status === 'open');
  }

  private oneWayHandler(channel: Channel): StreamHandler {
    const maxBytes = this.limits[channel];
    return async (stream, conn) => {
      const from = this.allow.nodeIdOf(conn.remotePeer);
      if (from === undefined) {
        stream.abort(new Error('peer not admitted'));
        return;
      }
      try {
        await readFrames(stream, maxBytes, (bytes) => this.deliver(channel, from, bytes));
        await stream.close();
      } catch (err) {
        const context = { channel, peer: shortNodeId(from), err: (err as Error).message };
        if (isOversizedFrame(err)) this.log.warn({ ...context, maxBytes }, 'oversized message, resetting stream');
        else this.log.debug(context, 'inbound stream failed');
        stream.abort(err as Error);
      }
    };
  }

  private deliver(channel: Channel, from: NodeId, bytes: Uint8Array): void {
    // The node list may have shrunk since this stream opened; its connection is closing.
    if (!this.allow.has(from)) return;
    const handler = this.messageHandlers.get(channel);
    if (handler === undefined) return;
    try {
      handler(from, bytes);
    } catch (err) {
      this.log.error({ channel, peer: shortNodeId(from), err: (err as Error).message }, 'message handler threw');
    }
  }

  private async registerProtocols(node: Libp2p): Promise<void> {
    for (const channel of CHANNELS) {
      await node.handle(protocolId(this.opts.protocolPrefix, channel), this.oneWayHandler(channel), {
        maxInboundStreams: MAX_ONE_WAY_STREAMS_PER_CONNECTION,
        maxOutboundStreams: MAX_ONE_WAY_STREAMS_PER_CONNECTION,
      });
    }
    for (const method of this.requestHandlers.keys()) await this.registerRequestProtocol(node, method);
  }

  private async registerRequestProtocol(node: Libp2p, method: string): Promise<void> {
    const handler = requestStreamHandler({
      method,
      handler: (from, request) => this.requestHandlers.get(method)!(from, request),
      maxRequestBytes: this.limits.request,
      maxResponseBytes: this.limits.response,
      timeoutMs: this.requestTimeoutMs,
      authorize: (conn) => this.allow.nodeIdOf(conn.remotePeer),
      log: this.log,
    });
    await node.handle(protocolId(this.opts.protocolPrefix, method), handler, {
      maxInboundStreams: MAX_REQUEST_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_REQUEST_STREAMS_PER_CONNECTION,
      // start() and a concurrent handleRequest may both register a method; same handler.
      force: true,
    });
  }

  /**
   * A connection is open, but with noise the dialer completes its handshake before the
   * listener's gater has admitted it, so a refused dial also gets here. The peer counts
   * as connected only once it accepts a stream: we open the consensus stream (needed
   * anyway) and wait for the remote to negotiate it.
   */
  private onPeerConnect(peerId: PeerId): void {
    const nodeId = this.allow.nodeIdOf(peerId);
    const conn = this.openConnection(peerId);
    if (nodeId === undefined) {
      // Admitted at the handshake, removed from the list since: setAllowedPeers hangs up.
      void this.node?.hangUp(peerId).catch(() => undefined);
      return;
    }
    if (conn === undefined) return;
    let accepted = false;
    this.openOutbound(
      'consensus',
      nodeId,
      conn,
      () => {
        accepted = true;
        this.onPeerAccepted(nodeId, peerId);
      },
      () => {
        if (accepted || this.state !== 'running') return;
        this.log.debug(
          { peer: shortNodeId(nodeId), address: hostPort(conn.remoteAddr) },
          'peer did not accept the connection',
        );
        conn.abort(new Error('peer did not accept a stream'));
        // Another connection to the peer (both sides dialled at once) may still be good.
        if (this.openConnection(peerId) !== undefined) this.onPeerConnect(peerId);
      },
    );
  }

  private onPeerAccepted(nodeId: NodeId, peerId: PeerId): void {
    if (this.connected.has(nodeId)) return;
    this.connected.set(nodeId, peerId);
    this.reconnector?.peerAccepted(nodeId);
    const info = this.peerInfo(nodeId, peerId);
    if (info === undefined) return;
    this.log.info({ peer: shortNodeId(nodeId), address: info.address, direction: info.direction }, 'peer connected');
    this.emit('peer:connected', info);
  }

  private onPeerDisconnect(peerId: PeerId): void {
    const nodeId = nodeIdFromPeerId(peerId);
    for (const channel of CHANNELS) {
      this.outbound[channel].get(nodeId)?.close();
      this.outbound[channel].delete(nodeId);
    }
    this.reconnector?.peerDisconnected(nodeId);
    if (!this.connected.delete(nodeId)) return;
    this.log.info({ peer: shortNodeId(nodeId) }, 'peer disconnected');
    this.emit('peer:disconnected', { nodeId });
  }

  private peerInfo(nodeId: NodeId, peerId: PeerId): PeerInfo | undefined {
    const conn = this.openConnection(peerId);
    if (conn === undefined) return undefined;
    return { nodeId, address: hostPort(conn.remoteAddr), direction: conn.direction };
  }
}

function assertListen(host: string, port: number): void {
  if (isIP(host) === 0)
    throw new P2PError('INVALID_OPTIONS', `listen host must be an IP address, got ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new P2PError('INVALID_OPTIONS', `listen port must be 0..65535, got ${port}`);
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new P2PError('INVALID_OPTIONS', `${name} must be a positive number, got ${value}`);
  return value;
}

function dialAddress(peer: PeerAddress, nodeId: NodeId): Multiaddr {
  if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) {
    throw new P2PError('INVALID_OPTIONS', `peer ${shortNodeId(nodeId)} port must be 1..65535, got ${peer.port}`);
  }
  const family = isIP(peer.host);
  const proto = family === 4 ? 'ip4' : family === 6 ? 'ip6' : 'dns';
  return multiaddr(`/${proto}/${peer.host}/tcp/${peer.port}/p2p/${peerIdFromNodeId(nodeId).toString()}`);
}

function hostPort(addr: Multiaddr): string {
  const parts = addr.getComponents();
  const host = parts.find((c) => c.name === 'ip4' || c.name === 'ip6' || c.name.startsWith('dns'));
  const port = parts.find((c) => c.name === 'tcp')?.value ?? '?';
  if (host === undefined) return addr.toString();
  return host.name === 'ip6' ? `[${host.value}]:${port}` : `${host.value}:${port}`;
}
