import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.js';
import { RpcErrorCode, toRpcError } from './errors.js';
import { type RpcBackend, runMethod } from './methods.js';
import { isMethodName } from './schema.js';

export interface RpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxBatch: number;
}

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

  constructor(
    private readonly opts: RpcServerOptions,
    private readonly deps: { backend: RpcBackend; logger: Logger; metrics: NodeMetrics },
  ) {
    this.server = createServer((req, res) => this.handle(req, res));
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
    if (req.method !== 'POST') {
      send(
        res,
        405,
        JSON.stringify(errorResponse(null, RpcErrorCode.InvalidRequest, 'use POST with a JSON-RPC 2.0 body')),
        'application/json',
      );
      return;
    }
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
        (out) => send(res, 200, out === null ? '' : JSON.stringify(out), 'application/json'),
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

  /** Parses and runs a body; null means "no response" (a batch of only notifications). */
  async dispatchBody(body: string): Promise<JsonRpcResponse | JsonRpcResponse[] | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return errorResponse(null, RpcErrorCode.ParseError, `parse error: ${(e as Error).message}`);
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return errorResponse(null, RpcErrorCode.InvalidRequest, 'empty batch');
      if (parsed.length > this.opts.maxBatch)
        return errorResponse(
          null,
          RpcErrorCode.InvalidRequest,
          `batch of ${parsed.length} exceeds the limit of ${this.opts.maxBatch}`,
        );
      const out = await Promise.all(parsed.map((r) => this.dispatchOne(r)));
      const responses = out.filter((r): r is JsonRpcResponse => r !== null);
      return responses.length ? responses : null;
    }
    return (await this.dispatchOne(parsed)) ?? null;
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
      const result = await runMethod(method, params, this.deps.backend);
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

function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
