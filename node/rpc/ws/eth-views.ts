import type { ExecutedBlock } from '../../chain/chain.js';
import type { ChainView } from '../../chain/view.js';
import { logsBloom } from '../../codec/bloom.js';
import { encodeBlock } from '../../codec/block.js';
import { blockLogs, type EthLogView, ethBlockView } from '../eth/views.js';

export type { EthLogView };

/** How a committed block looks to Ethereum tools: the `newHeads` and `logs` notifications. */
export interface EthViews {
  headView(executed: ExecutedBlock): unknown;
  logViews(executed: ExecutedBlock): readonly EthLogView[];
}

/**
 * The notifications in the same views eth_getBlockByNumber and eth_getLogs answer with
 * (node/rpc/eth/views.ts): a head is the block view without its transaction list, as
 * geth's newHeads; the bloom comes from the receipts in hand.
 */
export function ethSubscriptionViews(chain: ChainView): EthViews {
  return {
    headView(executed) {
      const {
        transactions: _,
        uncles: __,
        ...head
      } = ethBlockView(executed.block, {
        hash: executed.hash,
        txHashes: executed.txHashes,
        logsBloom: logsBloom(executed.receipts.flatMap((r) => r.logs)),
        gasLimit: Number(chain.systemConfigEntry('block_gas_limit')?.value ?? 0),
        size: encodeBlock(executed.block).length,
        transactions: null,
      });
      return head;
    },
    logViews(executed) {
      const h = executed.block.header;
      return blockLogs(executed.receipts, executed.txHashes, h.number, executed.hash).map((l) => l.view());
    },
  };
}
