import { shortNodeId } from './identity.js';
import type { P2PLogger } from './types.js';

export interface PeerPenaltyOptions {
  /** Bad messages (undecodable, badly signed) from one peer within `windowMs` that get it ignored. */
  readonly maxBadMessages: number;
  readonly windowMs: number;
  /** How long a penalised peer's messages are dropped unread. */
  readonly penaltyMs: number;
}

/** What to do about one bad message. */
export interface FaultVerdict {
  /** warn for the first bad message of a peer in a window, debug for the rest: a flood is not a log flood. */
  readonly logLevel: 'warn' | 'debug';
  /** True when this message put the peer over the limit: it is ignored from now for penaltyMs. */
  readonly penalised: boolean;
}

interface PeerRecord {
  windowStart: number;
  bad: number;
  until: number;
}

/**
 * Bad input per peer, and which peers are being ignored for it. An honest peer sends no
 * badly signed or undecodable messages, but one bad message may be a bug or a race, so a
 * peer is ignored only after `maxBadMessages` in a window. Ignoring (dropping its messages
 * before decoding or verifying them) rather than disconnecting: admitted peers are redialled
 * at once, so a hang-up would cost more than it saves. Peers are the chain's admitted nodes,
 * so the records are few.
 */
export class PeerPenalties {
  private readonly peers = new Map<string, PeerRecord>();

  constructor(
    private readonly opts: PeerPenaltyOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a bad message from `peer`. */
  fault(peer: string): FaultVerdict {
    const now = this.now();
    let r = this.peers.get(peer);
    if (!r || now - r.windowStart >= this.opts.windowMs) {
      r = { windowStart: now, bad: 0, until: r?.until ?? 0 };
      this.peers.set(peer, r);
    }
    r.bad++;
    const penalised = r.bad >= this.opts.maxBadMessages && r.until <= now;
    if (penalised) r.until = now + this.opts.penaltyMs;
    return { logLevel: r.bad === 1 ? 'warn' : 'debug', penalised };
  }

  /**
   * Records a bad message from `peer` and logs it: at warn for the peer's first in a window,
   * at debug after that (a flood is not a log flood). True when the peer was penalised just now.
   */
  report(peer: string, log: P2PLogger, msg: string, ctx: Readonly<Record<string, unknown>>): boolean {
    const verdict = this.fault(peer);
    const from = shortNodeId(peer);
    log[verdict.logLevel]({ ...ctx, from }, msg);
    if (verdict.penalised)
      log.warn({ from, forMs: this.opts.penaltyMs }, 'peer sent too many bad messages: ignoring its messages');
    return verdict.penalised;
  }

  /** True while `peer` serves a penalty: drop its messages unread. */
  isPenalised(peer: string): boolean {
    const r = this.peers.get(peer);
    return r !== undefined && r.until > this.now();
  }
}
