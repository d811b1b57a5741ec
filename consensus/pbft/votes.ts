import { hexKey } from '../../node/codec/hex.js';

export type AddResult = 'added' | 'duplicate' | 'equivocation';

/**
 * Verified votes of one kind (prepare or commit) at one height: at most one per
 * (view, signer). A second, different vote from a signer in one view is equivocation:
 * it is reported and never counted, so one validator can never count twice.
 */
export class VoteTally {
  private readonly byView = new Map<number, Map<number, { readonly key: string; readonly signature: Uint8Array }>>();

  add(view: number, signer: number, hash: Uint8Array, signature: Uint8Array): AddResult {
    let votes = this.byView.get(view);
    if (!votes) this.byView.set(view, (votes = new Map()));
    const key = hexKey(hash);
    const prior = votes.get(signer);
    if (prior) return prior.key === key ? 'duplicate' : 'equivocation';
    votes.set(signer, { key, signature });
    return 'added';
  }

  /** signer -> signature of the votes for `hash` in `view`. */
  votesFor(view: number, hash: Uint8Array): Map<number, Uint8Array> {
    const key = hexKey(hash);
    const out = new Map<number, Uint8Array>();
    for (const [signer, v] of this.byView.get(view) ?? []) if (v.key === key) out.set(signer, v.signature);
    return out;
  }

  views(): IterableIterator<number> {
    return this.byView.keys();
  }

  /** Forgets views below `view` (their votes can no longer matter). */
  pruneBelow(view: number): void {
    for (const v of [...this.byView.keys()]) if (v < view) this.byView.delete(v);
  }
}
