/**
 * The rules language of the regulator node (decision 9): a YAML (or JSON, which is YAML)
 * file `rules: [{id, kind, pilot?, severity, ...params}]`. Every rule is checked by a strict
 * zod schema of its kind, and every refusal names the line (and the field) it is about, so
 * an operator fixing a rule file never has to guess which of fifty rules is wrong.
 */
import { readFileSync } from 'node:fs';
import { isCollection, isMap, isScalar, LineCounter, type Node, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { SupervisionError, SupervisionErrorCode } from './errors.js';

export const RULE_KINDS = [
  'amount-above-cap',
  'daily-volume-above-cap',
  'participant-not-allowed',
  'outside-period',
  'suspended-pilot-activity',
  'unregistered-contract',
  'rapid-splitting',
  'undecryptable-record',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Most rules one file may hold: every rule runs on every committed block. */
export const MAX_RULES = 256;
const MAX_UINT256 = (1n << 256n) - 1n;

/** A cap: an amount (token base units, as the Transfer events carry them) or the pilot's own limit. */
export type Cap = bigint | 'pilot';

const capField = z
  .union([z.string(), z.number()], { error: 'cap must be a decimal string of base units or "pilot"' })
  .transform((v, ctx): Cap => {
    // A YAML number past 2^53 has already lost digits: amounts are strings.
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    } else if (v === 'pilot') return v;
    else if (/^[0-9]{1,78}$/.test(v) && BigInt(v) <= MAX_UINT256) return BigInt(v);
    ctx.addIssue({ code: 'custom', message: 'cap must be a decimal string of base units (uint256) or "pilot"' });
    return z.NEVER;
  });

const base = {
  id: z
    .string({ error: 'id must be a string' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'id must be 1..64 letters, digits, ".", "_" or "-"' }),
  pilot: z
    .union([z.literal('*'), z.number().int().min(1)], { error: 'pilot must be a pilot id (1, 2, …) or "*"' })
    .default('*'),
  severity: z.enum(SEVERITIES, { error: `severity must be one of ${SEVERITIES.join(', ')}` }),
};

const count = z.number({ error: 'count must be a whole number 2..1000' }).int().min(2).max(1000);
const windowBlocks = z.number({ error: 'windowBlocks must be a whole number 1..100000' }).int().min(1).max(100_000);
const withinPercent = z.number({ error: 'withinPercent must be a whole number 1..100' }).int().min(1).max(100);

function kindSchema<K extends RuleKind, P extends z.ZodRawShape>(kind: K, params: P) {
  return z.strictObject({ ...base, kind: z.literal(kind), ...params });
}

/** One strict schema per kind: a field that kind does not take is an error, not ignored. */
const KIND_SCHEMAS = {
  'amount-above-cap': kindSchema('amount-above-cap', { cap: capField }),
  'daily-volume-above-cap': kindSchema('daily-volume-above-cap', { cap: capField }),
  'participant-not-allowed': kindSchema('participant-not-allowed', {}),
  'outside-period': kindSchema('outside-period', {}),
  'suspended-pilot-activity': kindSchema('suspended-pilot-activity', {}),
  'unregistered-contract': kindSchema('unregistered-contract', {}),
  'rapid-splitting': kindSchema('rapid-splitting', { cap: capField, count, windowBlocks, withinPercent }),
  'undecryptable-record': kindSchema('undecryptable-record', {}),
} as const satisfies Record<RuleKind, z.ZodType>;

export type Rule = { [K in RuleKind]: z.output<(typeof KIND_SCHEMAS)[K]> }[RuleKind];
export type RuleOf<K extends RuleKind> = Extract<Rule, { kind: K }>;

const KindOnly = z.looseObject({
  kind: z.enum(RULE_KINDS, { error: `kind must be one of ${RULE_KINDS.join(', ')}` }),
});
const FileShape = z.strictObject({
  rules: z
    .array(z.unknown(), { error: 'rules must be a list' })
    .max(MAX_RULES, { error: `at most ${MAX_RULES} rules` }),
});

/**
 * The rules a regulator node runs when its config names no rule file: every soft limit the
 * chain lets through and every fact the chain cannot check itself gives an alert.
 */
export const DEFAULT_RULES: readonly Rule[] = Object.freeze(
  parseRules(
    `rules:
  - { id: amount-above-pilot-cap, kind: amount-above-cap, cap: pilot, severity: warning }
  - { id: daily-volume-above-pilot-cap, kind: daily-volume-above-cap, cap: pilot, severity: warning }
  - { id: participant-not-allowed, kind: participant-not-allowed, severity: critical }
  - { id: outside-period, kind: outside-period, severity: warning }
  - { id: suspended-pilot-activity, kind: suspended-pilot-activity, severity: warning }
  - { id: unregistered-contract, kind: unregistered-contract, severity: warning }
  - { id: undecryptable-record, kind: undecryptable-record, severity: critical }
`,
    '(default rules)',
  ),
);

export function loadRulesFile(path: string): Rule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SupervisionError(
      SupervisionErrorCode.RulesUnreadable,
      `rule file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file: path },
    );
  }
  return parseRules(text, path);
}

/** Parses a rule file's text; `source` names it in errors (`<source>:<line>:<column>: <field>: <problem>`). */
export function parseRules(text: string, source: string): Rule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const at = lines.linePos(e.pos[0]);
    throw invalid(source, at.line, at.col, '(file)', `not YAML or JSON: ${e.message.split('\n')[0]}`);
  }
  const where = (path: readonly PropertyKey[], key?: string) => locate(doc, lines, path, key);
  const fail = (path: readonly PropertyKey[], message: string, key?: string): never => {
    const { line, col } = where(path, key);
    const field = fieldName(key === undefined ? path : [...path, key]);
    throw invalid(source, line, col, field, message);
  };

  const file = FileShape.safeParse(doc.toJS() ?? {});
  if (!file.success) {
    const issues = file.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    if (issue.code === 'unrecognized_keys') fail(issue.path, `unknown field '${issue.keys[0]}'`, issue.keys[0]);
    fail(issue.path.length ? issue.path : ['rules'], issue.path.length ? issue.message : 'the file must hold `rules:`');
  }
  const rules: Rule[] = [];
  const ids = new Map<string, number>();
  file.data!.rules.forEach((raw, i) => {
    const path = ['rules', i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      fail(path, 'a rule must be a mapping {id, kind, pilot?, severity, …}');
    const kind = KindOnly.safeParse(raw);
    if (!kind.success) fail([...path, 'kind'], kind.error.issues[0].message);
    const r = KIND_SCHEMAS[kind.data!.kind].safeParse(raw);
    if (!r.success) {
      const issues = r.error.issues;
      const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
      if (issue.code === 'unrecognized_keys')
        fail([...path, ...issue.path], `unknown field '${issue.keys[0]}' for kind ${kind.data!.kind}`, issue.keys[0]);
      const field = issue.path[0];
      const missing = issue.path.length === 1 && (raw as Record<PropertyKey, unknown>)[field] === undefined;
      fail(
        [...path, ...issue.path],
        missing ? `${String(field)} is required for kind ${kind.data!.kind}` : issue.message,
      );
    }
    const rule = r.data as Rule;
    if (ids.has(rule.id)) fail([...path, 'id'], `id '${rule.id}' is also the id of rules[${ids.get(rule.id)}]`);
    ids.set(rule.id, i);
    rules.push(rule);
  });
  return rules;
}

function invalid(source: string, line: number, col: number, field: string, message: string): SupervisionError {
  return new SupervisionError(SupervisionErrorCode.RulesInvalid, `${source}:${line}:${col}: ${field}: ${message}`, {
    file: source,
    line,
    column: col,
    field,
  });
}

/** `rules[2].cap` for ['rules', 2, 'cap']. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(file)';
}

/**
 * The line and column of the node at `path` (of the key `key` inside it when given): the
 * deepest node of the path the document has, so a missing field points at its rule.
 */
function locate(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): { line: number; col: number } {
  let node: unknown = doc.contents;
  for (const p of path) {
    const next = isCollection(node) ? node.get(p, true) : undefined;
    if (next === undefined || next === null) break; // a missing field: its rule's position
    node = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && it.key.value === key);
    if (pair && isScalar(pair.key)) node = pair.key;
  }
  const range = (node as Node | null)?.range;
  return lines.linePos(range ? range[0] : 0);
}
