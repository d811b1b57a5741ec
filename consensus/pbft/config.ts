/** View timers: base for view 0 of a height, doubling per view change at that height, capped. */
export interface PbftTimeouts {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Bounds on what a peer can make the core hold or do. */
export interface PbftLimits {
  /** Messages for heights current+1 .. current+futureHeights are buffered; further ones dropped. */
  readonly futureHeights: number;
  /** Buffered future messages per peer (`from`); more are dropped. */
  readonly perPeerBuffer: number;
  /** Bytes of buffered future messages per peer (proposals carry whole blocks); more are dropped. */
  readonly perPeerBufferBytes: number;
  /**
   * Votes and view changes for views beyond current+maxViewAhead are dropped: the defence
   * against view-change storms from absurd view numbers (a valid new-view proof for such
   * a view is still accepted, since a quorum signed it).
   */
  readonly maxViewAhead: number;
}

export const DEFAULT_TIMEOUTS: PbftTimeouts = { baseMs: 3_000, maxMs: 60_000 };
export const DEFAULT_LIMITS: PbftLimits = {
  futureHeights: 8,
  perPeerBuffer: 256,
  perPeerBufferBytes: 16 * 1024 * 1024,
  maxViewAhead: 64,
};

/**
 * Exponential back-off so that, when the network is slower than the base timeout,
 * some view eventually lasts long enough to finish; views restart at 0 on every new
 * height, so the back-off resets with progress.
 */
export function viewTimeoutMs(t: PbftTimeouts, view: number): number {
  return Math.min(t.maxMs, t.baseMs * 2 ** Math.min(view, 30));
}
