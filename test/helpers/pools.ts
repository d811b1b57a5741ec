import type { Chain } from '../../node/chain/chain.js';
import type { CryptoSuite } from '../../node/crypto/suite.js';
import { NODE_DEFAULTS } from '../../node/config/defaults.js';
import { poolChainViewOf, TxPool } from '../../node/txpool/pool.js';

/** A pool over a chain that stays at height 0 with nothing on it (tx gas limit 1,000,000, window 100). */
export function standalonePool(suite: CryptoSuite, chainId = 'c'): TxPool {
  return new TxPool(
    { ...NODE_DEFAULTS.txpool, chainId, ethereumChainId: 1, blockLimitWindow: 100 },
    {
      suite,
      chain: {
        height: () => 0,
        txGasLimit: () => 1_000_000,
        blockBytesLimit: () => 4 * 1024 * 1024,
        nonceOnChain: () => false,
        txOnChain: () => false,
        admissionRefusal: () => null,
        privateRecordRefusal: () => null,
        ethNonce: () => 0,
      },
    },
  );
}

/** A pool over a real Chain, wired as the node wires it. */
export function chainPool(chain: Chain): TxPool {
  return new TxPool(
    {
      ...NODE_DEFAULTS.txpool,
      chainId: chain.genesis.chainId,
      ethereumChainId: chain.genesis.ethereumChainId,
      blockLimitWindow: chain.genesis.blockLimitWindow,
    },
    {
      suite: chain.suite,
      chain: poolChainViewOf(chain),
    },
  );
}
