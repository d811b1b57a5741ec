/**
 * Following an asset (decisions 9 and 11), in block order. Three subjects:
 * - an identified asset's id (AssetMoved / AssetSplit): every move of the id and of every id
 *   split from it, recursively, and each split itself, so a receivable is followed from its
 *   issue through every split and hop to whoever holds each live piece;
 * - a token id of a contract without those events (ERC-721 Transfer: its chain of owners);
 * - a holder account (ERC-20 Transfer: everything that left the holder, then everything that
 *   left each account it reached, from the moment it was reached), so a payment split into
 *   pieces and passed on is followed through every piece.
 */
import { ZERO_ADDRESS } from './facts.js';
import type { AssetEvent, AssetMove } from './store.js';

export interface Hop {
  /** `split`: `tokenId` (the child) split off `parent`, both held by `from` = `to`. */
  readonly kind: 'move' | 'split';
  readonly blockNumber: number;
  readonly txHash: string;
  readonly from: string;
  readonly to: string;
  /** Decimal base units (1 for an ERC-721 token). */
  readonly value: string;
  readonly tokenId: string | null;
  readonly parent: string | null;
}

export interface AssetTrace {
  readonly contract: string;
  readonly subject: { readonly account: string } | { readonly tokenId: string };
  /**
   * Who holds it now: each live id (not split, not settled) with its holder and amount, the
   * token's owner, or each reached account with a positive balance by the Transfer events.
   */
  readonly holders: ReadonlyArray<{ readonly account: string; readonly balance: string; readonly tokenId?: string }>;
  readonly hops: readonly Hop[];
}

export function traceMoves(
  contract: string,
  moves: readonly AssetMove[],
  subject: { account: string } | { tokenId: string },
): AssetTrace {
  const hop = (m: AssetMove): Hop => ({
    kind: 'move',
    blockNumber: m.blockNumber,
    txHash: m.txHash,
    from: m.from,
    to: m.to,
    value: m.value.toString(),
    tokenId: m.tokenId,
    parent: null,
  });
  if ('tokenId' in subject) {
    const own = moves.filter((m) => m.tokenId === subject.tokenId);
    const last = own.at(-1);
    return {
      contract,
      subject,
      holders: last ? [{ account: last.to, balance: '1' }] : [],
      hops: own.map(hop),
    };
  }
  const balances = new Map<string, bigint>();
  const reached = new Set([subject.account]);
  const hops: Hop[] = [];
  for (const m of moves) {
    if (m.tokenId !== null) continue;
    balances.set(m.from, (balances.get(m.from) ?? 0n) - m.value);
    balances.set(m.to, (balances.get(m.to) ?? 0n) + m.value);
    if (reached.has(m.from) && m.from !== m.to) {
      hops.push(hop(m));
      reached.add(m.to);
    }
  }
  const holders = [...reached]
    .filter((a) => (balances.get(a) ?? 0n) > 0n)
    .map((account) => ({ account, balance: balances.get(account)!.toString() }));
  return { contract, subject, holders, hops };
}

/** The trace of an identified asset from the events of its id and its descendants, in block order. */
export function traceIdentified(contract: string, tokenId: string, events: readonly AssetEvent[]): AssetTrace {
  const live = new Map<string, { account: string; balance: bigint } | null>();
  const hops = events.map((e): Hop => {
    const place = { blockNumber: e.blockNumber, txHash: e.txHash, value: e.amount.toString() };
    if (e.kind === 'move') {
      live.set(e.id, e.to === ZERO_ADDRESS ? null : { account: e.to, balance: e.amount });
      return { kind: 'move', ...place, from: e.from, to: e.to, tokenId: e.id, parent: null };
    }
    live.set(e.parent, null);
    live.set(e.child, { account: e.holder, balance: e.amount });
    return { kind: 'split', ...place, from: e.holder, to: e.holder, tokenId: e.child, parent: e.parent };
  });
  const holders = [...live].flatMap(([id, h]) =>
    h ? [{ account: h.account, balance: h.balance.toString(), tokenId: id }] : [],
  );
  return { contract, subject: { tokenId }, holders, hops };
}
