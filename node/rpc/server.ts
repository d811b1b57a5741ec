import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.js';
import { CallQueue } from './call-queue.js';
import { RpcErrorCode, toRpcError } from './errors.js';
import { FILTER_TIMEOUT_MS, FilterRegistry } from './eth/filters.js';
import { type MethodContext, type RpcBackend, runMethod } from './methods.js';
import { isMethodName } from './schema.js';

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
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

type JsonRpcId = string | number | null;
interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * JSON-RPC 2.0 over HTTP: POST / with a request or a batch. GET /metrics serves
 * Prometheus metrics and GET /health a liveness probe. Bodies over the limit are refused
 * while they stream in, never buffered whole.
 */
export class RpcServer {
  private readonly server: Server;
  private readonly methods: MethodContext;
  /** Requests in flight by remote address, from their headers until their response closes. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly opts: RpcServerOptions,
    private readonly deps: { backend: RpcBackend; logger: Logger; metrics: NodeMetrics },
  ) {
    this.methods = {
      calls: new CallQueue(deps.backend.chain, opts.callGasLimit),
      filters: new FilterRegistry({ maxFilters: opts.maxFilters, timeoutMs: FILTER_TIMEOUT_MS }),
      eth: { maxLogsBlockRange: opts.maxLogsBlockRange, maxLogsPerResponse: opts.maxLogsPerResponse },
    };
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
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
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
    if (!this.admitClient(req, res)) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.opts.maxBodyBytes) {
        refused = true;
        res.setHeader('Connection', 'close');
        send(
          res,
          413,
          JSON.stringify(
            errorResponse(null, RpcErrorCode.RequestTooLarge, `request body exceeds ${this.opts.maxBodyBytes} bytes`),
          ),
          'application/json',
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      this.dispatchBody(Buffer.concat(chunks).toString('utf8')).then(
        (out) => send(res, 200, out ?? '', 'application/json'),
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
   * Counts the request against its client's rpc.maxConcurrentPerClient until its response
   * closes (sent or aborted); past the limit, answers 429 and returns false. Keyed by remote
   * address: one client cannot hold every call slot and every byte of answer at once.
   */
  private admitClient(req: IncomingMessage, res: ServerResponse): boolean {
    const client = req.socket.remoteAddress ?? '';
    const held = this.inFlight.get(client) ?? 0;
    const max = this.opts.maxConcurrentPerClient;
    if (held >= max) {
      this.deps.metrics.rpcRequests.inc({ method: 'unknown', outcome: 'refused' });
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '1');
      send(
        res,
        429,
        JSON.stringify(
          errorResponse(
            null,
            RpcErrorCode.TooManyRequests,
            `too many requests in flight from ${client}: at most ${max} (rpc.maxConcurrentPerClient)`,
          ),
        ),
        'application/json',
      );
      req.resume();
      return false;
    }
    this.inFlight.set(client, held + 1);
    res.once('close', () => {
      const left = (this.inFlight.get(client) ?? 1) - 1;
      if (left > 0) this.inFlight.set(client, left);
      else this.inFlight.delete(client);
    });
    return true;
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
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return { status: 415, why: 'Content-Type must be application/json' };
      if (opts.authToken !== undefined && !bearerMatches(req.headers.authorization, opts.authToken))
        return { status: 401, why: 'a valid Authorization: Bearer token is required (rpc.authTokenFile)' };
    }
    return null;
  }

  /**
   * Parses and runs a body and answers it as JSON; null means "no response" (a batch of only
   * notifications). Its answer is budgeted while it is computed: each response is serialised
   * as it comes, and the first one that does not fit in what is left of rpc.maxResponseBytes
   * spends the budget; every call with an id not started by then gets -32014 without being
   * run (notifications still run: they add nothing to the answer).
   *
   * Reads run one at a time, each after a turn of the event loop, so a batch holds at most
   * one result being built besides its answer, however large each result. Transactions
   * (`sendTransaction`) all start at once, as before: their signatures are recovered as one
   * batch on the worker threads, and a batch that waits for receipts waits for one commit,
   * not one commit per transaction. Their answers are receipts of the caller's own
   * transactions, bounded by the transaction size and gas limits, and still counted.
   */
  async dispatchBody(body: string): Promise<string | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return JSON.stringify(errorResponse(null, RpcErrorCode.ParseError, `parse error: ${(e as Error).message}`));
    }
    const budget = new ResponseBudget(this.opts.maxResponseBytes);
    if (!Array.isArray(parsed)) {
      const r = await this.dispatchOne(parsed);
      return r ? budget.take(r) : null;
    }
    if (parsed.length === 0) return JSON.stringify(errorResponse(null, RpcErrorCode.InvalidRequest, 'empty batch'));
    if (parsed.length > this.opts.maxBatch)
      return JSON.stringify(
        errorResponse(
          null,
          RpcErrorCode.InvalidRequest,
          `batch of ${parsed.length} exceeds the limit of ${this.opts.maxBatch}`,
        ),
      );
    budget.startBatch();
    const parts: (string | undefined)[] = new Array(parsed.length);
    const answer = (i: number) => (r: JsonRpcResponse | null) => {
      if (r) parts[i] = budget.take(r);
    };
    const transactions: Promise<void>[] = [];
    for (const [i, item] of parsed.entries()) {
      if (isTransactionSubmission(item)) transactions.push(this.dispatchOne(item).then(answer(i)));
    }
    let first = true;
    for (const [i, item] of parsed.entries()) {
      if (isTransactionSubmission(item)) continue;
      if (!first) await nextTurn();
      first = false;
      const id = budget.spent ? answeredId(item) : undefined;
      if (id !== undefined) parts[i] = budget.refusal(id);
      else answer(i)(await this.dispatchOne(item));
    }
    await Promise.all(transactions);
    const answered = parts.filter((p) => p !== undefined);
    return answered.length ? `[${answered.join(',')}]` : null;
  }

  private async dispatchOne(req: unknown): Promise<JsonRpcResponse | null> {
    if (typeof req !== 'object' || req === null || Array.isArray(req))
      return errorResponse(null, RpcErrorCode.InvalidRequest, 'request must be a JSON object');
    const r = req as Record<string, unknown>;
    const hasId = 'id' in r;
    const id = r.id;
    if (hasId && id !== null && typeof id !== 'string' && typeof id !== 'number')
      return errorResponse(null, RpcErrorCode.InvalidRequest, 'id must be a string, number or null');
    const rid = (hasId ? id : null) as JsonRpcId;
    if (r.jsonrpc !== '2.0') return errorResponse(rid, RpcErrorCode.InvalidRequest, 'jsonrpc must be "2.0"');
    if (typeof r.method !== 'string') return errorResponse(rid, RpcErrorCode.InvalidRequest, 'method must be a string');
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params)) return errorResponse(rid, RpcErrorCode.InvalidParams, 'params must be an array');
    const method = isMethodName(r.method) ? r.method : undefined;
    const label = method ?? 'unknown';
    if (!method) {
      this.deps.metrics.rpcRequests.inc({ method: label, outcome: 'error' });
      return hasId ? errorResponse(rid, RpcErrorCode.MethodNotFound, `method '${r.method}' not found`) : null;
    }
    try {
      const result = await runMethod(method, params, this.deps.backend, this.methods);
      this.deps.metrics.rpcRequests.inc({ method: label, outcome: 'ok' });
      return hasId ? { jsonrpc: '2.0', id: rid, result: result ?? null } : null;
    } catch (e) {
      this.deps.metrics.rpcRequests.inc({ method: label, outcome: 'error' });
      const re = toRpcError(e);
      if (re) return hasId ? errorResponse(rid, re.rpcCode, re.message, re.data) : null;
      this.deps.logger.error({ err: e, method: r.method }, 'rpc method failed');
      return hasId ? errorResponse(rid, RpcErrorCode.Internal, `internal error: ${(e as Error).message}`) : null;
    }
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

/** A well-formed `sendTransaction` batch item (see dispatchBody: these run concurrently). */
function isTransactionSubmission(item: unknown): boolean {
  return typeof item === 'object' && item !== null && (item as { method?: unknown }).method === 'sendTransaction';
}

/** The id a batch item would be answered with; undefined for a notification or an item answered as invalid. */
function answeredId(item: unknown): JsonRpcId | undefined {
  if (typeof item !== 'object' || item === null || !('id' in item)) return undefined;
  const { id } = item as { id: unknown };
  return id === null || typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * The bytes of one answer, rpc.maxResponseBytes at most for results. Each response is
 * serialised on its own (one too large for V8's string limit throws here, not in the
 * socket code). A response that does not fit in what is left becomes an error naming the
 * limit and spends the budget; the errors themselves come on top (one short line per call,
 * echoing its id, so bounded by the batch and body limits).
 */
export class ResponseBudget {
  private used = 0;
  /** Bytes each response adds besides its own: a comma in a batch. */
  private separator = 0;
  private spentValue = false;

  constructor(readonly maxBytes: number) {}

  get spent(): boolean {
    return this.spentValue;
  }

  /** A batch answer: the brackets, and a comma before every response but the first. */
  startBatch(): void {
    this.used = 1;
    this.separator = 1;
  }

  take(r: JsonRpcResponse): string {
    let s: string;
    try {
      s = JSON.stringify(r);
    } catch {
      return this.overflow(r.id); // e.g. RangeError: Invalid string length
    }
    const bytes = Buffer.byteLength(s) + this.separator;
    if (this.spentValue || this.used + bytes > this.maxBytes) return this.overflow(r.id);
    this.used += bytes;
    return s;
  }

  /** The -32014 answer of a call not run because the budget is spent. */
  refusal(id: JsonRpcId): string {
    return JSON.stringify(
      errorResponse(
        id,
        RpcErrorCode.ResponseTooLarge,
        `response exceeds ${this.maxBytes} bytes (rpc.maxResponseBytes)`,
      ),
    );
  }

  private overflow(id: JsonRpcId): string {
    this.spentValue = true;
    return this.refusal(id);
  }
}

function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
