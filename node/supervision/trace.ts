/**
 * Following an asset through its Transfer events (decision 9), in block order. Two subjects:
 * a token id (ERC-721: the chain of owners of that one token) or a holder account (ERC-20:
 * everything that left the holder, then everything that left each account it reached, from
 * the moment it was reached), so a payment split into pieces and passed on is followed
 * through every piece.
 */
import type { AssetMove } from './store.js';

export interface Hop {
  readonly blockNumber: number;
  readonly txHash: string;
  readonly from: string;
  readonly to: string;
  /** Decimal base units (1 for a token). */
  readonly value: string;
  readonly tokenId: string | null;
}

export interface AssetTrace {
  readonly contract: string;
  readonly subject: { readonly account: string } | { readonly tokenId: string };
  /** Who holds it now: the token's owner, or each reached account with a positive balance by the Transfer events. */
  readonly holders: ReadonlyArray<{ readonly account: string; readonly balance: string }>;
  readonly hops: readonly Hop[];
}

export function traceMoves(
  contract: string,
  moves: readonly AssetMove[],
  subject: { account: string } | { tokenId: string },
): AssetTrace {
  const hop = (m: AssetMove): Hop => ({
    blockNumber: m.blockNumber,
    txHash: m.txHash,
    from: m.from,
    to: m.to,
    value: m.value.toString(),
    tokenId: m.tokenId,
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
