import { MsgType, type PbftMessage } from './messages.js';

interface Entry {
  readonly seq: number;
  readonly from: string;
  readonly msg: PbftMessage;
  readonly bytes: number;
}

/**
 * What a message costs to hold, roughly its encoded size: the payloads it carries (a
 * pre-prepare carries a whole block, a view change the block it prepared, a new-view proof
 * every view change) plus a fixed allowance for signatures and fields.
 */
export function messageBytes(m: PbftMessage): number {
  const FIXED = 256;
  switch (m.type) {
    case MsgType.PrePrepare:
      return FIXED + m.payload.length + m.viewChanges.reduce((s, vc) => s + messageBytes(vc), 0);
    case MsgType.ViewChange:
      return FIXED + (m.payload?.length ?? 0) + 128 * (m.prepared?.signatures.length ?? 0);
    case MsgType.Decision:
      return FIXED + m.payload.length + 128 * m.certificate.signatures.length;
    default:
      return FIXED;
  }
}

/**
 * Messages for heights this node has not reached yet, replayed in arrival order when it
 * gets there. Bounded by height window (enforced by the caller, which also checks each
 * signature against the current validator set before buffering) and per peer, in count
 * and in bytes, so a flooding peer only ever crowds out its own messages. Signatures are
 * checked again on replay, against the validator set of that height.
 */
export class FutureBuffer {
  private readonly perPeer = new Map<string, Entry[]>();
  private readonly bytesOf = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly perPeerCap: number,
    private readonly perPeerBytesCap: number = Number.POSITIVE_INFINITY,
  ) {}

  /** False when `from` already has perPeerCap messages, or the message would pass its byte budget. */
  add(from: string, msg: PbftMessage): boolean {
    let list = this.perPeer.get(from);
    if (!list) this.perPeer.set(from, (list = []));
    const bytes = messageBytes(msg);
    const held = this.bytesOf.get(from) ?? 0;
    if (list.length >= this.perPeerCap || held + bytes > this.perPeerBytesCap) {
      if (list.length === 0) this.perPeer.delete(from);
      return false;
    }
    list.push({ seq: this.seq++, from, msg, bytes });
    this.bytesOf.set(from, held + bytes);
    return true;
  }

  /** Bytes held for `from`. */
  bytesHeld(from: string): number {
    return this.bytesOf.get(from) ?? 0;
  }

  /** Removes and returns the messages for `height` (in arrival order), dropping older ones. */
  take(height: number): Array<{ from: string; msg: PbftMessage }> {
    const out: Entry[] = [];
    for (const [peer, list] of this.perPeer) {
      const keep = list.filter((e) => e.msg.height > height);
      for (const e of list) if (e.msg.height === height) out.push(e);
      if (keep.length === 0) {
        this.perPeer.delete(peer);
        this.bytesOf.delete(peer);
      } else {
        this.perPeer.set(peer, keep);
        this.bytesOf.set(
          peer,
          keep.reduce((s, e) => s + e.bytes, 0),
        );
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map(({ from, msg }) => ({ from, msg }));
  }

  get size(): number {
    let n = 0;
    for (const list of this.perPeer.values()) n += list.length;
    return n;
  }
}
