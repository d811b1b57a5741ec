import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SupervisionErrorCode } from './errors.js';
import { DEFAULT_RULES, loadRulesFile, parseRules, RULE_KINDS } from './rules.js';

const yaml = (s: string) => s.replace(/^\n/, '');

function refusal(text: string): { message: string; code: string; details: Record<string, unknown> } {
  try {
    parseRules(text, 'rules.yaml');
  } catch (e) {
    return e as never;
  }
  throw new Error('parsed');
}

describe('rules language', () => {
  it('parses every kind with its parameters, pilot defaulting to "*"', () => {
    const rules = parseRules(
      yaml(`
rules:
  - { id: r1, kind: amount-above-cap, cap: "1000000000000000000000", severity: warning }
  - { id: r2, kind: amount-above-cap, cap: pilot, pilot: 3, severity: critical }
  - { id: r3, kind: daily-volume-above-cap, cap: pilot, severity: info }
  - { id: r4, kind: participant-not-allowed, severity: critical }
  - { id: r5, kind: outside-period, severity: warning }
  - { id: r6, kind: suspended-pilot-activity, severity: warning }
  - { id: r7, kind: unregistered-contract, severity: warning }
  - { id: r8, kind: rapid-splitting, cap: "100", count: 3, windowBlocks: 20, withinPercent: 10, severity: warning }
  - { id: r9, kind: undecryptable-record, severity: critical }
`),
      'rules.yaml',
    );
    expect(rules.map((r) => r.kind)).toEqual(RULE_KINDS.slice(0, 1).concat(RULE_KINDS));
    expect(rules[0]).toEqual({ id: 'r1', kind: 'amount-above-cap', cap: 10n ** 21n, pilot: '*', severity: 'warning' });
    expect(rules[1]).toMatchObject({ cap: 'pilot', pilot: 3 });
    expect(rules[7]).toMatchObject({ cap: 100n, count: 3, windowBlocks: 20, withinPercent: 10 });
  });

  it('reads JSON, which is YAML', () => {
    const rules = parseRules(
      '{"rules": [{"id": "a", "kind": "outside-period", "severity": "info", "pilot": 1}]}',
      'r.json',
    );
    expect(rules).toEqual([{ id: 'a', kind: 'outside-period', severity: 'info', pilot: 1 }]);
  });

  it('has default rules covering every kind but rapid splitting (which needs figures)', () => {
    expect(new Set(DEFAULT_RULES.map((r) => r.kind))).toEqual(
      new Set(RULE_KINDS.filter((k) => k !== 'rapid-splitting')),
    );
  });

  it.each([
    [
      'an unknown field, at its key',
      'rules:\n  - id: a\n    kind: amount-above-cap\n    severity: info\n    cap: "1"\n    limit: 2\n',
      "rules.yaml:6:5: rules[0].limit: unknown field 'limit' for kind amount-above-cap",
    ],
    [
      'a parameter of another kind',
      'rules:\n  - id: a\n    kind: outside-period\n    severity: info\n    cap: "1"\n',
      "rules.yaml:5:5: rules[0].cap: unknown field 'cap' for kind outside-period",
    ],
    [
      'an unknown kind',
      'rules:\n  - id: a\n    kind: amount-above\n    severity: info\n',
      'rules.yaml:3:11: rules[0].kind: kind must be one of',
    ],
    ['a missing kind', 'rules:\n  - id: a\n    severity: info\n', 'rules.yaml:2:5: rules[0].kind: kind must be one of'],
    [
      'a missing parameter, at its rule',
      'rules:\n  - id: a\n    kind: outside-period\n    severity: info\n  - id: b\n    kind: rapid-splitting\n    severity: info\n    cap: pilot\n    count: 3\n    withinPercent: 5\n',
      'rules.yaml:5:5: rules[1].windowBlocks: windowBlocks is required for kind rapid-splitting',
    ],
    [
      'a bad severity',
      'rules:\n  - {id: a, kind: outside-period, severity: loud}\n',
      'rules.yaml:2:45: rules[0].severity: severity must be one of info, warning, critical',
    ],
    [
      'a bad cap',
      'rules:\n  - {id: a, kind: amount-above-cap, severity: info, cap: "1e9"}\n',
      'rules.yaml:2:58: rules[0].cap: cap must be a decimal string',
    ],
    [
      'a cap past uint256',
      `rules:\n  - {id: a, kind: amount-above-cap, severity: info, cap: "${2n ** 256n}"}\n`,
      'rules[0].cap: cap must be a decimal string',
    ],
    [
      'a bad pilot',
      'rules:\n  - {id: a, kind: outside-period, severity: info, pilot: all}\n',
      'rules.yaml:2:58: rules[0].pilot: pilot must be a pilot id',
    ],
    [
      'a percent past 100',
      'rules:\n  - {id: a, kind: rapid-splitting, severity: info, cap: pilot, count: 2, windowBlocks: 5, withinPercent: 150}\n',
      'rules[0].withinPercent: withinPercent must be a whole number 1..100',
    ],
    [
      'a duplicate id',
      'rules:\n  - {id: a, kind: outside-period, severity: info}\n  - {id: a, kind: outside-period, severity: info}\n',
      "rules.yaml:3:10: rules[1].id: id 'a' is also the id of rules[0]",
    ],
    ['an unknown top-level field', 'rules: []\nversion: 2\n', "rules.yaml:2:1: version: unknown field 'version'"],
    ['no rules list', 'rules: 3\n', 'rules.yaml:1:8: rules: rules must be a list'],
    [
      'a rule that is not a mapping',
      'rules:\n  - outside-period\n',
      'rules.yaml:2:5: rules[0]: a rule must be a mapping',
    ],
    ['text that is not YAML', 'rules: [\n  {id: a\n', 'rules.yaml:'],
  ])('refuses %s, naming the line and the field', (_name, text, message) => {
    const e = refusal(text);
    expect(e.code).toBe(SupervisionErrorCode.RulesInvalid);
    expect(e.message.startsWith(message) || e.message.includes(message)).toBe(true);
    expect(e.details.line).toBeTypeOf('number');
  });

  it('names the file it could not read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    expect(() => loadRulesFile(join(dir, 'none.yaml'))).toThrow(/none\.yaml: ENOENT/);
    writeFileSync(join(dir, 'r.yaml'), 'rules:\n  - {id: a, kind: nope, severity: info}\n');
    expect(() => loadRulesFile(join(dir, 'r.yaml'))).toThrow(`${join(dir, 'r.yaml')}:2:`);
  });
});
