import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fromHex } from '../../node/codec/hex.js';
import { checkPilotSpec, HardLimit, type PilotSpec } from '../../node/exec/system/pilot-state.js';
import { CliError } from './output.js';

/**
 * The pilot spec file of `lingding gov propose register-pilot|update-pilot` (its shape is
 * written down in docs/governance.md): what getPilot answers about a pilot's spec, with the
 * period given as dates. Every error names the file and the field.
 */

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: 'must be a 0x-prefixed 20-byte address' });

/** A moment as an ISO 8601 date (UTC midnight) or date-time with its offset, or as milliseconds since 1970. */
const moment = z.union(
  [z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.iso.date(), z.iso.datetime({ offset: true })],
  { error: 'must be an ISO 8601 date (2026-01-01), a date-time with its offset (2026-01-01T08:00:00+08:00) or ms' },
);

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, { error: 'must be a decimal string such as "5000000"' });

export const PilotSpecFileSchema = z.strictObject({
  name: z.string(),
  institutions: z.array(address),
  contracts: z.array(address).default([]),
  jurisdictions: z.array(z.string()),
  /** `{ start, end }` or `[start, end]` (the scripts' form): the period [start, end) in block time. */
  period: z.union([z.strictObject({ start: moment, end: moment }), z.tuple([moment, moment])], {
    error: 'must be { "start": …, "end": … } or [start, end]',
  }),
  limits: z
    .strictObject({
      perTxCap: decimal.default('0'),
      dailyCap: decimal.default('0'),
      hard: z
        .strictObject({
          perTxCap: z.boolean().default(false),
          dailyCap: z.boolean().default(false),
          participants: z.boolean().default(false),
        })
        .default({ perTxCap: false, dailyCap: false, participants: false }),
    })
    .default({
      perTxCap: '0',
      dailyCap: '0',
      hard: { perTxCap: false, dailyCap: false, participants: false },
    }),
});
export type PilotSpecFile = z.input<typeof PilotSpecFileSchema>;

const msOf = (m: number | string): number => (typeof m === 'number' ? m : Date.parse(m));

/** The spec a pilot spec file's JSON text describes; throws a CliError naming `source` and the field. */
export function parsePilotSpec(text: string, source: string): PilotSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${source}: not JSON: ${(e as Error).message}`);
  }
  const r = PilotSpecFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CliError(`${source}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  }
  const f = r.data;
  const [start, end] = Array.isArray(f.period) ? f.period : [f.period.start, f.period.end];
  const spec: PilotSpec = {
    name: f.name,
    institutions: f.institutions.map((a) => fromHex(a)),
    contracts: f.contracts.map((a) => fromHex(a)),
    jurisdictions: f.jurisdictions,
    startMs: msOf(start),
    endMs: msOf(end),
    limits: {
      perTxCap: BigInt(f.limits.perTxCap),
      dailyCap: BigInt(f.limits.dailyCap),
      hard:
        (f.limits.hard.perTxCap ? HardLimit.PerTxCap : 0) |
        (f.limits.hard.dailyCap ? HardLimit.DailyCap : 0) |
        (f.limits.hard.participants ? HardLimit.Participants : 0),
    },
  };
  // The chain's own checks (its messages name the field), so a spec it would refuse never costs a proposal.
  try {
    checkPilotSpec(spec);
  } catch (e) {
    throw new CliError(`${source}: ${(e as Error).message}`);
  }
  return spec;
}

export function readPilotSpecFile(file: string): PilotSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read pilot spec ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePilotSpec(text, file);
}
