import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type GenesisConfig, type GenesisInput, parseGenesis } from './genesis.js';
import { type NodeConfigInput, parseNodeConfig, type ResolvedNodeConfig } from './node-config.js';

/**
 * The one writer of genesis.json and node.json: every tool and test that writes a config
 * file goes through here, and what is written is checked against the same schema the node
 * loads it with, so a written file always loads (and a bad one is refused, naming the file
 * and the field, before anything is on disk).
 */

/**
 * Writes a genesis file in full, defaults filled in and node ids in canonical form: the
 * genesis hash then depends on the file alone, never on the defaults of whichever
 * software version reads it later.
 */
export function writeGenesisFile(path: string, genesis: GenesisInput): GenesisConfig {
  const abs = resolve(path);
  const parsed = parseGenesis(genesis, abs);
  writeJson(abs, parsed);
  return parsed;
}

/**
 * Writes a node config as given: keys left out take the node's defaults when it loads
 * (a node's own settings may follow newer defaults, unlike genesis). Paths in it are
 * relative to the file's folder. Returns the config as the node will load it.
 */
export function writeNodeConfigFile(path: string, config: NodeConfigInput): ResolvedNodeConfig {
  const abs = resolve(path);
  const resolved = parseNodeConfig(config, abs, dirname(abs));
  writeJson(abs, config);
  return resolved;
}

type Section<K extends keyof NodeConfigInput> = Partial<NonNullable<NodeConfigInput[K]>>;

/**
 * A node's tunables that a tool or test may set on top of a layout it builds (where the
 * node's files and ports are is the layout's business, so those are not here).
 */
export interface NodeSettings {
  readonly rpc?: Omit<Section<'rpc'>, 'port'>;
  readonly consensus?: Omit<Section<'consensus'>, 'engine'>;
  readonly txpool?: Section<'txpool'>;
  readonly storage?: Section<'storage'>;
  readonly log?: Section<'log'>;
  /** A regulator node's supervision (keys, rules); absent on every other node. */
  readonly supervision?: Section<'supervision'>;
}

/** `base` with `settings` laid over it section by section (a later key wins). */
export function withNodeSettings(
  base: NodeConfigInput,
  ...settings: ReadonlyArray<NodeSettings | undefined>
): NodeConfigInput {
  return layerSections(base, settings) as NodeConfigInput;
}

/** Several settings laid over each other, section by section (a later key wins; undefined sets nothing). */
export function mergeNodeSettings(...settings: ReadonlyArray<NodeSettings | undefined>): NodeSettings {
  return layerSections({}, settings) as NodeSettings;
}

function layerSections(base: object, layers: ReadonlyArray<object | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      if (v === undefined) continue;
      const set = Object.entries(v as object).filter(([, x]) => x !== undefined);
      out[k] = { ...(out[k] as object | undefined), ...Object.fromEntries(set) };
    }
  }
  return out;
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}
