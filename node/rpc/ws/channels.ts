import type { ExecutedBlock } from '../../chain/chain.js';
import { toHex } from '../../codec/hex.js';
import type { Alert } from '../../supervision/evaluate.js';
import type { PoolEntry } from '../../txpool/pool.js';
import type { EthLogView, EthViews } from './eth-views.js';
import type { SubscriptionHub } from './hub.js';
import { selectorMatches } from '../eth/filters.js';

/** The node events subscriptions are fed by; the node calls these, they return at once. */
export interface NodeEvents {
  blockCommitted(executed: ExecutedBlock): void;
  transactionAdmitted(entry: PoolEntry): void;
  /** A regulator node's supervision stored an alert. */
  alertRaised(alert: Alert): void;
}

/** An `eth_subscribe('logs', …)` filter: addresses and topics as lowercase 0x-hex. */
export interface LogFilter {
  /** Any of these addresses; empty: any address. */
  readonly addresses: readonly string[];
  /** Per position: any of these topics; null or empty: any topic there. */
  readonly topics: ReadonlyArray<readonly string[] | null>;
}

/**
 * The channels of a node: Ethereum's newHeads, logs and newPendingTransactions, and
 * Lingding's "blocks" (the getBlockByNumber JSON without full transactions), and on a
 * regulator node "alerts" (each alert as getAlerts answers it; a node without supervision
 * has no such channel, so subscribing to it there is refused). The views are injected, so
 * the Ethereum formatting lives with the Ethereum RPC.
 */
export function registerNodeChannels(
  hub: SubscriptionHub,
  views: { eth: EthViews; block: (executed: ExecutedBlock) => Promise<unknown> },
  opts: { supervising: boolean },
): NodeEvents {
  const newHeads = hub.register({
    family: 'eth',
    name: 'newHeads',
    views: (e: ExecutedBlock) => [views.eth.headView(e)],
  });
  const logs = hub.register<ExecutedBlock, LogFilter>({
    family: 'eth',
    name: 'logs',
    views: (e) => views.eth.logViews(e),
    matches: (filter, view) => logMatches(filter, view as EthLogView),
  });
  const pending = hub.register({
    family: 'eth',
    name: 'newPendingTransactions',
    views: (entry: PoolEntry) => [toHex(entry.hash)],
  });
  const blocks = hub.register({
    family: 'lingding',
    name: 'blocks',
    views: async (e: ExecutedBlock) => [await views.block(e)],
  });
  const alerts = opts.supervising
    ? hub.register({ family: 'lingding', name: 'alerts', views: (a: Alert) => [a] })
    : () => {};
  return {
    alertRaised: alerts,
    blockCommitted(executed) {
      newHeads(executed);
      logs(executed);
      blocks(executed);
    },
    transactionAdmitted: pending,
  };
}

/** geth's rule (node/rpc/eth/filters.ts) over the hex views: lowercase 0x-hex on both sides. */
export function logMatches(filter: LogFilter, log: { address: string; topics: readonly string[] }): boolean {
  return selectorMatches(
    log.address.toLowerCase(),
    log.topics.map((t) => t.toLowerCase()),
    filter,
    (x, y) => x === y,
  );
}
