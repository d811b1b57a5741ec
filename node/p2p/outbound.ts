import type { Stream } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';
import type { P2PLogger } from './types.js';

export interface OutboundStreamInit {
  /** Negotiates the libp2p stream; called once, right away. */
  open(): Promise<Stream>;
  /** Cap on bytes waiting to go out (ours plus the muxer's write buffer). */
  readonly maxQueuedBytes: number;
  /** Called once the remote has accepted the stream. */
  onOpened?(): void;
  /** Called once when the stream can no longer carry messages (or never could). */
  onClose(): void;
  readonly log: P2PLogger;
  /** Identifies the peer and protocol in log lines. */
  readonly logContext: object;
}

/**
 * One long-lived stream carrying one-way messages to one peer on one protocol.
 *
 * Why not a stream per message: negotiating a stream costs a round trip and consensus
 * sends thousands of small messages a second. A single stream also keeps messages to a
 * peer in the order they were sent.
 *
 * Messages are queued while the stream is negotiated, and everything pushed during one
 * event-loop turn (e.g. the votes triggered by a batch of received messages) is flushed
 * in one write at the end of the turn, so a burst of small messages costs one muxer
 * frame, one encryption and one syscall instead of one each.
 *
 * `push` never blocks: behind a slow peer the queue is capped and further messages are
 * dropped (and logged). Consensus must survive lost messages anyway, since a peer can
 * disconnect at any moment; blocking the caller would stall the whole node on one peer.
 */
export class OutboundStream {
  private stream: Stream | undefined;
  private pending = new Uint8ArrayList();
  private flushScheduled = false;
  private closed = false;
  private dropped = 0;

  constructor(private readonly init: OutboundStreamInit) {
    void this.connect();
  }

  /** Queues one framed message; returns false if it was dropped. */
  push(frame: Uint8ArrayList): boolean {
    if (this.closed) return false;
    const queued = this.pending.byteLength + (this.stream?.writeBufferLength ?? 0);
    if (queued + frame.byteLength > this.init.maxQueuedBytes) {
      if (this.dropped++ === 0) {
        this.init.log.warn(
          { ...this.init.logContext, queuedBytes: queued },
          'peer is not keeping up, dropping messages',
        );
      }
      return false;
    }
    if (this.dropped > 0) {
      this.init.log.info({ ...this.init.logContext, dropped: this.dropped }, 'peer caught up after dropped messages');
      this.dropped = 0;
    }
    this.pending.append(frame);
    this.scheduleFlush();
    return true;
  }

  /** Flushes what is queued and closes our end (network stopping, peer gone, stream replaced). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const stream = this.stream;
    if (stream !== undefined) stream.close().catch((err: unknown) => stream.abort(err as Error));
  }

  private async connect(): Promise<void> {
    let stream: Stream;
    try {
      stream = await this.init.open();
    } catch (err) {
      // Routine when the connection is closing or the remote refused it; the network
      // layer decides what that means for the peer.
      this.fail('could not open stream', err, 'debug');
      return;
    }
    if (this.closed) {
      stream.abort(new Error('network stopped'));
      return;
    }
    // A stream closed without error is routine (the peer disconnected); a reset is not.
    stream.addEventListener(
      'close',
      (evt) => this.fail('stream closed', evt.error, evt.error === undefined ? 'debug' : 'warn'),
      {
        once: true,
      },
    );
    this.stream = stream;
    this.init.onOpened?.();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.stream === undefined || this.pending.byteLength === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.stream === undefined || this.pending.byteLength === 0) return;
    // One contiguous buffer: the layers below (yamux, noise, the socket) otherwise emit
    // a frame, an encryption and a syscall per small message.
    const batch = this.pending.subarray();
    this.pending = new Uint8ArrayList();
    try {
      this.stream.send(batch);
    } catch (err) {
      this.fail('write failed', err, 'warn');
    }
  }

  private fail(reason: string, err: unknown, level: 'debug' | 'warn'): void {
    if (this.closed) return;
    this.closed = true;
    const lostBytes = this.pending.byteLength;
    this.pending = new Uint8ArrayList();
    this.init.log[level]({ ...this.init.logContext, lostBytes, err: (err as Error | undefined)?.message }, reason);
    this.init.onClose();
  }
}
