import type { PbftMessage } from './messages.js';

interface Entry {
  readonly seq: number;
  readonly from: string;
  readonly msg: PbftMessage;
}

/**
 * Messages for heights this node has not reached yet, replayed in arrival order when it
 * gets there. Bounded twice: by height window (enforced by the caller) and per peer, so
 * a flooding peer only ever crowds out its own messages. Signatures are checked on
 * replay, once the validator set of that height is known.
 */
export class FutureBuffer {
  private readonly perPeer = new Map<string, Entry[]>();
  private seq = 0;

  constructor(private readonly perPeerCap: number) {}

  /** False when `from` already has perPeerCap messages buffered. */
  add(from: string, msg: PbftMessage): boolean {
    let list = this.perPeer.get(from);
    if (!list) this.perPeer.set(from, (list = []));
    if (list.length >= this.perPeerCap) return false;
    list.push({ seq: this.seq++, from, msg });
    return true;
  }

  /** Removes and returns the messages for `height` (in arrival order), dropping older ones. */
  take(height: number): Array<{ from: string; msg: PbftMessage }> {
    const out: Entry[] = [];
    for (const [peer, list] of this.perPeer) {
      const keep = list.filter((e) => e.msg.height > height);
      for (const e of list) if (e.msg.height === height) out.push(e);
      if (keep.length === 0) this.perPeer.delete(peer);
      else this.perPeer.set(peer, keep);
    }
    return out.sort((a, b) => a.seq - b.seq).map(({ from, msg }) => ({ from, msg }));
  }

  get size(): number {
    let n = 0;
    for (const list of this.perPeer.values()) n += list.length;
    return n;
  }
}
