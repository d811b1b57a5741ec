import { z } from 'zod';
import { hexAddress, hexBytes } from '../params.js';

/**
 * Parameters in Ethereum's wire forms (the execution-apis spec): quantities as 0x-hex,
 * byte strings as 0x-hex DATA, block tags, transaction-call objects and log filters. Each
 * parses into what the eth methods work with; each failure message names the parameter.
 */

export const ethData = (name: string) => hexBytes(name).describe(name);
export const ethHash = (name: string) => hexBytes(name, 32).describe(name);

export const ethAddress = hexAddress;

/** A 0x-hex quantity (leading zeros tolerated on input, as geth does for most fields). */
export function ethQuantity(name: string) {
  return z
    .string({ error: `${name} must be a 0x-hex quantity` })
    .regex(/^0x[0-9a-fA-F]{1,64}$/, { error: `${name} must be a 0x-hex quantity` })
    .transform((v) => BigInt(v))
    .describe(name);
}

/**
 * A block as Ethereum names one: a height, or a tag. PBFT finality makes every committed
 * block final, so 'safe' and 'finalized' are the head. 'pending' is the head too for
 * every read of a block or its state (the next block's contents are not known before it
 * is proposed); it stays its own tag because eth_getTransactionCount counts the pool's
 * transactions for it, which is how wallets pick the next nonce.
 */
export type BlockRef =
  | { readonly number: number }
  | { readonly tag: 'latest' | 'earliest' | 'pending' }
  | { readonly hash: Uint8Array };

const TAG_ERROR = (name: string) =>
  `${name} must be a 0x-hex block number, "latest", "earliest", "pending", "safe", "finalized" or {blockHash} / {blockNumber}`;

function tagOrNumber(name: string) {
  return z.string({ error: TAG_ERROR(name) }).transform((v, ctx): BlockRef => {
    if (v === 'latest' || v === 'safe' || v === 'finalized') return { tag: 'latest' };
    if (v === 'earliest' || v === 'pending') return { tag: v };
    if (/^0x[0-9a-fA-F]{1,13}$/.test(v)) return { number: Number(v) };
    ctx.addIssue({ code: 'custom', message: TAG_ERROR(name) });
    return z.NEVER;
  });
}

/** A block tag, a number, or an EIP-1898 object ({blockHash} or {blockNumber}). */
export function ethBlock(name: string) {
  return z
    .union(
      [
        tagOrNumber(name),
        z
          .strictObject({
            blockHash: hexBytes(`${name}.blockHash`, 32).optional(),
            blockNumber: tagOrNumber(`${name}.blockNumber`).optional(),
            requireCanonical: z.boolean().optional(),
          })
          .transform((o, ctx): BlockRef => {
            if (o.blockHash && !o.blockNumber) return { hash: o.blockHash };
            if (o.blockNumber && !o.blockHash) return o.blockNumber;
            ctx.addIssue({ code: 'custom', message: TAG_ERROR(name) });
            return z.NEVER;
          }),
      ],
      { error: TAG_ERROR(name) },
    )
    .describe(name);
}

/** An optional block, 'latest' when absent or null. */
export const ethBlockOptional = (name: string) =>
  ethBlock(name)
    .nullish()
    .transform((v): BlockRef => v ?? { tag: 'latest' })
    .describe(name);

/**
 * A transaction-call object (eth_call, eth_estimateGas). Fee fields are parsed and
 * ignored (there is no coin); `input` wins over `data` when both are given, as in geth.
 * Unknown fields are ignored: tools send more than geth reads.
 */
export function ethCallObject(name: string) {
  return z
    .object(
      {
        from: ethAddress('from').optional(),
        to: ethAddress('to').nullish(),
        gas: ethQuantity('gas').optional(),
        gasPrice: ethQuantity('gasPrice').optional(),
        maxFeePerGas: ethQuantity('maxFeePerGas').optional(),
        maxPriorityFeePerGas: ethQuantity('maxPriorityFeePerGas').optional(),
        value: ethQuantity('value').optional(),
        nonce: ethQuantity('nonce').optional(),
        data: ethData('data').optional(),
        input: ethData('input').optional(),
      },
      { error: `${name} must be an object {from?, to?, gas?, value?, data? | input?, …}` },
    )
    .refine((o) => o.to != null || o.data !== undefined || o.input !== undefined, {
      error: `${name} must have 'to', or 'data' / 'input' to deploy`,
    })
    .transform((o) => ({
      from: o.from ?? new Uint8Array(20),
      to: o.to ?? null,
      gas: o.gas ?? null,
      value: o.value ?? 0n,
      input: o.input ?? o.data ?? new Uint8Array(),
    }))
    .describe(name);
}
export type EthCall = z.output<ReturnType<typeof ethCallObject>>;

/** Most topic positions a filter may name (a log carries at most four topics). */
export const MAX_FILTER_TOPICS = 4;

const topicSlot = z
  .union([hexBytes('topic', 32), z.array(hexBytes('topic', 32).nullable()), z.null()], {
    error: 'each topic must be null, a 32-byte hash, or an array of them',
  })
  .transform((t) =>
    t === null ? null : Array.isArray(t) ? (t.some((x) => x === null) ? null : (t as Uint8Array[])) : [t],
  );

/** What a log filter selects; `topics[i]` null is a wildcard, else any of its hashes. */
export interface LogCriteria {
  readonly fromBlock: BlockRef;
  readonly toBlock: BlockRef;
  readonly blockHash: Uint8Array | null;
  readonly addresses: readonly Uint8Array[] | null;
  readonly topics: ReadonlyArray<readonly Uint8Array[] | null>;
}

export function ethFilterObject(name: string) {
  return z
    .strictObject(
      {
        fromBlock: ethBlock('fromBlock').optional(),
        toBlock: ethBlock('toBlock').optional(),
        blockHash: hexBytes('blockHash', 32).optional(),
        address: z
          .union([ethAddress('address'), z.array(ethAddress('address'))], {
            error: 'address must be an address or an array of addresses',
          })
          .nullish(),
        topics: z
          .array(topicSlot, { error: 'topics must be an array' })
          .max(MAX_FILTER_TOPICS, { error: 'exceed max topics' })
          .nullish(),
      },
      { error: `${name} must be an object {fromBlock?, toBlock?, address?, topics?, blockHash?}` },
    )
    .refine((f) => !(f.blockHash && (f.fromBlock || f.toBlock)), {
      error: 'cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    })
    .transform(
      (f): LogCriteria => ({
        fromBlock: f.fromBlock ?? { tag: 'latest' },
        toBlock: f.toBlock ?? { tag: 'latest' },
        blockHash: f.blockHash ?? null,
        // An empty address list selects any address, as in geth.
        addresses:
          f.address == null ? null : Array.isArray(f.address) ? (f.address.length ? f.address : null) : [f.address],
        topics: f.topics ?? [],
      }),
    )
    .describe(name);
}

/** A filter id as eth_newFilter answers it: 0x and 32 hex digits. */
export const ethFilterId = (name: string) =>
  z
    .string({ error: `${name} must be a filter id` })
    .regex(/^0x[0-9a-fA-F]{1,64}$/, { error: `${name} must be a filter id` })
    .transform((v) => v.toLowerCase())
    .describe(name);
