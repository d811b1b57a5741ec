/**
 * TEST ONLY: a validator that attacks the others, for the adversarial cluster test
 * (test/cluster/byzantine.test.ts). Switched on by the environment variable
 * LINGDING_TEST_BYZANTINE (a comma-separated list of behaviours) in a node started by that
 * test; a node that has it logs so at error level. Nothing in a node config can turn it on.
 *
 *   flood      every second, a consensus frame of garbage just under the frame limit
 *   oversized  every second, a consensus frame over the frame limit (its own network's limit
 *              is raised to send it; the receivers keep theirs and reset the stream)
 *   burst      every two seconds, a burst of correctly signed pre-prepares with blocks of
 *              several MiB (each under the frame limit) for the current and the next heights,
 *              in views it leads and views it does not
 *   replay     earlier consensus messages, its own and those honest validators sent it
 *              (old heights, view changes for decided heights: each once made peers answer
 *              with a block), re-sent many times a second
 *   future     correctly signed pre-prepares with 1 MiB blocks for the next 8 heights, many
 *              views: what a peer may be made to buffer before it gets there
 *   timestamp  as leader, proposes blocks dated 2^53-1 ms (far past any clock drift)
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { encodeMessage, type ValidatorSet } from '../../consensus/index.js';
import { makePrePrepare } from '../../consensus/pbft/messages.js';
import type { Chain } from '../chain/chain.js';
import { consensusSuiteOf, validatorSetOf } from '../chain/validators.js';
import { blockHash, decodeBlock, encodeBlock } from '../codec/block.js';
import { decodeTx } from '../codec/tx.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { DEFAULT_LIMITS, type MessageLimits, type P2PNetwork } from '../p2p/index.js';
import type { Transaction } from '../codec/tx.js';

export const BYZANTINE_BEHAVIOURS = ['flood', 'oversized', 'burst', 'replay', 'future', 'timestamp'] as const;
export type ByzantineBehaviour = (typeof BYZANTINE_BEHAVIOURS)[number];

/** The behaviours LINGDING_TEST_BYZANTINE names, or null when it is unset or empty. */
export function byzantineFromEnv(value: string | undefined): ReadonlySet<ByzantineBehaviour> | null {
  if (!value) return null;
  const names = value.split(',').map((s) => s.trim());
  for (const n of names)
    if (!(BYZANTINE_BEHAVIOURS as readonly string[]).includes(n))
      throw new Error(`LINGDING_TEST_BYZANTINE: unknown behaviour '${n}' (known: ${BYZANTINE_BEHAVIOURS.join(', ')})`);
  return new Set(names as ByzantineBehaviour[]);
}

const TICK_MS = 100;
const REPLAYS_PER_TICK = 20;
const KEPT_MESSAGES = 500;
/** Messages larger than this are not kept for replay (a replay flood of small votes is the point). */
const KEPT_MESSAGE_BYTES = 256 * 1024;
/** An oversized frame: this much over the receivers' consensus frame limit. */
const OVERSIZE_BY = 1024 * 1024;
const BURST_MESSAGES = 6;
/** Block bytes of each burst message: several MiB, with room under the frame limit for the message. */
const BURST_BLOCK_BYTES = 6 * 1024 * 1024;

/**
 * The p2p options of the byzantine node itself: a consensus frame limit above everyone
 * else's, so that its network lets it send frames the others must refuse, and room to queue
 * a whole burst for each peer. Empty for an honest node.
 */
export function byzantineNetworkOptions(behaviours: ReadonlySet<ByzantineBehaviour> | null): {
  limits?: Partial<MessageLimits>;
  maxQueuedBytesPerPeer?: number;
} {
  if (!behaviours) return {};
  return {
    ...(behaviours.has('oversized') ? { limits: { consensus: DEFAULT_LIMITS.consensus + 2 * OVERSIZE_BY } } : {}),
    ...(behaviours.has('burst') ? { maxQueuedBytesPerPeer: 2 * BURST_MESSAGES * BURST_BLOCK_BYTES } : {}),
  };
}

export class ByzantineAdversary {
  private timer: NodeJS.Timeout | null = null;
  private readonly kept: Uint8Array[] = [];
  private ticks = 0;

  constructor(
    readonly behaviours: ReadonlySet<ByzantineBehaviour>,
    private readonly deps: { net: P2PNetwork; chain: Chain; secretKey: Uint8Array; logger: Logger },
  ) {}

  /** Proposal timestamps under the `timestamp` behaviour; null when honest. */
  proposalTimestamp(): number | null {
    return this.behaviours.has('timestamp') ? Number.MAX_SAFE_INTEGER : null;
  }

  /** Every consensus message the engine sends or receives passes here, to be replayed later. */
  record(bytes: Uint8Array): void {
    if (!this.behaviours.has('replay') || bytes.length > KEPT_MESSAGE_BYTES) return;
    if (this.kept.length >= KEPT_MESSAGES) this.kept.splice(0, this.kept.length - KEPT_MESSAGES + 1);
    this.kept.push(bytes);
  }

  start(): void {
    this.deps.logger.error({ behaviours: [...this.behaviours] }, 'TEST-ONLY BYZANTINE BEHAVIOUR ENABLED');
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.ticks++;
    const { net } = this.deps;
    try {
      if (this.behaviours.has('flood') && this.ticks % 10 === 0)
        net.broadcast('consensus', randomBytes(DEFAULT_LIMITS.consensus - 16));
      if (this.behaviours.has('oversized') && this.ticks % 10 === 5)
        net.broadcast('consensus', randomBytes(DEFAULT_LIMITS.consensus + OVERSIZE_BY));
      if (this.behaviours.has('burst') && this.ticks % 20 === 0) this.sendBurst();
      if (this.behaviours.has('replay') && this.kept.length > 0)
        for (let i = 0; i < REPLAYS_PER_TICK; i++)
          net.broadcast('consensus', this.kept[Math.floor(Math.random() * this.kept.length)]);
      if (this.behaviours.has('future') && this.ticks % 5 === 0) this.sendFutureProposals();
    } catch (e) {
      this.deps.logger.debug({ err: (e as Error).message }, 'byzantine tick failed');
    }
  }

  /** Signed pre-prepares for heights ahead, in every view this validator leads among the first 32. */
  private sendFutureProposals(): void {
    const me = this.signer();
    if (!me) return;
    const head = this.deps.chain.head.number;
    const big = this.bigTx(1024 * 1024);
    for (let h = head + 2; h <= head + 8; h++)
      for (let view = 0; view < 32; view++)
        if (me.validators.leader(h, view) === me.index) this.broadcastProposal(me, h, view, big);
  }

  /**
   * BURST_MESSAGES signed pre-prepares of several MiB at once: for the current height (in the
   * view under way and later ones, led or not) and for the next heights.
   */
  private sendBurst(): void {
    const me = this.signer();
    if (!me) return;
    const head = this.deps.chain.head.number;
    const big = this.bigTx(BURST_BLOCK_BYTES);
    for (let i = 0; i < BURST_MESSAGES; i++) this.broadcastProposal(me, head + 1 + (i % 3), i, big);
  }

  private signer() {
    const { chain, secretKey } = this.deps;
    const suite = consensusSuiteOf(chain);
    const validators: ValidatorSet = validatorSetOf(chain);
    const index = validators.indexOf(suite.keyPairFromSecret(secretKey).publicKey);
    if (index < 0) return null;
    const sign = { publicKey: validators.publicKeys[index], sign: (d: Uint8Array) => suite.sign(d, secretKey) };
    return { suite, validators, index, sign };
  }

  /** A block that decodes, so peers get as far as checking (and buffering) it: one transaction of `bytes`. */
  private bigTx(bytes: number): Transaction {
    const { chain, secretKey } = this.deps;
    return decodeTx(
      buildSignedTx(
        consensusSuiteOf(chain),
        { chainId: chain.genesis.chainId, height: chain.head.number, to: null, input: randomBytes(bytes) },
        secretKey,
      ).raw,
    );
  }

  private broadcastProposal(
    me: NonNullable<ReturnType<ByzantineAdversary['signer']>>,
    height: number,
    view: number,
    tx: Transaction,
  ): void {
    const payload = encodeBlock({
      header: {
        version: 1,
        parentHash: randomBytes(32),
        number: height,
        timestamp: Date.now(),
        proposer: me.index,
        txRoot: randomBytes(32),
        receiptRoot: randomBytes(32),
        stateRoot: randomBytes(32),
        gasUsed: 0,
        view,
      },
      transactions: [tx],
    });
    const hash = blockHash(me.suite, decodeBlock(payload).header);
    this.deps.net.broadcast(
      'consensus',
      encodeMessage(makePrePrepare(me.suite, me.sign, me.index, height, view, hash, payload, [])),
    );
  }
}
