/**
 * Nonces of the transactions in the last `window` blocks. A transaction is only valid
 * while height < blockLimit <= its admission height + window, so a nonce older than the
 * window can never be replayed: only this window needs remembering (FISCO BCOS's rule).
 */
export class NonceWindow {
  private readonly byNonce = new Map<string, number>();
  private readonly byHeight = new Map<number, string[]>();

  constructor(private readonly window: number) {}

  has(nonceHex: string): boolean {
    return this.byNonce.has(nonceHex);
  }

  add(height: number, nonces: readonly string[]): void {
    for (const n of nonces) this.byNonce.set(n, height);
    this.byHeight.set(height, [...nonces]);
    const expired = height - this.window;
    for (const [h, list] of this.byHeight) {
      if (h > expired) continue;
      for (const n of list) if (this.byNonce.get(n) === h) this.byNonce.delete(n);
      this.byHeight.delete(h);
    }
  }

  get size(): number {
    return this.byNonce.size;
  }
}
