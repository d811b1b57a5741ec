import * as lp from 'it-length-prefixed';
import type { Stream } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';

/**
 * Wire framing shared by every protocol: an unsigned-varint length prefix followed by
 * the payload (it-length-prefixed, the libp2p convention). Writers pass their limit too. Readers are given a maximum
 * payload size and fail on the length prefix alone, so an oversized frame is never
 * buffered.
 */
export function encodeFrame(payload: Uint8Array | Uint8ArrayList, maxBytes: number): Uint8ArrayList {
  // The caller's limit, not it-length-prefixed's default (4 MiB), which would refuse to
  // send a proposal or a sync response the limits allow.
  return lp.encode.single(payload, { maxDataLength: maxBytes });
}

/**
 * Reads frames until the remote closes its writable end, handing each payload (a copy
 * the callee owns) to `onFrame` in arrival order. Rejects with the decoder's error on
 * an oversized or malformed frame; see `isOversizedFrame`.
 */
export async function readFrames(
  stream: Stream,
  maxBytes: number,
  onFrame: (payload: Uint8Array) => void,
): Promise<void> {
  for await (const frame of lp.decode(stream, { maxDataLength: maxBytes })) onFrame(frame.slice());
}

/** Reads exactly one frame; resolves undefined if the stream ends before one arrives. */
export async function readOneFrame(stream: Stream, maxBytes: number): Promise<Uint8Array | undefined> {
  const frames = lp.decode(stream, { maxDataLength: maxBytes });
  try {
    const next = await frames.next();
    return next.done === true ? undefined : next.value.slice();
  } finally {
    await frames.return(undefined);
  }
}

/** True for the decoder errors raised by a length prefix above the limit. */
export function isOversizedFrame(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError';
}
