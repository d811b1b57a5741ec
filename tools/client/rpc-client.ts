import { type CodeOf, LingdingError } from '../../node/errors/index.js';

export const RpcClientErrorCode = {
  /** The node answered with a JSON-RPC error (its code is `rpcCode`, its data `data`). */
  Remote: 'REMOTE_ERROR',
  /** No usable answer: the node is unreachable or did not answer JSON-RPC. */
  Transport: 'TRANSPORT_ERROR',
} as const;
export type RpcClientErrorCodeValue = CodeOf<typeof RpcClientErrorCode>;

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

export class RpcClient {
  private nextId = 1;
  constructor(readonly url: string) {}

  async request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const res = await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params });
    const r = res as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (r.error) throw new RpcClientError(r.error.code, r.error.message, r.error.data);
    return r.result as T;
  }

  /** Sends one HTTP request with many calls; results (or errors) come back in order. */
  async batch(
    calls: Array<{ method: string; params: unknown[] }>,
  ): Promise<Array<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>> {
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params }));
    const res = (await this.post(body)) as Array<{
      id: number;
      result?: unknown;
      error?: { code: number; message: string };
    }>;
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
        headers: { 'content-type': 'application/json' },
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
