import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, STATUS_CODES, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.js';
import { CallQueue } from './call-queue.js';
import { errorResponse, RpcDispatcher } from './dispatch.js';
import { RpcErrorCode } from './errors.js';
import { FILTER_TIMEOUT_MS, FilterRegistry } from './eth/filters.js';
import { blockByNumber, type MethodContext, type RpcBackend } from './methods.js';
import { type NodeEvents, registerNodeChannels } from './ws/channels.js';
import { ethSubscriptionViews } from './ws/eth-views.js';
import { SubscriptionHub } from './ws/hub.js';
import { WsTransport } from './ws/transport.js';

export interface RpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxBatch: number;
  /** Largest JSON answer (rpc.maxResponseBytes); past it, calls get a -32014 error. */
  readonly maxResponseBytes: number;
  /** Gas of one read-only `call` (rpc.callGasLimit). */
  readonly callGasLimit: number;
  /** Requests one remote address may have in flight (rpc.maxConcurrentPerClient). */
  readonly maxConcurrentPerClient: number;
  /** eth_getLogs and log filters: blocks per query, logs per answer; eth filters installed at once. */
  readonly maxLogsBlockRange: number;
  readonly maxLogsPerResponse: number;
  readonly maxFilters: number;
  /** Host header values served besides loopback and the bind address ('*': any). */
  readonly allowedHosts?: readonly string[];
  /** Browser origins allowed to call (CORS); none by default. */
  readonly corsOrigins?: readonly string[];
  /** When set, every JSON-RPC request must carry `Authorization: Bearer <token>`. */
  readonly authToken?: string;
  /** WebSocket connections at once (rpc.wsMaxConnections). */
  readonly wsMaxConnections: number;
  /** Subscriptions per WebSocket connection (rpc.wsMaxSubscriptionsPerConnection). */
  readonly wsMaxSubscriptionsPerConnection: number;
  /** Bytes waiting for one WebSocket reader before it is cut off (rpc.wsMaxBufferedBytes). */
  readonly wsMaxBufferedBytes: number;
  /** Keepalive ping period (rpc.wsPingIntervalMs). */
  readonly wsPingIntervalMs: number;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** After a 413, how much more of the body (in multiples of rpc.maxBodyBytes) and how long is drained before the connection is cut. */
const DRAIN_FACTOR = 4;
const DRAIN_MS = 10_000;

/**
 * JSON-RPC 2.0 over HTTP: POST / with a request or a batch; and over WebSocket on the same
 * port (an upgrade request), with subscriptions. Both go through one dispatcher. GET
 * /metrics serves Prometheus metrics and GET /health a liveness probe. Bodies over the
 * limit are refused while they stream in, never buffered whole.
 */
export class RpcServer {
  private readonly server: Server;
  private readonly methods: MethodContext;
  private readonly dispatcher: RpcDispatcher;
  private readonly ws: WsTransport;
  /** What the node tells the subscriptions: committed blocks, admitted transactions. */
  readonly events: NodeEvents;

  constructor(
    private readonly opts: RpcServerOptions,
    private readonly deps: { backend: RpcBackend; logger: Logger; metrics: NodeMetrics },
  ) {
    this.methods = {
      calls: new CallQueue(deps.backend.chain, opts.callGasLimit),
      filters: new FilterRegistry({
        maxFilters: opts.maxFilters,
        timeoutMs: FILTER_TIMEOUT_MS,
        maxPendingHashes: opts.maxLogsPerResponse,
      }),
      eth: { maxLogsBlockRange: opts.maxLogsBlockRange, maxLogsPerResponse: opts.maxLogsPerResponse },
    };
    this.dispatcher = new RpcDispatcher(opts, deps);
    const hub = new SubscriptionHub(deps.logger);
    const channels = registerNodeChannels(
      hub,
      {
        eth: ethSubscriptionViews(deps.backend.chain),
        block: (executed) => blockByNumber(deps.backend, executed.block.header.number, false),
      },
      { supervising: deps.backend.supervision !== null },
    );
    // eth_newPendingTransactionFilter's filters hear of admissions as the subscriptions do.
    this.events = {
      alertRaised: channels.alertRaised,
      blockCommitted: channels.blockCommitted,
      transactionAdmitted: (entry) => {
        channels.transactionAdmitted(entry);
        this.methods.filters.transactionAdmitted(entry.hash);
      },
    };
    this.ws = new WsTransport(
      {
        maxMessageBytes: opts.maxBodyBytes,
        maxConnections: opts.wsMaxConnections,
        maxSubscriptionsPerConnection: opts.wsMaxSubscriptionsPerConnection,
        maxBufferedBytes: opts.wsMaxBufferedBytes,
        pingIntervalMs: opts.wsPingIntervalMs,
      },
      { dispatcher: this.dispatcher, hub, methods: this.methods, logger: deps.logger, metrics: deps.metrics },
    );
    this.server = createServer((req, res) => {
      // A request must never become an uncaught exception (the process policy for those
      // stops the node): whatever escapes the handler answers 500 and is logged.
      try {
        this.handle(req, res);
      } catch (e) {
        this.deps.logger.error({ err: e }, 'rpc request failed');
        send(
          res,
          500,
          JSON.stringify(errorResponse(null, RpcErrorCode.Internal, 'internal error')),
          'application/json',
        );
      }
    });
    this.server.on('upgrade', (req, socket, head) => {
      try {
        this.upgrade(req, socket, head);
      } catch (e) {
        this.deps.logger.error({ err: e }, 'rpc upgrade failed');
        socket.destroy();
      }
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.requestTimeout = 120_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.ws.start();
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** WebSocket connections open now. */
  get wsConnections(): number {
    return this.ws.size;
  }

  async stop(): Promise<void> {
    this.ws.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url === '/metrics') {
      this.deps.metrics.registry.metrics().then(
        (text) => send(res, 200, text, this.deps.metrics.registry.contentType),
        (e) => send(res, 500, String(e), 'text/plain'),
      );
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      send(
        res,
        200,
        JSON.stringify({ ok: true, blockNumber: this.deps.backend.chain.head.number }),
        'application/json',
      );
      return;
    }
    // A browser page must not be able to drive the RPC: no foreign Origin (CSRF), no Host
    // the operator did not name (DNS rebinding), JSON only (no "simple" text/plain posts).
    const refusal = this.refusal(req);
    if (refusal) {
      send(
        res,
        refusal.status,
        JSON.stringify(errorResponse(null, RpcErrorCode.InvalidRequest, refusal.why)),
        'application/json',
      );
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS' && origin !== undefined) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'content-type, authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      send(
        res,
        405,
        JSON.stringify(errorResponse(null, RpcErrorCode.InvalidRequest, 'use POST with a JSON-RPC 2.0 body')),
        'application/json',
      );
      return;
    }
    const slot = this.dispatcher.admit(req.socket.remoteAddress ?? '');
    if ('refusal' in slot) {
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '1');
      send(res, 429, slot.refusal, 'application/json');
      req.resume();
      return;
    }
    // The slot is held until the response closes, sent or aborted.
    res.once('close', slot.release);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        // Discarded, not kept; past the drain bound the connection is cut.
        if (size > DRAIN_FACTOR * this.opts.maxBodyBytes) req.destroy();
        return;
      }
      if (size > this.opts.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        res.setHeader('Connection', 'close');
        send(
          res,
          413,
          JSON.stringify(
            errorResponse(null, RpcErrorCode.RequestTooLarge, `request body exceeds ${this.opts.maxBodyBytes} bytes`),
          ),
          'application/json',
        );
        // Destroying the request at once resets a client still writing its body, which then
        // sees ECONNRESET instead of the 413: let the rest drain into nothing, within a byte
        // and a time bound, and close once the answer is out.
        setTimeout(() => req.destroy(), DRAIN_MS).unref();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const { cpu } = this.deps.metrics;
      // The synchronous part of a call (parsing, starting each method) counts as RPC time;
      // what a method does after its first await counts where it runs.
      cpu
        .run('rpc', () => this.dispatcher.dispatchBody(Buffer.concat(chunks).toString('utf8'), this.methods))
        .then(
          (out) => cpu.run('rpc', () => send(res, 200, out ?? '', 'application/json')),
          (e) => {
            this.deps.logger.error({ err: e }, 'rpc dispatch failed');
            send(
              res,
              500,
              JSON.stringify(errorResponse(null, RpcErrorCode.Internal, 'internal error')),
              'application/json',
            );
          },
        );
    });
    req.on('error', () => {});
  }

  /**
   * A WebSocket upgrade: refused as a POST would be (Host, Origin, bearer token), or when
   * rpc.wsMaxConnections are open (HTTP 503), each with a JSON-RPC error as the body.
   */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuseUpgrade(socket, 400, 'only WebSocket upgrades are served');
      return;
    }
    const refusal = this.refusal(req);
    if (refusal) {
      refuseUpgrade(socket, refusal.status, refusal.why);
      return;
    }
    if (this.ws.full) {
      refuseUpgrade(
        socket,
        503,
        `too many WebSocket connections: at most ${this.opts.wsMaxConnections} (rpc.wsMaxConnections)`,
      );
      return;
    }
    this.ws.upgrade(req, socket, head);
  }

  /** Why a request is refused before it is read, or null. */
  private refusal(req: IncomingMessage): { status: number; why: string } | null {
    const { opts } = this;
    const host = hostName(req.headers.host);
    const allowed = opts.allowedHosts ?? [];
    if (!allowed.includes('*') && !(host !== null && [...LOOPBACK_HOSTS, opts.host, ...allowed].includes(host)))
      return { status: 403, why: `host '${req.headers.host ?? ''}' is not served here (rpc.allowedHosts)` };
    const origin = req.headers.origin;
    if (origin !== undefined && !(opts.corsOrigins ?? []).includes(origin))
      return { status: 403, why: `origin '${origin}' may not call this node (rpc.corsOrigins)` };
    const upgrade = req.headers.upgrade !== undefined;
    if (req.method === 'POST' || upgrade) {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!upgrade && type !== 'application/json') return { status: 415, why: 'Content-Type must be application/json' };
      if (opts.authToken !== undefined && !bearerMatches(req.headers.authorization, opts.authToken))
        return { status: 401, why: 'a valid Authorization: Bearer token is required (rpc.authTokenFile)' };
    }
    return null;
  }
}

/** The host part of a Host header ('[::1]:8545' → '::1', 'a.example:80' → 'a.example'). */
function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return m ? m[1].toLowerCase() : null;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an upgrade request that is not taken, on the raw socket, and closes it. */
function refuseUpgrade(socket: Duplex, status: number, why: string): void {
  const code = status === 503 ? RpcErrorCode.TooManyRequests : RpcErrorCode.InvalidRequest;
  const body = JSON.stringify(errorResponse(null, code, why));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
