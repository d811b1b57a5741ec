import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { NODE_DEFAULTS } from './defaults.js';
import { ConfigError, formatZodError, NodeIdSchema, readJsonFile } from './genesis.js';

/**
 * One node's own settings (not shared with other nodes). Paths are relative to the
 * config file's folder.
 */
const D = NODE_DEFAULTS;

export const NodeConfigSchema = z
  .object({
    genesis: z.string().min(1),
    dataDir: z.string().min(1),
    nodeKey: z.string().min(1),
    rpc: z
      .object({
        host: z.string().default(D.rpc.host),
        port: z.number().int().min(0).max(65535),
        maxBodyBytes: z.number().int().min(1024).default(D.rpc.maxBodyBytes),
        maxBatch: z.number().int().min(1).default(D.rpc.maxBatch),
      })
      .strict(),
    p2p: z
      .object({
        host: z.string().default(D.p2p.host),
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
    // its schema, so each field takes its default from NODE_DEFAULTS and nowhere else.
    consensus: z
      .object({
        engine: z.enum(['solo', 'pbft']).default(D.consensus.engine),
        /** Seal an empty block at least this often (ms). */
        emptyBlockIntervalMs: z.number().int().min(100).default(D.consensus.emptyBlockIntervalMs),
        /** After the first pending transaction, wait this long for more before sealing. */
        minSealDelayMs: z.number().int().min(0).default(D.consensus.minSealDelayMs),
        /** PBFT: first view timeout (ms); it doubles on each further view change, capped. */
        viewTimeoutMs: z.number().int().min(200).max(600_000).default(D.consensus.viewTimeoutMs),
      })
      .strict()
      .prefault({}),
    txpool: z
      .object({
        maxCount: z.number().int().min(1).default(D.txpool.maxCount),
        maxBytes: z.number().int().min(1024).default(D.txpool.maxBytes),
        maxPerSender: z.number().int().min(1).default(D.txpool.maxPerSender),
        maxTxBytes: z.number().int().min(256).default(D.txpool.maxTxBytes),
        /** Threads recovering transaction signers; default: cores - 1 (at least 1). 0 = inline. */
        verifyWorkers: z.number().int().min(0).max(64).optional(),
      })
      .strict()
      .prefault({}),
    sync: z
      .object({
        pollIntervalMs: z.number().int().min(10).max(600_000).default(D.sync.pollIntervalMs),
        batchSize: z.number().int().min(1).max(1024).default(D.sync.batchSize),
        penaltyMs: z.number().int().min(0).default(D.sync.penaltyMs),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        syncWrites: z.boolean().default(D.storage.syncWrites),
        stateCacheEntries: z.number().int().min(0).default(D.storage.stateCacheEntries),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default(D.log.level),
        file: z.string().optional(),
      })
      .strict()
      .prefault({}),
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
    log: c.log.file ? { ...c.log, file: resolve(baseDir, c.log.file) } : c.log,
  };
}

export function loadNodeConfigFile(path: string): ResolvedNodeConfig {
  const abs = resolve(path);
  return parseNodeConfig(readJsonFile(abs), abs, dirname(abs));
}
