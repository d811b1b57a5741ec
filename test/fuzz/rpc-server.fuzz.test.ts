/**
 * Fuzzing the JSON-RPC server over real HTTP on one in-process node: random method names
 * (known and not), params of right and wrong types and arity, batches (empty, mixed,
 * notifications, past rpc.maxBatch), content types, bodies up to and just past
 * rpc.maxBodyBytes, invalid, truncated and non-UTF-8 bodies. Every request gets a
 * well-formed HTTP answer (where it is JSON, JSON-RPC error objects with integer codes and
 * never an internal error), the node stays responsive after each, and refused input changes
 * nothing: the solo node seals no empty blocks during the test (its interval is an hour), so
 * its head (hash, state root) and pool stay exactly as they were unless a transaction was
 * accepted. The same bodies go over WebSocket too, as text messages on one connection.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toHex } from '../../node/codec/hex.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { RpcErrorCode } from '../../node/rpc/errors.js';
import { RPC_SCHEMA } from '../../node/rpc/schema.js';
import { fuzzParams, mutated } from '../helpers/fuzz.js';
import { startTestNode, suite, type TestNode } from '../helpers/in-process.js';

const MAX_BODY = 8 * 1024;
const MAX_BATCH = 16;
/** A request that gets no answer in this long counts as a hang. */
const ANSWER_DEADLINE_MS = 30_000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({
    node: {
      rpc: { maxBodyBytes: MAX_BODY, maxBatch: MAX_BATCH },
      // No empty blocks while the test runs: any change of head or pool comes from a request.
      consensus: { emptyBlockIntervalMs: 3_600_000, minSealDelayMs: 0 },
    },
  });
});
afterAll(async () => t?.cleanup());

function post(body: Uint8Array, headers: Record<string, string>, method = 'POST'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(t.client.url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(ANSWER_DEADLINE_MS, () => req.destroy(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// --- generators ---

const knownMethod = fc.constantFrom(...Object.keys(RPC_SCHEMA));
const unknownMethod = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'eth_call', 'getblocknumber', ''),
);

const hexOf = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => toHex(b));
const oddHex = hexOf(0, 40).map((h) => `${h}a`);
const hexish = fc.oneof(
  hexOf(0, 40),
  hexOf(32, 32), // a hash
  hexOf(20, 20), // an address
  oddHex,
  hexOf(1, 40).map((h) => h.slice(2)), // no prefix
  hexOf(1, 40).map((h) => h.toUpperCase()),
  hexOf(20, 20).map((h) => `0x${h.slice(2, 41)}G`), // not hex
  fc.constant('0x'),
);
const number = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 53), 1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const longString = fc.nat(6000).map((n) => 'x'.repeat(n));
const scalar: fc.Arbitrary<Json> = fc.oneof(
  hexish,
  number,
  fc.constantFrom('latest', 'earliest', 'pending', '0x0', '0x1fffffffffffff', '-1', '1e3'),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 30 }),
  longString,
);
const { value: param } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.record({ to: tie('value'), data: tie('value'), from: tie('value') }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 }),
  ),
}));

/** Signed transactions of this chain: intact (accepted), or mutated (refused, or a new valid one). */
const signedTxHex = fc.integer({ min: 0, max: 2 ** 31 - 1 }).chain((seed) => {
  const valid = buildSignedTx(
    suite,
    {
      chainId: t.chain.chainId,
      height: 0,
      to: SystemAddress.KVStore,
      input: Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff),
    },
    t.chain.accounts[seed % t.chain.accounts.length].secretKey,
  ).raw;
  return fc.oneof({ weight: 1, arbitrary: fc.constant(valid) }, { weight: 4, arbitrary: mutated(fc.constant(valid)) });
});

const params: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.array(param, { maxLength: 4 }),
  fc.constant(undefined),
  scalar,
  fc.record({ a: param }),
);

/** A method with random params, or sendTransaction with a (mostly mutated) signed transaction. */
const methodAndParams: fc.Arbitrary<{ method: Json; params?: Json }> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ method: knownMethod, params }, { requiredKeys: ['method'] }) },
  { weight: 1, arbitrary: fc.record({ method: unknownMethod, params }, { requiredKeys: ['method'] }) },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constant('sendTransaction'),
      params: fc
        .tuple(
          signedTxHex.map((b) => toHex(b)),
          fc.oneof(fc.boolean(), fc.constant(null)),
        )
        .map((p) => [...p]),
    }),
  },
);

const call: fc.Arbitrary<Json> = fc
  .tuple(
    methodAndParams,
    fc.record(
      {
        jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: scalar }),
        id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant([1]), fc.constant(1.5)),
      },
      // Without an id a call is a notification: answered by nothing.
      { requiredKeys: ['jsonrpc'] },
    ),
  )
  .map(([m, r]) => JSON.parse(JSON.stringify({ ...r, ...m })) as Json);

const payload: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: call },
  { weight: 2, arbitrary: fc.array(call, { minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(call, scalar), { minLength: 0, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_BATCH - 1, max: MAX_BATCH + 3 }).map((n) => filledBatch(n)) },
  { weight: 1, arbitrary: scalar },
);

function filledBatch(n: number): Json {
  return Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'getBlockNumber' }));
}

const enc = new TextEncoder();
/** The body bytes: the JSON, or a broken form of it, or sizes around rpc.maxBodyBytes. */
const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: payload.map((p) => enc.encode(JSON.stringify(p))) },
  { weight: 2, arbitrary: mutated(payload.map((p) => enc.encode(JSON.stringify(p)))) },
  {
    weight: 1,
    arbitrary: payload
      .map((p) => enc.encode(JSON.stringify(p)))
      .chain((b) => fc.nat(b.length).map((n) => b.subarray(0, n))), // truncated
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) }, // noise, mostly not UTF-8
  {
    weight: 1,
    arbitrary: fc.integer({ min: MAX_BODY - 64, max: MAX_BODY + 512 }).map((n) => paddedCall(n)),
  },
);

/** A valid call padded with whitespace to exactly `n` bytes. */
function paddedCall(n: number): Uint8Array {
  const json = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockNumber' });
  return enc.encode(json + ' '.repeat(Math.max(0, n - json.length)));
}

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | undefined>(
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      undefined,
    ),
  },
);

// --- the properties checked on each answer ---

function isWellFormedResponse(r: unknown): boolean {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  if (o.jsonrpc !== '2.0' || !('id' in o)) return false;
  if (!['string', 'number'].includes(typeof o.id) && o.id !== null) return false;
  if ('error' in o === 'result' in o) return false;
  if ('error' in o) {
    const e = o.error as Record<string, unknown>;
    return typeof e === 'object' && e !== null && Number.isInteger(e.code) && typeof e.message === 'string';
  }
  return true;
}

function checkAnswer(a: HttpAnswer, sent: Uint8Array, type: string | undefined): unknown[] {
  const json = (type ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
  if (!json) expect(a.status).toBe(415);
  else if (sent.length > MAX_BODY) expect(a.status).toBe(413);
  else expect(a.status).toBe(200);
  expect(a.headers['content-type']).toBe('application/json');
  expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.body));
  if (a.body === '') {
    expect(a.status).toBe(200); // only a request of notifications goes unanswered
    return [];
  }
  const parsed: unknown = JSON.parse(a.body);
  const responses = Array.isArray(parsed) ? parsed : [parsed];
  expect(responses.length).toBeGreaterThan(0);
  for (const r of responses) {
    expect(isWellFormedResponse(r), a.body.slice(0, 300)).toBe(true);
    // Fuzzed input is the client's fault or a refusal: never an internal error.
    expect((r as { error?: { code: number } }).error?.code, a.body.slice(0, 300)).not.toBe(RpcErrorCode.Internal);
  }
  return responses;
}

interface Snapshot {
  head: string;
  stateRoot: string;
  pool: number;
}

const snapshot = (): Snapshot => ({
  head: toHex(t.node.chain.head.hash),
  stateRoot: toHex(t.node.chain.head.stateRoot),
  pool: t.node.pool.size,
});

/**
 * Whether the request may have had a transaction accepted: a sendTransaction answered with a
 * result, or sent as a notification (accepted or not, nothing says). Parsed as the server does.
 */
function mayHaveAcceptedTx(sent: Uint8Array, responses: unknown[]): boolean {
  if (
    responses.some((r) => typeof (r as { result?: { transactionHash?: unknown } }).result?.transactionHash === 'string')
  )
    return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(sent).toString('utf8'));
  } catch {
    return false;
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  return calls.some(
    (c) =>
      typeof c === 'object' && c !== null && (c as { method?: unknown }).method === 'sendTransaction' && !('id' in c),
  );
}

async function waitUntil(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + ANSWER_DEADLINE_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fuzz: JSON-RPC server over HTTP', () => {
  it('answers every request well-formed, stays responsive, and changes nothing on refused input', async () => {
    let before = snapshot();
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.oneof(
          { weight: 12, arbitrary: fc.constant('POST') },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT') },
        ),
        async (bytes, type, httpMethod) => {
          const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
          const answer = await post(bytes, headers, httpMethod);
          if (httpMethod !== 'POST') {
            // Another verb on / is refused the same way (405, or 415 never: the type is not checked).
            expect(answer.status).toBe(405);
            expect(isWellFormedResponse(JSON.parse(answer.body))).toBe(true);
          } else {
            const responses = checkAnswer(answer, bytes, type);
            if (answer.status === 200 && mayHaveAcceptedTx(bytes, responses)) {
              // An accepted transaction is sealed (minSealDelayMs 0): wait for it, then compare anew.
              await waitUntil('the pool to drain', () => t.node.pool.size === 0);
              before = snapshot();
            }
          }
          // Still responsive, and nothing changed.
          expect(await t.client.call('getBlockNumber')).toBe(t.node.chain.head.number);
          expect(snapshot()).toEqual(before);
        },
      ),
      fuzzParams(150),
    );
  });
});

/** A WebSocket that keeps every message it receives and how it closed. */
async function openWs(): Promise<{ ws: WebSocket; messages: string[]; closeCode: () => number | null }> {
  const ws = new WebSocket(t.client.url.replace(/^http/, 'ws'));
  const messages: string[] = [];
  let code: number | null = null;
  ws.on('message', (d: Buffer) => messages.push(d.toString('utf8')));
  ws.on('close', (c) => {
    code = c;
  });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, messages, closeCode: () => code };
}

describe('fuzz: JSON-RPC server over WebSocket', () => {
  it('answers every message well-formed or closes per the rule, and other connections are unaffected', async () => {
    const bystander = await openWs();
    let conn = await openWs();
    let sentinel = 0;
    await fc.assert(
      fc.asyncProperty(body, async (bytes) => {
        if (conn.closeCode() !== null) conn = await openWs();
        const from = conn.messages.length;
        // A text frame of the fuzzed bytes (not always UTF-8: then ws closes with 1007), then
        // a call whose answer says the body was dealt with, unless the body closed the connection.
        conn.ws.send(bytes, { binary: false });
        const id = `sentinel-${++sentinel}`;
        conn.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'getBlockNumber' }));
        await waitUntil(
          'the sentinel answer or a close',
          () => conn.closeCode() !== null || conn.messages.slice(from).some((m) => m.includes(`"${id}"`)),
        );
        if (conn.closeCode() !== null) {
          // Too large (1009) or not UTF-8 (1007): nothing else closes a connection.
          expect([1007, 1009]).toContain(conn.closeCode());
          if (conn.closeCode() === 1009) expect(bytes.length).toBeGreaterThan(MAX_BODY);
        }
        for (const m of conn.messages.slice(from)) {
          const parsed: unknown = JSON.parse(m);
          for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
            expect(isWellFormedResponse(r), m.slice(0, 300)).toBe(true);
            expect((r as { error?: { code: number } }).error?.code, m.slice(0, 300)).not.toBe(RpcErrorCode.Internal);
          }
        }
      }),
      fuzzParams(150),
    );
    bystander.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'still-there', method: 'getBlockNumber' }));
    await waitUntil('the bystander answer', () => bystander.messages.some((m) => m.includes('still-there')));
    expect(bystander.closeCode()).toBeNull();
    conn.ws.terminate();
    bystander.ws.terminate();
  });
});
