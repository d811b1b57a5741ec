import { shortNodeId, type NodeId } from './identity.js';
import type { P2PLogger } from './types.js';

export interface BackoffOptions {
  /** Delay after the first failed dial, and before redialling a peer that disconnected. */
  readonly initialDelayMs: number;
  /** Upper bound of the delay between two dials of one peer. */
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before the next dial after `failures` consecutive failures (≥ 1): doubles from
 * `initialDelayMs` up to `maxDelayMs`, with ±10 % jitter so nodes restarted together do
 * not dial each other in lockstep.
 */
export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(base * (0.9 + 0.2 * random()));
}

export interface ReconnectDeps {
  /** Dials the peer; resolves once a connection is open. */
  dial(nodeId: NodeId, signal: AbortSignal): Promise<void>;
  /** True while any connection to the peer is open, accepted or not yet. */
  hasConnection(nodeId: NodeId): boolean;
  isAllowed(nodeId: NodeId): boolean;
}

interface TargetState {
  readonly nodeId: NodeId;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  dialing: boolean;
}

/**
 * Keeps every configured peer connected: dials each admitted peer that has no
 * connection, retrying with exponential backoff.
 *
 * A dial that resolves is not yet a success: with noise the dialer finishes its
 * handshake before the listener decides whether to admit it, so a refused dial looks
 * like a connection that closes at once. Only `peerAccepted` (the peer took a stream)
 * resets the backoff; every loss of connection counts as one more failure, so a peer
 * that keeps refusing us is redialled ever more slowly while a peer that was up and
 * went away is redialled after `initialDelayMs`.
 */
export class Reconnector {
  private readonly targets = new Map<NodeId, TargetState>();
  private readonly abort = new AbortController();

  constructor(
    nodeIds: Iterable<NodeId>,
    private readonly deps: ReconnectDeps,
    private readonly opts: BackoffOptions,
    private readonly log: P2PLogger,
  ) {
    for (const nodeId of nodeIds) this.targets.set(nodeId, { nodeId, failures: 0, timer: undefined, dialing: false });
  }

  /** Dials every target that needs it now; call at start and when the allowed set changes. */
  dialAll(): void {
    for (const state of this.targets.values()) this.schedule(state, 0);
  }

  peerAccepted(nodeId: NodeId): void {
    const state = this.targets.get(nodeId);
    if (state !== undefined) state.failures = 0;
  }

  peerDisconnected(nodeId: NodeId): void {
    const state = this.targets.get(nodeId);
    if (state !== undefined) this.retryLater(state, 'connection lost');
  }

  stop(): void {
    this.abort.abort();
    for (const state of this.targets.values()) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  private schedule(state: TargetState, delayMs: number): void {
    if (this.abort.signal.aborted || state.timer !== undefined || state.dialing) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.attempt(state);
    }, delayMs);
  }

  private async attempt(state: TargetState): Promise<void> {
    const { nodeId } = state;
    if (this.abort.signal.aborted || !this.deps.isAllowed(nodeId) || this.deps.hasConnection(nodeId)) return;
    state.dialing = true;
    let error: unknown;
    try {
      await this.deps.dial(nodeId, this.abort.signal);
    } catch (err) {
      error = err;
    } finally {
      state.dialing = false;
    }
    if (this.abort.signal.aborted) return;
    // Also covers a connection that opened and closed while the dial was in flight,
    // whose disconnect could not schedule a retry then.
    if (error !== undefined || !this.deps.hasConnection(nodeId)) this.retryLater(state, 'dial failed', error);
  }

  private retryLater(state: TargetState, reason: string, err?: unknown): void {
    if (this.abort.signal.aborted || state.timer !== undefined || state.dialing) return;
    state.failures++;
    const retryInMs = backoffDelay(state.failures, this.opts);
    // The first failure in a row is worth an operator's attention; the retries are not.
    const level = state.failures === 1 ? 'info' : 'debug';
    this.log[level](
      {
        peer: shortNodeId(state.nodeId),
        failures: state.failures,
        retryInMs,
        err: (err as Error | undefined)?.message,
      },
      reason,
    );
    this.schedule(state, retryInMs);
  }
}
