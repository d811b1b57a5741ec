/**
 * The regulator node's supervision (docs/design-decisions.md, Supervision 9-10): created by
 * the node from its config's `supervision` section.
 */
import type { Logger } from 'pino';
import type { Chain } from '../chain/chain.js';
import { readSupervisionKeyFile } from '../crypto/envelope.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { Alert } from './evaluate.js';
import { pilotSourceOf } from './pilot-source.js';
import { DEFAULT_RULES, loadRulesFile } from './rules.js';
import { SupervisionStore } from './store.js';
import { type SupervisionMetrics, Supervisor } from './supervisor.js';

export type { Alert } from './evaluate.js';
export { SupervisionError, SupervisionErrorCode } from './errors.js';
export { Supervisor } from './supervisor.js';

export interface SupervisionConfig {
  readonly keyFiles: readonly string[];
  readonly rulesFile?: string;
  readonly maxLagBlocks: number;
  readonly stallSlackMs: number;
  readonly maxTraceTransfers: number;
}

/**
 * Reads the keys and the rules (a bad file stops the node's start, naming the file and
 * line), and builds the Supervisor over the chain's `supervision` sublevel.
 */
export function createSupervisor(
  cfg: SupervisionConfig,
  emptyBlockIntervalMs: number,
  deps: {
    chain: Chain;
    suite: CryptoSuite;
    peerHead: () => number;
    logger: Logger;
    onAlert: (alert: Alert) => void;
    metrics?: SupervisionMetrics;
  },
): Supervisor {
  const keys = cfg.keyFiles.map(readSupervisionKeyFile);
  const rules = cfg.rulesFile ? loadRulesFile(cfg.rulesFile) : [...DEFAULT_RULES];
  return new Supervisor(
    {
      rules,
      keys,
      maxLagBlocks: cfg.maxLagBlocks,
      stallMs: emptyBlockIntervalMs + cfg.stallSlackMs,
      maxTraceTransfers: cfg.maxTraceTransfers,
    },
    {
      chain: deps.chain,
      suite: deps.suite,
      pilots: pilotSourceOf(() => deps.chain.committedState, keys),
      store: new SupervisionStore(deps.chain.derivedSublevel('supervision')),
      peerHead: deps.peerHead,
      logger: deps.logger,
      onAlert: deps.onAlert,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    },
  );
}
