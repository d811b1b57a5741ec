import type { CommitCertificate } from '../../node/codec/block.js';
import { equalBytes } from '../../node/codec/canonical.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import {
  decodeMessage,
  decodeSafetyState,
  encodeMessage,
  encodeSafetyState,
  MsgType,
  PbftCore,
  verifyCommitCertificate,
  type Action,
  type LogLevel,
  type PbftMessage,
  type PbftSuite,
  type PbftTimeouts,
  type Signer,
  type ValidatorSet,
} from '../../consensus/index.js';
import {
  buildFakeBlock,
  decodeFakeBlock,
  executeFake,
  fakeInspector,
  type ChainEntry,
  type FakeBlock,
} from './fake-chain.js';
import type { Network } from './network.js';
import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';

/** What travels between simulated nodes: PBFT bytes (as p2p would carry them) and block sync. */
export type Envelope =
  | { readonly kind: 'pbft'; readonly bytes: Uint8Array }
  | { readonly kind: 'syncRequest'; readonly height: number }
  | {
      readonly kind: 'syncResponse';
      readonly blocks: ReadonlyArray<{ readonly payload: Uint8Array; readonly certificate: CommitCertificate }>;
    };

export interface NodeEnv {
  readonly suite: PbftSuite;
  readonly sched: Scheduler;
  readonly net: Network<Envelope>;
  /** The validator set in force at a height (the same answer on every node: it is chain state). */
  validatorsAt(height: number): ValidatorSet;
  readonly genesis: ChainEntry;
  readonly timeouts: PbftTimeouts;
  /** Virtual ms the node takes to build a block / to execute one / to store a commit. */
  readonly buildDelay: readonly [number, number];
  readonly execDelay: readonly [number, number];
  readonly syncIntervalMs: number;
  /** A block entered this node's chain (by consensus or by sync). */
  onCommit(node: SimNode, entry: ChainEntry, via: 'consensus' | 'sync'): void;
  onLog(node: SimNode, level: LogLevel, msg: string, ctx: Readonly<Record<string, unknown>>): void;
  /** A vote just left `node`: the harness may crash it right here (the worst moment for amnesia). */
  afterVote(node: SimNode): void;
  /** A check failed inside a node (the harness turns it into a reproducible failure). */
  fail(node: SimNode, reason: string): void;
}

const SYNC_BATCH = 16;
const peerId = (i: number): string => `v${i}`;
const peerIndex = (id: string): number => Number(id.slice(1));

/**
 * An honest validator: the real PbftCore behind the adapter a node would have. Its
 * "disk" is the chain and the encoded safety state; a crash drops the core and all
 * pending events (epoch), a restart rebuilds the core from that disk alone.
 */
export class SimNode {
  chain: ChainEntry[];
  private safetyDisk: Uint8Array | null = null;
  protected core: PbftCore | null = null;
  private epoch = 0;
  private timerGen = 0;
  private readonly timers = new Map<string, number>();
  readonly signer: Signer;

  constructor(
    readonly index: number,
    key: KeyPair,
    protected readonly env: NodeEnv,
    protected readonly rng: Prng,
  ) {
    this.chain = [env.genesis];
    const { suite } = env;
    this.signer = { publicKey: key.publicKey, sign: (d) => suite.sign(d, key.secretKey) };
  }

  get alive(): boolean {
    return this.core !== null;
  }

  get head(): ChainEntry {
    return this.chain[this.chain.length - 1];
  }

  get view(): number {
    return this.core?.status().view ?? 0;
  }

  boot(): void {
    const epoch = ++this.epoch;
    this.core = new PbftCore({
      suite: this.env.suite,
      signer: this.signer,
      inspector: fakeInspector(this.env.suite),
      safety: this.safetyDisk ? decodeSafetyState(this.safetyDisk) : undefined,
      timeouts: this.env.timeouts,
    });
    this.apply(
      this.core.startHeight({
        height: this.chain.length,
        parentHash: this.head.hash,
        validators: this.env.validatorsAt(this.chain.length),
      }),
    );
    const tick = (): void => {
      if (this.epoch !== epoch) return;
      this.requestSync();
      this.env.sched.after(this.env.syncIntervalMs + this.rng.int(this.env.syncIntervalMs), tick);
    };
    this.env.sched.after(this.rng.int(this.env.syncIntervalMs), tick);
  }

  crash(): void {
    this.epoch++;
    this.core = null;
    this.timers.clear();
  }

  receive(from: number, env: Envelope): void {
    if (!this.core) return;
    switch (env.kind) {
      case 'pbft': {
        let msg: PbftMessage;
        try {
          msg = decodeMessage(env.bytes);
        } catch (e) {
          this.env.onLog(this, 'debug', `undecodable message dropped: ${(e as Error).message}`, { from });
          return;
        }
        this.observe(from, msg);
        this.apply(this.core.onMessage(peerId(from), msg));
        return;
      }
      case 'syncRequest':
        return this.serveSync(from, env.height);
      case 'syncResponse':
        return this.acceptSync(env.blocks);
    }
  }

  /** Hook for byzantine nodes to react to what they receive. */
  protected observe(_from: number, _msg: PbftMessage): void {}

  /** How a PBFT message leaves this node; byzantine nodes override it. */
  protected outgoing(msg: PbftMessage, to: number | null): void {
    const env: Envelope = { kind: 'pbft', bytes: encodeMessage(msg) };
    if (to === null) this.env.net.broadcast(this.index, env);
    else this.env.net.send(this.index, to, env);
  }

  protected serveSync(from: number, height: number): void {
    const blocks = this.chain
      .slice(height, height + SYNC_BATCH)
      .map((e) => ({ payload: e.payload, certificate: e.certificate! }));
    if (blocks.length > 0) this.env.net.send(this.index, from, { kind: 'syncResponse', blocks });
  }

  private requestSync(): void {
    const peer = (this.index + 1 + this.rng.int(this.env.net.size - 1)) % this.env.net.size;
    this.env.net.send(this.index, peer, { kind: 'syncRequest', height: this.chain.length });
  }

  /** Sync as a node would do it: each block must extend the head, carry a valid certificate and re-execute to its state root. */
  private acceptSync(
    blocks: ReadonlyArray<{ readonly payload: Uint8Array; readonly certificate: CommitCertificate }>,
  ): void {
    const { suite } = this.env;
    let added = false;
    for (const { payload, certificate } of blocks) {
      let block: FakeBlock;
      try {
        block = decodeFakeBlock(payload);
      } catch {
        return;
      }
      if (block.height < this.chain.length) continue;
      const hash = suite.hash(payload);
      const check = verifyCommitCertificate(
        suite,
        this.env.validatorsAt(block.height),
        block.height,
        hash,
        certificate,
      );
      if (block.height !== this.chain.length || !equalBytes(block.parentHash, this.head.hash) || !check.ok) return;
      if (!equalBytes(executeFake(suite, this.head.stateRoot, block.body), block.stateRoot)) return;
      this.append({ height: block.height, hash, stateRoot: block.stateRoot, payload, certificate }, 'sync');
      added = true;
    }
    if (added) this.advanceCore();
  }

  private append(entry: ChainEntry, via: 'consensus' | 'sync'): void {
    this.chain.push(entry);
    this.env.onCommit(this, entry, via);
  }

  private advanceCore(): void {
    if (this.core && this.core.status().height < this.chain.length) {
      this.apply(
        this.core.startHeight({
          height: this.chain.length,
          parentHash: this.head.hash,
          validators: this.env.validatorsAt(this.chain.length),
        }),
      );
    }
  }

  /** The adapter: carries out the core's actions in order. */
  protected apply(actions: readonly Action[]): void {
    const epoch = this.epoch;
    const { sched, suite } = this.env;
    const later = (range: readonly [number, number], fn: () => void): void =>
      sched.after(this.rng.range(range[0], range[1]), () => {
        if (this.epoch === epoch && this.core) fn();
      });
    for (const a of actions) {
      if (this.epoch !== epoch) return; // crashed part-way through the batch
      switch (a.type) {
        case 'broadcast':
          this.outgoing(a.msg, null);
          if (a.msg.type === MsgType.Prepare || a.msg.type === MsgType.Commit) this.env.afterVote(this);
          break;
        case 'send':
          this.outgoing(a.msg, peerIndex(a.to));
          break;
        case 'setTimer': {
          const gen = ++this.timerGen;
          this.timers.set(a.id, gen);
          sched.after(a.delayMs, () => {
            if (this.epoch !== epoch || !this.core || this.timers.get(a.id) !== gen) return;
            this.timers.delete(a.id);
            this.apply(this.core.onTimeout(a.id));
          });
          break;
        }
        case 'execute':
          later(this.env.execDelay, () => {
            const { header, payload } = a.proposal;
            const block = decodeFakeBlock(payload);
            if (header.height !== this.chain.length || !equalBytes(header.parentHash, this.head.hash)) {
              this.apply(this.core!.onBlockRejected(header.height, header.hash, 'does not extend the head'));
            } else {
              this.apply(
                this.core!.onBlockExecuted(
                  header.height,
                  header.hash,
                  executeFake(suite, this.head.stateRoot, block.body),
                ),
              );
            }
          });
          break;
        case 'propose':
          later(this.env.buildDelay, () => {
            if (this.chain.length !== a.height) return;
            const body = new Uint8Array([this.index, ...this.rng.bytes(15)]);
            this.apply(this.core!.onProposalReady(buildFakeBlock(suite, this.head, body)));
          });
          break;
        case 'commit': {
          const { header, payload } = a.proposal;
          const check = verifyCommitCertificate(
            suite,
            this.env.validatorsAt(header.height),
            header.height,
            header.hash,
            a.certificate,
          );
          if (!check.ok)
            this.env.fail(
              this,
              `committed height ${header.height} with a certificate that does not verify: ${check.reason}`,
            );
          // Storing takes a moment; sync may have stored the same block meanwhile.
          later([0, 5], () => {
            if (header.height === this.chain.length) {
              this.append(
                {
                  height: header.height,
                  hash: header.hash,
                  stateRoot: header.stateRoot,
                  payload,
                  certificate: a.certificate,
                },
                'consensus',
              );
            }
            this.advanceCore();
          });
          break;
        }
        case 'persistSafety':
          this.safetyDisk = encodeSafetyState(a.state);
          break;
        case 'log':
          this.env.onLog(this, a.level, a.msg, a.ctx);
          break;
      }
    }
  }
}
