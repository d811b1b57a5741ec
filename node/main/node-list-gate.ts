import type { Logger } from 'pino';
import type { Chain } from '../chain/chain.js';
import { hexKey } from '../codec/hex.js';
import type { P2PNetwork } from '../p2p/index.js';

/**
 * Keeps the p2p allow list equal to the node list in chain state: after every committed
 * block (by consensus or by sync, both commit through the chain) whose state changed the
 * list, the network is given the validators and observers in force for the next block. A
 * removed node is hung up on and refused from then on; an added one is admitted and dialled.
 * Returns the function that stops following.
 */
export function followNodeList(
  chain: Pick<Chain, 'consensusNodes' | 'on' | 'off'>,
  net: Pick<P2PNetwork, 'setAllowedPeers'>,
  logger: Pick<Logger, 'info' | 'warn'>,
): () => void {
  const ids = () => chain.consensusNodes().map((n) => hexKey(n.nodeId));
  let current = ids().join();
  const onBlock = () => {
    const next = ids();
    if (next.join() === current) return;
    current = next.join();
    logger.info({ nodes: next.length }, 'node list changed: updating the peers allowed to connect');
    // The chain has committed whatever the network does; a network already stopping is no fault.
    net
      .setAllowedPeers(next.map((nodeId) => ({ nodeId })))
      .catch((e: unknown) => logger.warn({ err: e }, 'could not apply the node list to the p2p allow list'));
  };
  chain.on('block', onBlock);
  return () => chain.off('block', onBlock);
}
