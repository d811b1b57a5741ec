import { dirname, resolve } from 'node:path';
import { z } from 'zod';
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
    rpc: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .default(16 * 1024 * 1024),
        maxBatch: z.number().int().min(1).default(2000),
      })
      .strict(),
    p2p: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
        peers: z
          .array(
            z.object({ nodeId: NodeIdSchema, host: z.string(), port: z.number().int().min(1).max(65535) }).strict(),
          )
          .default([]),
      })
      .strict()
      .optional(),
    consensus: z
      .object({
        engine: z.enum(['solo', 'pbft']).default('solo'),
        /** Seal an empty block at least this often (ms). */
        emptyBlockIntervalMs: z.number().int().min(100).default(1000),
        /** After the first pending transaction, wait this long for more before sealing. */
        minSealDelayMs: z.number().int().min(0).default(5),
        /** PBFT: first view timeout (ms); it doubles on each further view change, capped. */
        viewTimeoutMs: z.number().int().min(200).max(600_000).default(3000),
      })
      .strict()
      .default({ engine: 'solo', emptyBlockIntervalMs: 1000, minSealDelayMs: 5, viewTimeoutMs: 3000 }),
    txpool: z
      .object({
        maxCount: z.number().int().min(1).optional(),
        maxBytes: z.number().int().min(1024).optional(),
        maxPerSender: z.number().int().min(1).optional(),
        maxTxBytes: z.number().int().min(256).optional(),
        /** Threads recovering transaction signers; default: cores - 1 (at least 1). 0 = inline. */
        verifyWorkers: z.number().int().min(0).max(64).optional(),
      })
      .strict()
      .default({}),
    storage: z
      .object({ syncWrites: z.boolean().default(true), stateCacheEntries: z.number().int().min(0).default(100_000) })
      .strict()
      .default({ syncWrites: true, stateCacheEntries: 100_000 }),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
        file: z.string().optional(),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;

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
