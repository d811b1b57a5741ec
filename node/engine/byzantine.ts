/**
 * TEST ONLY: a validator that attacks the others, for the adversarial cluster test
 * (test/cluster/byzantine.test.ts). Switched on by the environment variable
 * LINGDING_TEST_BYZANTINE (a comma-separated list of behaviours) in a node started by that
 * test; a node that has it logs so at error level. Nothing in a node config can turn it on.
 *
 *   flood      every second, a consensus frame of garbage just under the frame limit
 *   replay     its own earlier consensus messages, re-sent many times a second (old heights,
 *              view changes for decided heights: each once made peers answer with a block)
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
import { DEFAULT_LIMITS, type P2PNetwork } from '../p2p/index.js';

export const BYZANTINE_BEHAVIOURS = ['flood', 'replay', 'future', 'timestamp'] as const;
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

export class ByzantineAdversary {
  private timer: NodeJS.Timeout | null = null;
  private readonly sent: Uint8Array[] = [];
  private ticks = 0;

  constructor(
    readonly behaviours: ReadonlySet<ByzantineBehaviour>,
    private readonly deps: { net: P2PNetwork; chain: Chain; secretKey: Uint8Array; logger: Logger },
  ) {}

  /** Proposal timestamps under the `timestamp` behaviour; null when honest. */
  proposalTimestamp(): number | null {
    return this.behaviours.has('timestamp') ? Number.MAX_SAFE_INTEGER : null;
  }

  /** Every consensus message the engine sends passes here, to be replayed later. */
  recordOutgoing(bytes: Uint8Array): void {
    if (!this.behaviours.has('replay')) return;
    if (this.sent.length >= KEPT_MESSAGES) this.sent.splice(0, this.sent.length - KEPT_MESSAGES + 1);
    this.sent.push(bytes);
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
      if (this.behaviours.has('replay') && this.sent.length > 0)
        for (let i = 0; i < REPLAYS_PER_TICK; i++)
          net.broadcast('consensus', this.sent[Math.floor(Math.random() * this.sent.length)]);
      if (this.behaviours.has('future') && this.ticks % 5 === 0) this.sendFutureProposals();
    } catch (e) {
      this.deps.logger.debug({ err: (e as Error).message }, 'byzantine tick failed');
    }
  }

  /** Signed pre-prepares for heights ahead, in every view this validator leads among the first 32. */
  private sendFutureProposals(): void {
    const { chain, secretKey, net } = this.deps;
    const suite = consensusSuiteOf(chain);
    const validators: ValidatorSet = validatorSetOf(chain);
    const me = validators.indexOf(suite.keyPairFromSecret(secretKey).publicKey);
    if (me < 0) return;
    const signer = { publicKey: validators.publicKeys[me], sign: (d: Uint8Array) => suite.sign(d, secretKey) };
    const head = chain.head.number;
    // A block that decodes, so peers get as far as checking (and buffering) it: one 1 MiB transaction.
    const big = decodeTx(
      buildSignedTx(
        suite,
        { chainId: chain.genesis.chainId, height: head, to: null, input: randomBytes(1024 * 1024) },
        secretKey,
      ).raw,
    );
    for (let h = head + 2; h <= head + 8; h++) {
      for (let view = 0; view < 32; view++) {
        if (validators.leader(h, view) !== me) continue;
        const payload = encodeBlock({
          header: {
            version: 1,
            parentHash: randomBytes(32),
            number: h,
            timestamp: Date.now(),
            proposer: me,
            txRoot: randomBytes(32),
            receiptRoot: randomBytes(32),
            stateRoot: randomBytes(32),
            gasUsed: 0,
            view,
          },
          transactions: [big],
        });
        const hash = blockHash(suite, decodeBlock(payload).header);
        net.broadcast('consensus', encodeMessage(makePrePrepare(suite, signer, me, h, view, hash, payload, [])));
      }
    }
  }
}
