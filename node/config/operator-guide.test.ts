/**
 * docs/operator-guide.md lists every node-config key with its default; this keeps that table
 * true to node/config/defaults.ts (a key added, removed or re-defaulted there fails here until
 * the guide says so too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../package/index.js';
import {
  ConsensusSection,
  LogSection,
  NODE_DEFAULTS,
  PeerPenaltySection,
  RpcSection,
  StorageSection,
  SupervisionSection,
  SyncSection,
  TxpoolSection,
} from './defaults.js';

const SECTIONS = {
  rpc: RpcSection,
  consensus: ConsensusSection,
  txpool: TxpoolSection,
  sync: SyncSection,
  peerPenalty: PeerPenaltySection,
  storage: StorageSection,
  log: LogSection,
  supervision: SupervisionSection,
};

/** Rows `| \`key\` | default | meaning |` of the table in the guide's "Node config" section. */
function guideRows(): Map<string, string> {
  const text = readFileSync(join(PACKAGE_ROOT, 'docs/operator-guide.md'), 'utf8');
  const start = text.indexOf('## Node config\n');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([a-zA-Z0-9.]+)` \| ([^|]+) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

/** How the guide writes a default: numbers with thousands separators, strings and arrays in code. */
function shown(value: unknown): string {
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (typeof value === 'string') return `\`${value}\``;
  return `\`${JSON.stringify(value)}\``;
}

describe('docs/operator-guide.md node-config table', () => {
  const rows = guideRows();

  it('lists every key of every section, and no key the schema lacks', () => {
    const keys = [
      ...Object.entries(SECTIONS).flatMap(([s, schema]) => Object.keys(schema.shape).map((k) => `${s}.${k}`)),
      'p2p.host',
    ];
    expect([...rows.keys()].sort()).toEqual(keys.sort());
  });

  it('gives each default as node/config/defaults.ts declares it', () => {
    for (const [section, values] of Object.entries(NODE_DEFAULTS))
      for (const [key, value] of Object.entries(values)) {
        const row = rows.get(`${section}.${key}`);
        expect(row?.startsWith(shown(value)), `${section}.${key}: guide says ${row}, default is ${shown(value)}`).toBe(
          true,
        );
      }
  });
});
