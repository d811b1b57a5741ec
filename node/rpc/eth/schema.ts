import { z } from 'zod';
import {
  ethAddress,
  ethBlock,
  ethBlockOptional,
  ethCallObject,
  ethData,
  ethFilterId,
  ethFilterObject,
  ethHash,
  ethQuantity,
} from './params.js';

/**
 * The Ethereum methods (eth_*, net_*, web3_*), defined as the native ones are (schema.ts
 * composes them into RPC_SCHEMA): positional params in Ethereum's wire forms, results as
 * Ethereum's JSON shows them. docs/jsonrpc.md's Ethereum section is checked against this.
 */

const hex = z.string().regex(/^0x[0-9a-f]*$/);
const quantity = z.string().regex(/^0x(0|[1-9a-f][0-9a-f]*)$/);

const txView = z.strictObject({
  blockHash: hex.nullable(),
  blockNumber: quantity.nullable(),
  transactionIndex: quantity.nullable(),
  hash: hex,
  type: quantity,
  nonce: quantity,
  from: hex,
  to: hex.nullable(),
  input: hex,
  value: quantity,
  gas: quantity,
  gasPrice: quantity,
  maxFeePerGas: quantity.optional(),
  maxPriorityFeePerGas: quantity.optional(),
  accessList: z.array(z.strictObject({ address: hex, storageKeys: z.array(hex) })).optional(),
  yParity: quantity.optional(),
  chainId: quantity,
  v: quantity,
  r: quantity,
  s: quantity,
  /** Not Ethereum's: true for a Lingding-native transaction shown in Ethereum's shape, false for an Ethereum-signed one. */
  lingdingNative: z.boolean(),
});

const logView = z.strictObject({
  address: hex,
  topics: z.array(hex),
  data: hex,
  blockNumber: quantity,
  blockHash: hex,
  transactionHash: hex,
  transactionIndex: quantity,
  logIndex: quantity,
  removed: z.boolean(),
});

const receiptView = z.strictObject({
  transactionHash: hex,
  transactionIndex: quantity,
  blockHash: hex,
  blockNumber: quantity,
  from: hex,
  to: hex.nullable(),
  cumulativeGasUsed: quantity,
  gasUsed: quantity,
  effectiveGasPrice: quantity,
  contractAddress: hex.nullable(),
  logs: z.array(logView),
  logsBloom: hex,
  type: quantity,
  status: z.enum(['0x0', '0x1']),
});

const blockView = z.strictObject({
  number: quantity,
  hash: hex,
  parentHash: hex,
  nonce: hex,
  mixHash: hex,
  sha3Uncles: hex,
  logsBloom: hex,
  transactionsRoot: hex,
  stateRoot: hex,
  receiptsRoot: hex,
  miner: hex,
  difficulty: quantity,
  totalDifficulty: quantity,
  extraData: hex,
  size: quantity,
  gasLimit: quantity,
  gasUsed: quantity,
  timestamp: quantity,
  baseFeePerGas: quantity,
  transactions: z.union([z.array(hex), z.array(txView)]),
  uncles: z.array(hex),
});

const noParams = z.tuple([]);
const includeTransactions = z
  .boolean({ error: 'includeTransactions must be true or false' })
  .describe('includeTransactions');
const filterIdParams = z.tuple([ethFilterId('filterId')]);

export const ETH_SCHEMA = {
  eth_chainId: { params: noParams, result: quantity },
  net_version: { params: noParams, result: z.string().regex(/^[0-9]+$/) },
  net_listening: { params: noParams, result: z.boolean() },
  net_peerCount: { params: noParams, result: quantity },
  web3_clientVersion: { params: noParams, result: z.string() },
  eth_blockNumber: { params: noParams, result: quantity },
  eth_getBlockByNumber: { params: z.tuple([ethBlock('block'), includeTransactions]), result: blockView.nullable() },
  eth_getBlockByHash: {
    params: z.tuple([ethHash('blockHash'), includeTransactions]),
    result: blockView.nullable(),
  },
  eth_getBlockTransactionCountByNumber: { params: z.tuple([ethBlock('block')]), result: quantity.nullable() },
  eth_getBlockTransactionCountByHash: { params: z.tuple([ethHash('blockHash')]), result: quantity.nullable() },
  eth_getTransactionByHash: { params: z.tuple([ethHash('transactionHash')]), result: txView.nullable() },
  eth_getTransactionReceipt: { params: z.tuple([ethHash('transactionHash')]), result: receiptView.nullable() },
  eth_getTransactionCount: {
    params: z.tuple([ethAddress('address'), ethBlockOptional('block')]),
    result: quantity,
  },
  eth_sendRawTransaction: { params: z.tuple([ethData('signedTransaction')]), result: hex },
  eth_call: {
    params: z.tuple([ethCallObject('transaction'), ethBlockOptional('block')]),
    result: hex,
  },
  eth_estimateGas: {
    params: z.tuple([ethCallObject('transaction'), ethBlockOptional('block')]),
    result: quantity,
  },
  eth_gasPrice: { params: noParams, result: quantity },
  eth_maxPriorityFeePerGas: { params: noParams, result: quantity },
  eth_feeHistory: {
    params: z.tuple([
      z
        .union(
          [
            ethQuantity('blockCount'),
            z
              .number()
              .int()
              .min(0)
              .transform((n) => BigInt(n)),
          ],
          { error: 'blockCount must be a 0x-hex quantity' },
        )
        .describe('blockCount'),
      ethBlock('newestBlock'),
      z
        .array(z.number({ error: 'rewardPercentiles must be an array of numbers' }), {
          error: 'rewardPercentiles must be an array of numbers',
        })
        .nullish()
        .describe('rewardPercentiles'),
    ]),
    result: z.strictObject({
      oldestBlock: quantity,
      baseFeePerGas: z.array(quantity),
      gasUsedRatio: z.array(z.number()),
      reward: z.array(z.array(quantity)).optional(),
    }),
  },
  eth_getBalance: { params: z.tuple([ethAddress('address'), ethBlockOptional('block')]), result: quantity },
  eth_getCode: { params: z.tuple([ethAddress('address'), ethBlockOptional('block')]), result: hex },
  eth_getStorageAt: {
    params: z.tuple([ethAddress('address'), ethQuantity('position'), ethBlockOptional('block')]),
    result: hex,
  },
  eth_getLogs: { params: z.tuple([ethFilterObject('filter')]), result: z.array(logView) },
  eth_newFilter: { params: z.tuple([ethFilterObject('filter')]), result: quantity },
  eth_newBlockFilter: { params: noParams, result: quantity },
  eth_newPendingTransactionFilter: { params: noParams, result: quantity },
  eth_getFilterChanges: { params: filterIdParams, result: z.union([z.array(logView), z.array(hex)]) },
  eth_getFilterLogs: { params: filterIdParams, result: z.array(logView) },
  eth_uninstallFilter: { params: filterIdParams, result: z.boolean() },
  eth_syncing: {
    params: noParams,
    result: z.union([
      z.literal(false),
      z.strictObject({ startingBlock: quantity, currentBlock: quantity, highestBlock: quantity }),
    ]),
  },
  eth_accounts: { params: noParams, result: z.array(hex).max(0) },
} as const satisfies Record<string, { params: z.ZodTuple; result: z.ZodType }>;

export type EthMethodName = keyof typeof ETH_SCHEMA;
export type EthLog = z.output<typeof logView>;
