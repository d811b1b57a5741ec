import type { NodeId } from './identity.js';
import type { MessageLimits } from './protocols.js';
import type { BackoffOptions } from './reconnect.js';

/**
 * Structured logger, pino-compatible: a context object then a short message. The p2p
 * layer only needs these four levels, so any pino logger (or child) fits.
 */
export interface P2PLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/** An entry of the chain's node list (sealers and observers); extra fields are ignored. */
export interface NodeEntry {
  readonly nodeId: string;
}

/** Where to dial a configured peer. The node id pins who must answer at that address. */
export interface PeerAddress {
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
}

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port; read the bound one from `P2PNetwork.listenAddress`. */
  readonly port: number;
}

export interface P2PNetworkOptions {
  /** The node's 32-byte secp256k1 secret key; its public key is the node id. */
  readonly secretKey: Uint8Array;
  readonly listen: ListenAddress;
  /** Node ids admitted to connect (both directions). Our own id may be present. */
  readonly nodes: readonly NodeEntry[];
  /** Peers to keep connected to. Entries whose node id is not admitted are not dialled. */
  readonly peers: readonly PeerAddress[];
  /** Prefix of every protocol id, e.g. `/lingding/<chainId>`; keeps chains apart. */
  readonly protocolPrefix: string;
  /** Maximum payload size per protocol; defaults to DEFAULT_LIMITS. */
  readonly limits?: Partial<MessageLimits>;
  /**
   * Cap on bytes waiting to be written to one peer on one channel. Past it, new one-way
   * messages to that peer are dropped (and logged) instead of growing memory without
   * bound behind a slow peer. Must be at least the largest one-way message limit.
   * Default 32 MiB.
   */
  readonly maxQueuedBytesPerPeer?: number;
  /** Default time a `request` waits for its response, and a server for the request. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Redial backoff; defaults to DEFAULT_BACKOFF. */
  readonly reconnect?: Partial<BackoffOptions>;
}

export interface P2PNetworkModules {
  readonly logger: P2PLogger;
}

/** A connected peer. With several connections to one peer (both dialled at once), one of them is shown. */
export interface PeerInfo {
  readonly nodeId: NodeId;
  /** Remote `host:port` of the connection (for inbound connections, the peer's ephemeral port). */
  readonly address: string;
  readonly direction: 'inbound' | 'outbound';
}

/**
 * Receives one-way messages. `bytes` is a copy the handler owns; decoding and validating
 * the content is the handler's job. Runs synchronously in arrival order per peer.
 */
export type MessageHandler = (from: NodeId, bytes: Uint8Array) => void;

/** Serves one request method: returns the response bytes or throws (the requester gets REMOTE_ERROR). */
export type RequestHandler = (from: NodeId, request: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface RequestOptions {
  /** Overrides the network's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Overrides `limits.response` for this call. */
  readonly maxResponseBytes?: number;
}

export interface P2PEvents {
  'peer:connected': [PeerInfo];
  'peer:disconnected': [{ nodeId: NodeId }];
}
