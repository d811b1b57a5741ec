import { describe, expect, it } from 'vitest';
import { PeerPenalties } from './penalties.js';

describe('PeerPenalties', () => {
  const opts = { maxBadMessages: 3, windowMs: 1_000, penaltyMs: 5_000 };

  it('penalises a peer at the limit within one window, for penaltyMs, and no other peer', () => {
    let now = 0;
    const p = new PeerPenalties(opts, () => now);
    expect(p.fault('a')).toEqual({ logLevel: 'warn', penalised: false });
    expect(p.fault('a')).toEqual({ logLevel: 'debug', penalised: false });
    expect(p.fault('a')).toEqual({ logLevel: 'debug', penalised: true });
    expect(p.isPenalised('a')).toBe(true);
    expect(p.isPenalised('b')).toBe(false);
    now = 4_999;
    expect(p.isPenalised('a')).toBe(true);
    now = 5_000;
    expect(p.isPenalised('a')).toBe(false);
  });

  it('forgives bad messages spread wider than the window, and warns again in each new window', () => {
    let now = 0;
    const p = new PeerPenalties(opts, () => now);
    for (let i = 0; i < 10; i++) {
      now += 600;
      const v = p.fault('a');
      if (i % 2 === 0) expect(v.logLevel).toBe('warn');
      expect(v.penalised).toBe(false);
    }
    expect(p.isPenalised('a')).toBe(false);
  });

  it('reports through the logger: one warning per window, then debug, and one line when penalised', () => {
    const lines: Array<[string, string]> = [];
    const at = (level: string) => (_: object, msg: string) => void lines.push([level, msg]);
    const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const p = new PeerPenalties(opts, () => 0);
    expect([1, 2, 3].map(() => p.report('a'.repeat(128), log, 'bad', {}))).toEqual([false, false, true]);
    expect(lines).toEqual([
      ['warn', 'bad'],
      ['debug', 'bad'],
      ['debug', 'bad'],
      ['warn', 'peer sent too many bad messages: ignoring its messages'],
    ]);
  });
});
