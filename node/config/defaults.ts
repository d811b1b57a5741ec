/**
 * Every default of a node config and a genesis file, in one place (as Lodestar's
 * `defaultOptions` and CometBFT's `DefaultXConfig()`). The schemas in node-config.ts and
 * genesis.ts take their defaults from here; tools and tests write only what differs, so a
 * key is added by giving it a default here, a bound in the schema, and a use.
 */

/** A node's own settings where the node config file leaves them out. */
export const NODE_DEFAULTS = {
  rpc: {
    host: '127.0.0.1',
    maxBodyBytes: 16 * 1024 * 1024,
    maxBatch: 2000,
  },
  p2p: {
    host: '127.0.0.1',
  },
  consensus: {
    engine: 'solo',
    /** Seal an empty block at least this often (ms). */
    emptyBlockIntervalMs: 1000,
    /** After the first pending transaction, wait this long for more before sealing. */
    minSealDelayMs: 5,
    /** PBFT: first view timeout (ms); it doubles on each further view change, capped. */
    viewTimeoutMs: 3000,
  },
  txpool: {
    maxTxBytes: 1_100_000,
    maxCount: 100_000,
    maxBytes: 256 * 1024 * 1024,
    maxPerSender: 20_000,
    // verifyWorkers has no fixed default: absent, it is the machine's cores - 1 (at least 1).
  },
  sync: {
    /** How often a node asks its peers for their heads (ms). */
    pollIntervalMs: 1000,
    /** Blocks per request (the serving peer also caps a request at its own batchSize). */
    batchSize: 64,
    /** How long a peer that served a bad block is ignored (ms). */
    penaltyMs: 60_000,
  },
  storage: {
    syncWrites: true,
    stateCacheEntries: 100_000,
  },
  log: {
    level: 'info',
  },
} as const;

/**
 * Genesis fields a genesis file may leave out. The genesis writer writes them out in
 * full, so a chain's genesis hash never depends on the defaults of the software that
 * reads its genesis file.
 */
export const GENESIS_DEFAULTS = {
  /** A transaction's blockLimit must be in (height, height + blockLimitWindow]. */
  blockLimitWindow: 1000,
} as const;
