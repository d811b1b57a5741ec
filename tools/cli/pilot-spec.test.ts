import { describe, expect, it } from 'vitest';
import { HardLimit } from '../../node/exec/system/pilot-state.js';
import { parsePilotSpec } from './pilot-spec.js';

const A = `0x${'11'.repeat(20)}`;
const B = `0x${'22'.repeat(20)}`;
const C = `0x${'33'.repeat(20)}`;

const base = {
  name: 'GBA supply-chain receivables',
  institutions: [A, B],
  contracts: [C],
  jurisdictions: ['CN-GD', 'HK'],
  period: { start: '2026-01-01', end: '2026-12-31T00:00:00+08:00' },
  limits: { perTxCap: '5000000', dailyCap: '20000000', hard: { perTxCap: true, dailyCap: false, participants: true } },
};
const parse = (v: unknown) => parsePilotSpec(JSON.stringify(v), 'spec.json');

describe('pilot spec files', () => {
  it('reads the documented shape: dates as UTC midnight or with their offset, caps as decimals, hard limits as bits', () => {
    const s = parse(base);
    expect(s.name).toBe(base.name);
    expect(s.institutions.map((a) => Buffer.from(a).toString('hex'))).toEqual(['11'.repeat(20), '22'.repeat(20)]);
    expect(s.contracts).toHaveLength(1);
    expect(s.startMs).toBe(Date.UTC(2026, 0, 1));
    expect(s.endMs).toBe(Date.UTC(2026, 11, 30, 16));
    expect(s.limits).toEqual({
      perTxCap: 5_000_000n,
      dailyCap: 20_000_000n,
      hard: HardLimit.PerTxCap | HardLimit.Participants,
    });
  });

  it("takes the scripts' form too: the period as [startMs, endMs], no contracts, no limits", () => {
    const { contracts: _c, limits: _l, ...rest } = base;
    const s = parse({ ...rest, period: [1_000, 2_000] });
    expect([s.startMs, s.endMs]).toEqual([1_000, 2_000]);
    expect(s.contracts).toEqual([]);
    expect(s.limits).toEqual({ perTxCap: 0n, dailyCap: 0n, hard: 0 });
  });

  it.each([
    [{ ...base, institutions: ['0x12'] }, 'spec.json: institutions.0: must be a 0x-prefixed 20-byte address'],
    [{ ...base, limits: { ...base.limits, perTxCap: 5 } }, 'spec.json: limits.perTxCap:'],
    [{ ...base, limits: { ...base.limits, dailyCap: '1.5' } }, 'spec.json: limits.dailyCap: must be a decimal string'],
    [{ ...base, period: { start: '1 Jan 2026', end: 5 } }, 'spec.json: period:'],
    [{ ...base, periodDays: 5 }, 'spec.json: (root): Unrecognized key: "periodDays"'],
    [{ ...base, name: undefined }, 'spec.json: name:'],
    [{ ...base, period: [2_000, 1_000] }, 'spec.json: period must be [startMs, endMs)'],
    [{ ...base, institutions: [] }, 'spec.json: institutions must list 1..64 addresses'],
    [{ ...base, jurisdictions: ['CN,GD'] }, "spec.json: jurisdictions: 'CN,GD' contains a comma"],
  ])('refuses a bad spec naming the file and the field (%#)', (spec, message) => {
    expect(() => parse(spec)).toThrow(message);
  });

  it('refuses text that is not JSON, naming the file', () => {
    expect(() => parsePilotSpec('{', 'spec.json')).toThrow(/^spec.json: not JSON/);
  });
});
