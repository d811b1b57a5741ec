import type { ExecutedBlock } from '../../chain/chain.js';
import type { ChainView } from '../../chain/view.js';
import { toHex } from '../../codec/hex.js';

/** A log as Ethereum tools see it (geth's field set); `address` and `topics` lowercase hex. */
export interface EthLogView {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly transactionHash: string;
  readonly transactionIndex: string;
  readonly logIndex: string;
  readonly removed: false;
}

/** How a committed block looks to Ethereum tools: the `newHeads` and `logs` notifications. */
export interface EthViews {
  headView(executed: ExecutedBlock): unknown;
  logViews(executed: ExecutedBlock): readonly EthLogView[];
}

const ZERO_ADDRESS = toHex(new Uint8Array(20));
const ZERO_HASH = toHex(new Uint8Array(32));
const EMPTY_BLOOM = toHex(new Uint8Array(256));
/** keccak256(rlp([])): the uncles hash of a block without uncles, as every Ethereum tool expects. */
const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';

const quantity = (n: number | bigint) => `0x${n.toString(16)}`;

/**
 * The geth field set of newHeads and logs, written here until the Ethereum RPC's own views
 * (node/rpc/eth/views.ts) replace it at the one place the server wires them: no bloom yet
 * (zeros), no miner address (a Lingding proposer is a validator index), and the block gas
 * limit in force when the notification is built (ChainView reads the head's next block).
 */
export function provisionalEthViews(chain: ChainView): EthViews {
  return {
    headView(executed) {
      const h = executed.block.header;
      return {
        number: quantity(h.number),
        hash: toHex(executed.hash),
        parentHash: toHex(h.parentHash),
        sha3Uncles: EMPTY_UNCLES_HASH,
        miner: ZERO_ADDRESS,
        stateRoot: toHex(h.stateRoot),
        transactionsRoot: toHex(h.txRoot),
        receiptsRoot: toHex(h.receiptRoot),
        logsBloom: EMPTY_BLOOM,
        difficulty: '0x0',
        gasLimit: quantity(Number(chain.systemConfigEntry('block_gas_limit')?.value ?? 0)),
        gasUsed: quantity(h.gasUsed),
        // Lingding headers carry milliseconds; Ethereum's are seconds.
        timestamp: quantity(Math.floor(h.timestamp / 1000)),
        extraData: '0x',
        mixHash: ZERO_HASH,
        nonce: '0x0000000000000000',
        baseFeePerGas: '0x0',
      };
    },
    logViews(executed) {
      const blockNumber = quantity(executed.block.header.number);
      const blockHash = toHex(executed.hash);
      const out: EthLogView[] = [];
      executed.receipts.forEach((r, i) => {
        for (const log of r.logs) {
          out.push({
            address: toHex(log.address),
            topics: log.topics.map(toHex),
            data: toHex(log.data),
            blockNumber,
            blockHash,
            transactionHash: toHex(executed.txHashes[i]),
            transactionIndex: quantity(i),
            logIndex: quantity(out.length),
            removed: false,
          });
        }
      });
      return out;
    },
  };
}
