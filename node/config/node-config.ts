import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import {
  ConsensusSection,
  LogSection,
  P2pHost,
  PeerPenaltySection,
  RpcSection,
  StorageSection,
  SupervisionSection,
  SyncSection,
  TxpoolSection,
} from './defaults.js';
import { ConfigError, formatZodError, NodeIdSchema, readJsonFile } from './genesis.js';

/**
 * One node's own settings (not shared with other nodes). Paths are relative to the
 * config file's folder.
 */
export const NodeConfigSchema = z
  .object({
    genesis: z.string().min(1),
    dataDir: z.string().min(1),
    nodeKey: z.string().min(1),
    rpc: RpcSection.strict(),
    p2p: z
      .object({
        host: P2pHost,
        port: z.number().int().min(0).max(65535),
        peers: z
          .array(
            z.object({ nodeId: NodeIdSchema, host: z.string(), port: z.number().int().min(1).max(65535) }).strict(),
          )
          .default([]),
      })
      .strict()
      .optional(),
    // Sections the file may leave out entirely: `prefault` runs the absent section through
    // its schema, so each field takes its default from node/config/defaults.ts and nowhere else.
    consensus: ConsensusSection.strict().prefault({}),
    txpool: TxpoolSection.strict().prefault({}),
    sync: SyncSection.strict().prefault({}),
    peerPenalty: PeerPenaltySection.strict().prefault({}),
    storage: StorageSection.strict().prefault({}),
    log: LogSection.strict().prefault({}),
    // Only a regulator node has it (decision 9).
    supervision: SupervisionSection.strict().optional(),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;
/** A node config as a file spells it: every key that has a default may be left out. */
export type NodeConfigInput = z.input<typeof NodeConfigSchema>;

export interface ResolvedNodeConfig extends NodeConfig {
  /** The config file's folder; relative paths above are resolved against it. */
  readonly baseDir: string;
}

export function parseNodeConfig(json: unknown, source: string, baseDir: string): ResolvedNodeConfig {
  const r = NodeConfigSchema.safeParse(json);
  if (!r.success) throw new ConfigError(`${source}: ${formatZodError(r.error)}`);
  const c = r.data;
  return {
    ...c,
    baseDir,
    genesis: resolve(baseDir, c.genesis),
    dataDir: resolve(baseDir, c.dataDir),
    nodeKey: resolve(baseDir, c.nodeKey),
    rpc: c.rpc.authTokenFile ? { ...c.rpc, authTokenFile: resolve(baseDir, c.rpc.authTokenFile) } : c.rpc,
    log: c.log.file ? { ...c.log, file: resolve(baseDir, c.log.file) } : c.log,
    supervision: c.supervision && {
      ...c.supervision,
      keyFiles: c.supervision.keyFiles.map((f) => resolve(baseDir, f)),
      rulesFile: c.supervision.rulesFile && resolve(baseDir, c.supervision.rulesFile),
    },
  };
}

export function loadNodeConfigFile(path: string): ResolvedNodeConfig {
  const abs = resolve(path);
  return parseNodeConfig(readJsonFile(abs), abs, dirname(abs));
}
