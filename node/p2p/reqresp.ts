import type { Connection, Stream, StreamHandler } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';
import { P2PError } from './errors.js';
import { encodeFrame, isOversizedFrame, readOneFrame } from './framing.js';
import { shortNodeId, type NodeId } from './identity.js';
import type { P2PLogger, RequestHandler } from './types.js';

/**
 * Request/response over a fresh stream per request (as Lodestar does): the requester
 * writes one frame and closes its writable end; the server answers with one frame and
 * closes. The response frame starts with a status byte so a failing handler is reported
 * as such rather than as a broken stream.
 */
const STATUS_OK = 0;
const STATUS_ERROR = 1;
/** Error texts travel to the requester; keep them to a log line. */
const MAX_ERROR_MESSAGE_BYTES = 512;

export interface RequestCall {
  readonly peer: NodeId;
  readonly method: string;
  readonly protocol: string;
  readonly request: Uint8Array;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export async function sendRequest(conn: Connection, call: RequestCall): Promise<Uint8Array> {
  const what = `${call.method} request to ${shortNodeId(call.peer)}`;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), call.timeoutMs);
  let stream: Stream | undefined;
  try {
    stream = await conn.newStream(call.protocol, { signal: timeout.signal });
    const opened = stream;
    // Aborting the stream is what unblocks a pending read when the deadline passes.
    timeout.signal.addEventListener('abort', () => opened.abort(new Error('request timed out')), { once: true });
    // Its size was checked against the request limit before the stream was opened.
    stream.send(encodeFrame(call.request, call.request.byteLength));
    await stream.close({ signal: timeout.signal });
    const frame = await readOneFrame(stream, call.maxResponseBytes + 1);
    if (frame === undefined) throw new P2PError('STREAM_ERROR', `${what}: stream closed without a response`);
    return decodeResponse(frame, what);
  } catch (err) {
    if (timeout.signal.aborted)
      throw new P2PError('REQUEST_TIMEOUT', `${what} timed out after ${call.timeoutMs} ms`, { cause: err });
    if (err instanceof P2PError) throw err;
    stream?.abort(err as Error);
    if ((err as Error).name === 'UnsupportedProtocolError') {
      throw new P2PError('UNSUPPORTED_METHOD', `${what}: the peer does not serve ${call.protocol}`, { cause: err });
    }
    if (isOversizedFrame(err)) {
      throw new P2PError('RESPONSE_TOO_LARGE', `${what}: response exceeds ${call.maxResponseBytes} bytes`, {
        cause: err,
      });
    }
    throw new P2PError('STREAM_ERROR', `${what} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function decodeResponse(frame: Uint8Array, what: string): Uint8Array {
  const status = frame[0];
  if (status === STATUS_OK) return frame.subarray(1);
  if (status === STATUS_ERROR) {
    throw new P2PError('REMOTE_ERROR', `${what} failed on the peer: ${new TextDecoder().decode(frame.subarray(1))}`);
  }
  throw new P2PError('STREAM_ERROR', `${what}: malformed response (status byte ${String(status)})`);
}

export interface ServeInit {
  readonly method: string;
  readonly handler: RequestHandler;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly timeoutMs: number;
  /** The admitted node behind a connection, or undefined to refuse the stream. */
  authorize(conn: Connection): NodeId | undefined;
  readonly log: P2PLogger;
}

/** A libp2p stream handler serving one request method. */
export function requestStreamHandler(init: ServeInit): StreamHandler {
  const { method, log } = init;
  return async (stream, conn) => {
    const from = init.authorize(conn);
    if (from === undefined) {
      stream.abort(new Error('peer not admitted'));
      return;
    }
    const context = { method, peer: shortNodeId(from) };
    const timer = setTimeout(() => {
      log.warn(context, 'request not served in time, resetting stream');
      stream.abort(new Error('request timed out'));
    }, init.timeoutMs);
    try {
      const request = await readOneFrame(stream, init.maxRequestBytes);
      if (request === undefined) throw new Error('stream ended before the request');
      const response = await runHandler(init, from, request, context);
      stream.send(encodeFrame(response, init.maxResponseBytes + 1));
      await stream.close();
    } catch (err) {
      if (isOversizedFrame(err))
        log.warn({ ...context, maxBytes: init.maxRequestBytes }, 'oversized request, resetting stream');
      else log.debug({ ...context, err: (err as Error).message }, 'request stream failed');
      stream.abort(err as Error);
    } finally {
      clearTimeout(timer);
    }
  };
}

async function runHandler(
  init: ServeInit,
  from: NodeId,
  request: Uint8Array,
  context: object,
): Promise<Uint8ArrayList> {
  let payload: Uint8Array;
  try {
    payload = await init.handler(from, request);
  } catch (err) {
    init.log.debug({ ...context, err: (err as Error).message }, 'request handler failed');
    return errorResponse((err as Error).message ?? String(err));
  }
  if (payload.byteLength > init.maxResponseBytes) {
    init.log.warn(
      { ...context, bytes: payload.byteLength, maxBytes: init.maxResponseBytes },
      'response over the size limit, not sent',
    );
    return errorResponse(
      `response of ${payload.byteLength} bytes exceeds the server limit of ${init.maxResponseBytes}`,
    );
  }
  return new Uint8ArrayList(Uint8Array.of(STATUS_OK), payload);
}

function errorResponse(message: string): Uint8ArrayList {
  const text = new TextEncoder().encode(message).subarray(0, MAX_ERROR_MESSAGE_BYTES);
  return new Uint8ArrayList(Uint8Array.of(STATUS_ERROR), text);
}
