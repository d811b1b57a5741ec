import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.js';
import { RpcErrorCode, toRpcError } from './errors.js';
import { type MethodContext, type RpcBackend, runMethod } from './methods.js';
import { isMethodName } from './schema.js';

export type JsonRpcId = string | number | null;
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface DispatchLimits {
  readonly maxBatch: number;
  /** Largest JSON answer (rpc.maxResponseBytes); past it, calls get a -32014 error. */
  readonly maxResponseBytes: number;
  /** Requests one client may have in flight (rpc.maxConcurrentPerClient). */
  readonly maxConcurrentPerClient: number;
}

/**
 * The one path every JSON-RPC message takes, whichever transport brought it (HTTP POST or
 * a WebSocket message): parsing, batch rules, the answer's byte budget, per-client
 * concurrency, params validation, the method table and error mapping. A transport only
 * moves bytes and says who the client is.
 */
export class RpcDispatcher {
  /** Requests in flight by client (a remote address over HTTP, a connection over WebSocket). */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: DispatchLimits,
    private readonly deps: { backend: RpcBackend; logger: Logger; metrics: NodeMetrics },
  ) {}

  /**
   * Counts a request against its client's rpc.maxConcurrentPerClient until the returned
   * release is called; past the limit returns the -32015 answer to send instead. One client
   * cannot hold every call slot and every byte of answer at once.
   */
  admit(client: string): { release: () => void } | { refusal: string } {
    const held = this.inFlight.get(client) ?? 0;
    const max = this.limits.maxConcurrentPerClient;
    if (held >= max) {
      this.deps.metrics.rpcRequests.inc({ method: 'unknown', outcome: 'refused' });
      return {
        refusal: JSON.stringify(
          errorResponse(
            null,
            RpcErrorCode.TooManyRequests,
            `too many requests in flight from ${client}: at most ${max} (rpc.maxConcurrentPerClient)`,
          ),
        ),
      };
    }
    this.inFlight.set(client, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.inFlight.get(client) ?? 1) - 1;
        if (left > 0) this.inFlight.set(client, left);
        else this.inFlight.delete(client);
      },
    };
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
   *
   * `ctx` is what the methods get besides the node: a WebSocket connection lends its
   * subscriptions there, which is how subscription methods know they came over one.
   */
  async dispatchBody(body: string, ctx: MethodContext): Promise<string | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return JSON.stringify(errorResponse(null, RpcErrorCode.ParseError, `parse error: ${(e as Error).message}`));
    }
    const budget = new ResponseBudget(this.limits.maxResponseBytes);
    if (!Array.isArray(parsed)) {
      const r = await this.dispatchOne(parsed, ctx);
      return r ? budget.take(r) : null;
    }
    if (parsed.length === 0) return JSON.stringify(errorResponse(null, RpcErrorCode.InvalidRequest, 'empty batch'));
    if (parsed.length > this.limits.maxBatch)
      return JSON.stringify(
        errorResponse(
          null,
          RpcErrorCode.InvalidRequest,
          `batch of ${parsed.length} exceeds the limit of ${this.limits.maxBatch}`,
        ),
      );
    budget.startBatch();
    const parts: (string | undefined)[] = new Array(parsed.length);
    const answer = (i: number) => (r: JsonRpcResponse | null) => {
      if (r) parts[i] = budget.take(r);
    };
    const transactions: Promise<void>[] = [];
    for (const [i, item] of parsed.entries()) {
      if (isTransactionSubmission(item)) transactions.push(this.dispatchOne(item, ctx).then(answer(i)));
    }
    let first = true;
    for (const [i, item] of parsed.entries()) {
      if (isTransactionSubmission(item)) continue;
      if (!first) await nextTurn();
      first = false;
      const id = budget.spent ? answeredId(item) : undefined;
      if (id !== undefined) parts[i] = budget.refusal(id);
      else answer(i)(await this.dispatchOne(item, ctx));
    }
    await Promise.all(transactions);
    const answered = parts.filter((p) => p !== undefined);
    return answered.length ? `[${answered.join(',')}]` : null;
  }

  private async dispatchOne(req: unknown, ctx: MethodContext): Promise<JsonRpcResponse | null> {
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
      const result = await runMethod(method, params, this.deps.backend, ctx);
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

export function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}
