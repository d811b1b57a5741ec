import { type CodeOf, LingdingError } from '../../node/errors/index.js';

export const RpcClientErrorCode = {
  /** The node answered with a JSON-RPC error (its code is `rpcCode`, its data `data`). */
  Remote: 'REMOTE_ERROR',
  /** No usable answer: the node is unreachable or did not answer JSON-RPC. */
  Transport: 'TRANSPORT_ERROR',
} as const;
export type RpcClientErrorCodeValue = CodeOf<typeof RpcClientErrorCode>;
import type { MethodName, Params, Result } from '../../node/rpc/schema.js';

/** A small JSON-RPC 2.0 client over HTTP (fetch), used by the CLI, tests and benchmarks. */
export class RpcClientError extends LingdingError<RpcClientErrorCodeValue> {
  /** `rpcCode` is the JSON-RPC error code, or -1 when there was no JSON-RPC answer. */
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(rpcCode === -1 ? RpcClientErrorCode.Transport : RpcClientErrorCode.Remote, message);
    this.name = 'RpcClientError';
  }
}

interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** One call's outcome in a batch: its result or its error. */
export interface BatchOutcome<T> {
  result?: T;
  error?: RpcErrorBody;
}

export class RpcClient {
  private nextId = 1;
  /** `token`: the node's bearer token (rpc.authTokenFile); by default LINGDING_RPC_TOKEN, if set. */
  constructor(
    readonly url: string,
    private readonly token: string | undefined = process.env.LINGDING_RPC_TOKEN || undefined,
  ) {}

  /**
   * Calls `method` with params typed by node/rpc/schema.ts and resolves to its result;
   * params may be left out for a method that takes none. A JSON-RPC error rejects with
   * an RpcClientError.
   */
  async call<M extends MethodName, const P extends Params<M> = Params<M>>(
    method: M,
    ...params: [] extends Params<M> ? [params?: P] : [params: P]
  ): Promise<Result<M, P>> {
    return (await this.request(method, params[0] ?? [])) as Result<M, P>;
  }

  /** An untyped call, for tests that send what the schema refuses. */
  async request(method: string, params: readonly unknown[] = []): Promise<unknown> {
    const res = await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params });
    const r = res as { result?: unknown; error?: RpcErrorBody };
    if (r.error) throw new RpcClientError(r.error.code, r.error.message, r.error.data);
    return r.result;
  }

  /**
   * Sends one HTTP request with many calls of one method; results (or errors) come back
   * in order.
   */
  async batch<M extends MethodName, const P extends Params<M> = Params<M>>(
    calls: ReadonlyArray<{ method: M; params: P }>,
  ): Promise<Array<BatchOutcome<Result<M, P>>>> {
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params }));
    const res = (await this.post(body)) as Array<BatchOutcome<Result<M, P>> & { id: number }>;
    if (!Array.isArray(res))
      throw new RpcClientError((res as { error: { code: number } }).error?.code ?? -1, JSON.stringify(res));
    const byId = new Map(res.map((r) => [r.id, r]));
    return calls.map((_, i) => byId.get(first + i) ?? { error: { code: -1, message: 'missing response' } });
  }

  private async post(body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new RpcClientError(
        -1,
        `cannot reach ${this.url}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}`,
      );
    }
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new RpcClientError(-1, `HTTP ${res.status} from ${this.url}: ${text.slice(0, 200)}`);
    }
  }
}
