import { hexKey } from '../codec/hex.js';
import { TxType, type Transaction } from '../codec/tx.js';

/**
 * What replay protection keys on: the sender and the nonce together. Keyed by the nonce
 * alone, anyone who saw a pending transaction could take its nonce first and censor it.
 */
export function replayKey(sender: Uint8Array, nonce: Uint8Array): string {
  return replayKeyOfHex(hexKey(sender), hexKey(nonce));
}

/** replayKey from the hex keys (hexKey) of the sender and the nonce, where they are at hand already. */
export function replayKeyOfHex(senderHex: string, nonceHex: string): string {
  return `${senderHex}:${nonceHex}`;
}

/**
 * The replay keys of a block's native transactions (`senders` in block order). Ethereum
 * transactions have none: their sequential nonce in world state is their replay protection.
 */
export function nativeReplayKeys(txs: readonly Transaction[], senders: readonly Uint8Array[]): string[] {
  const keys: string[] = [];
  txs.forEach((t, i) => {
    if (t.type !== TxType.Ethereum) keys.push(replayKey(senders[i], t.nonce));
  });
  return keys;
}

/**
 * Replay keys (sender + nonce) of the transactions in the last `window` blocks. A transaction is only valid
 * while height < blockLimit <= its admission height + window, so a key older than the
 * window can never be replayed: only this window needs remembering (FISCO BCOS's rule).
 */
export class NonceWindow {
  private readonly byKey = new Map<string, number>();
  private readonly byHeight = new Map<number, string[]>();

  constructor(private readonly window: number) {}

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  add(height: number, keys: readonly string[]): void {
    for (const k of keys) this.byKey.set(k, height);
    this.byHeight.set(height, [...keys]);
    const expired = height - this.window;
    for (const [h, list] of this.byHeight) {
      if (h > expired) continue;
      for (const n of list) if (this.byKey.get(n) === h) this.byKey.delete(n);
      this.byHeight.delete(h);
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}
