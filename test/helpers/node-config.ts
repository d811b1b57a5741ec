import { mergeNodeSettings, type NodeSettings } from '../../node/config/writer.js';

/**
 * Node settings for tests, as CometBFT's TestConfig(): fast rather than durable. No fsync
 * per block (a test never survives a power cut), one signature-recovery worker (test
 * files run in parallel on a small machine), and a short first view timeout so a PBFT
 * fault resolves within a test's patience. `over` is laid over these, section by section.
 */
export function testNodeConfig(over: NodeSettings = {}): NodeSettings {
  return mergeNodeSettings(
    {
      consensus: { viewTimeoutMs: 1500 },
      storage: { syncWrites: false },
      txpool: { verifyWorkers: 1 },
    },
    over,
  );
}
