import type { Chain } from '../../node/chain/chain.js';
import { SerialQueue } from '../../node/chain/serial-queue.js';
import { SignatureRecoveryPool } from '../../node/crypto/verify-pool.js';
import type { Logger } from '../../node/log/logger.js';
import type { P2PNetwork } from '../../node/p2p/index.js';
import { BlockSync, type BlockSyncOptions } from '../../node/sync/block-sync.js';
import { captureLogger } from './fakes.js';
import { chainPool } from './pools.js';

const HOUR = 3_600_000;

/**
 * A BlockSync over `chain` and `net`, wired as the node wires it (a pool over the chain,
 * inline signature recovery, its own serial queue), for the tests. By default it never polls
 * on its own (tests call its round or serve requests), never forgives a penalised peer, and
 * serves every request; `opts` overrides any of that.
 */
export function testBlockSync(
  chain: Chain,
  net: P2PNetwork,
  opts: Partial<BlockSyncOptions> & { logger?: Logger; onCommitted?: () => Promise<void> } = {},
): BlockSync {
  const { logger, onCommitted, ...overrides } = opts;
  return new BlockSync(
    { pollIntervalMs: HOUR, batchSize: 64, penaltyMs: HOUR, maxServedRequestsPerSecond: 1_000, ...overrides },
    {
      chain,
      pool: chainPool(chain),
      recovery: new SignatureRecoveryPool(chain.suite, { workers: 0 }),
      net,
      queue: new SerialQueue(),
      logger: logger ?? captureLogger().logger,
      onCommitted: onCommitted ?? (async () => {}),
    },
  );
}
