import { encodeCanonical, equalBytes } from '../../node/codec/canonical.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import {
  encodeMessage,
  MsgType,
  type PbftMessage,
  type PreparedCertificate,
  type PrePrepareMsg,
  type ViewChangeMsg,
} from '../../consensus/index.js';
import { hexKey } from '../../node/codec/hex.js';
import { makeCommit, makePrepare, makePrePrepare, makeViewChange } from '../../consensus/pbft/messages.js';
import { buildFakeBlock, decodeFakeBlock, encodeFakeBlock } from './fake-chain.js';
import { SimNode, type Envelope, type NodeEnv } from './node.js';
import type { Prng } from './prng.js';

/**
 * What a byzantine validator does on top of running the real core (so it still votes,
 * leads its views and counts toward quorums when it pleases):
 *
 *  - equivocate:   as leader, sends two different valid blocks to two halves of the validators
 *  - voteAll:      signs prepares and commits for every proposal it sees (double votes)
 *  - wrongHeights: re-signs its votes for other heights and views
 *  - forge:        messages under other validators' indices, forged prepared/commit certificates
 *  - garbage:      random bytes and corrupted encodings
 *  - viewStorm:    signed view changes to far and absurd views
 *  - silent:       withholds its pre-prepares and half of everything else
 *  - syncLies:     answers block sync with tampered blocks and certificates
 *  - splitVotes:   sends its prepares and commits to a random subset only, so honest
 *                  validators disagree on what is prepared and decided
 *  - cherryPick:   as new leader, proves its view with the quorum of view changes that
 *                  reports the lowest prepared certificate (hiding its own; sometimes too
 *                  few to be a quorum), and proposes what that allows
 */
export const BEHAVIOURS = [
  'equivocate',
  'voteAll',
  'wrongHeights',
  'forge',
  'garbage',
  'viewStorm',
  'silent',
  'syncLies',
  'splitVotes',
  'cherryPick',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface ByzantineStats {
  sent: number;
}

export class ByzantineNode extends SimNode {
  readonly stats: ByzantineStats = { sent: 0 };
  /** Prepared proposals seen in view changes, by hash: what a cherry-picked proof may oblige. */
  private readonly preparedPayloads = new Map<string, Uint8Array>();

  constructor(
    index: number,
    key: KeyPair,
    env: NodeEnv,
    rng: Prng,
    readonly behaviours: ReadonlySet<Behaviour>,
  ) {
    super(index, key, env, rng);
  }

  private has(b: Behaviour): boolean {
    return this.behaviours.has(b);
  }

  private sendBytes(to: number | null, bytes: Uint8Array): void {
    this.stats.sent++;
    const env: Envelope = { kind: 'pbft', bytes };
    if (to === null) this.env.net.broadcast(this.index, env);
    else this.env.net.send(this.index, to, env);
  }

  private others(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.env.net.size; i++) if (i !== this.index) out.push(i);
    return out;
  }

  protected override outgoing(msg: PbftMessage, to: number | null): void {
    const rng = this.rng;
    if (this.has('silent') && (msg.type === MsgType.PrePrepare || rng.chance(0.5))) return;
    if (this.has('cherryPick') && msg.type === MsgType.PrePrepare && msg.view > 0 && to === null)
      msg = this.cherryPick(msg);
    if (this.has('equivocate') && msg.type === MsgType.PrePrepare && to === null) this.equivocate(msg);
    else if (this.has('splitVotes') && (msg.type === MsgType.Prepare || msg.type === MsgType.Commit) && to === null) {
      const peers = rng.shuffle(this.others());
      for (const peer of peers.slice(0, rng.range(1, peers.length))) super.outgoing(msg, peer);
    } else super.outgoing(msg, to);
    if (msg.type === MsgType.Decision) return;
    if (this.has('wrongHeights') && rng.chance(0.3)) this.wrongHeight(msg);
    if (this.has('forge') && rng.chance(0.3)) this.forge(msg);
    if (this.has('garbage') && rng.chance(0.3)) this.garbage(msg);
    if (this.has('viewStorm') && (msg.type === MsgType.ViewChange || rng.chance(0.2)))
      this.viewStorm(msg.height, msg.view);
  }

  protected override observe(_from: number, msg: PbftMessage): void {
    if (msg.type === MsgType.ViewChange && msg.payload)
      this.preparedPayloads.set(hexKey(msg.prepared!.hash), msg.payload);
    if (!this.has('voteAll') || msg.type !== MsgType.PrePrepare || msg.height !== this.chain.length) return;
    const hash = this.env.suite.hash(msg.payload);
    const { suite } = this.env;
    this.sendBytes(null, encodeMessage(makePrepare(suite, this.signer, this.index, msg.height, msg.view, hash)));
    this.sendBytes(null, encodeMessage(makeCommit(suite, this.signer, this.index, msg.height, msg.view, hash)));
  }

  protected override serveSync(from: number, height: number): void {
    if (!this.has('syncLies') || height >= this.chain.length) return super.serveSync(from, height);
    const real = this.chain[height];
    const parent = this.chain[height - 1];
    const forged = buildFakeBlock(this.env.suite, parent, this.rng.bytes(12));
    const tampered = this.rng.chance(0.5)
      ? // a different block under the real certificate
        { payload: forged, certificate: real.certificate! }
      : // the real block with one signature corrupted
        {
          payload: real.payload,
          certificate: {
            view: real.certificate!.view,
            signatures: real.certificate!.signatures.map(([i, s], k) => [i, k === 0 ? flip(s, this.rng) : s] as const),
          },
        };
    this.env.net.send(this.index, from, { kind: 'syncResponse', blocks: [tampered] });
  }

  /** The legal-looking new view that is least bound by what was prepared before. */
  private cherryPick(msg: PrePrepareMsg): PrePrepareMsg {
    const { suite } = this.env;
    const validators = this.env.validatorsAt(this.chain.length);
    // Its own view change it simply re-signs without the certificate it holds.
    const candidates = msg.viewChanges.map((vc) =>
      vc.signer === this.index ? makeViewChange(suite, this.signer, this.index, vc.height, vc.view, null, null) : vc,
    );
    // Half the time it also tries a proof too small to be valid (f+1 view changes).
    const size = this.rng.chance(0.5) ? validators.quorum : validators.faulty + 1;
    const proof = candidates.sort((a, b) => (a.prepared?.view ?? -1) - (b.prepared?.view ?? -1)).slice(0, size);
    let highest: PreparedCertificate | null = null;
    for (const vc of proof) if (vc.prepared && (!highest || vc.prepared.view > highest.view)) highest = vc.prepared;
    const parent = this.chain[msg.height - 1];
    let payload: Uint8Array | undefined;
    if (!highest) payload = parent ? buildFakeBlock(suite, parent, this.rng.bytes(16)) : undefined;
    else
      payload = equalBytes(suite.hash(msg.payload), highest.hash)
        ? msg.payload
        : this.preparedPayloads.get(hexKey(highest.hash));
    if (!payload) return msg;
    proof.sort((a, b) => a.signer - b.signer);
    const hash = suite.hash(payload);
    // Its own core votes for what it would honestly have proposed; it votes for this instead.
    this.sendBytes(null, encodeMessage(makePrepare(suite, this.signer, this.index, msg.height, msg.view, hash)));
    this.sendBytes(null, encodeMessage(makeCommit(suite, this.signer, this.index, msg.height, msg.view, hash)));
    return makePrePrepare(suite, this.signer, this.index, msg.height, msg.view, hash, payload, proof);
  }

  /** Block A to one half, block B (same height and parent, correct state root) to the other. */
  private equivocate(msg: PrePrepareMsg): void {
    const { suite } = this.env;
    const block = decodeFakeBlock(msg.payload);
    const parent = this.chain[block.height - 1];
    const altPayload =
      parent && equalBytes(parent.hash, block.parentHash)
        ? buildFakeBlock(suite, parent, this.rng.bytes(16))
        : msg.payload;
    const alt = makePrePrepare(
      suite,
      this.signer,
      this.index,
      msg.height,
      msg.view,
      suite.hash(altPayload),
      altPayload,
      msg.viewChanges,
    );
    const peers = this.rng.shuffle(this.others());
    const half = this.rng.range(1, peers.length - 1);
    peers.forEach((to, k) => {
      this.sendBytes(to, encodeMessage(k < half ? msg : alt));
    });
  }

  private wrongHeight(msg: Exclude<PbftMessage, { type: 5 }>): void {
    const { suite } = this.env;
    const height = Math.max(0, msg.height + this.rng.pick([-3, -1, 1, 2, 5, 100, 2 ** 40]));
    const view = this.rng.chance(0.5) ? msg.view : msg.view + this.rng.pick([1, 3, 1000]);
    const hash = msg.type === MsgType.Prepare || msg.type === MsgType.Commit ? msg.hash : this.rng.bytes(32);
    const make = this.rng.chance(0.5) ? makePrepare : makeCommit;
    this.sendBytes(null, encodeMessage(make(suite, this.signer, this.index, height, view, hash)));
  }

  private forge(msg: Exclude<PbftMessage, { type: 5 }>): void {
    const { suite } = this.env;
    const validators = this.env.validatorsAt(this.chain.length);
    const victim = this.rng.pick(this.others());
    const hash = msg.type === MsgType.Prepare || msg.type === MsgType.Commit ? msg.hash : this.rng.bytes(32);
    const fakeSigs = (k: number): Array<readonly [number, Uint8Array]> =>
      Array.from({ length: k }, (_, i) => [i, this.rng.bytes(suite.signatureLength)] as const);
    switch (this.rng.int(4)) {
      case 0: {
        // a vote under another validator's index, signed with our own key or with noise
        const v = makeCommit(suite, this.signer, this.index, msg.height, msg.view, hash);
        const signature = this.rng.chance(0.5) ? v.signature : this.rng.bytes(v.signature.length);
        this.sendBytes(
          null,
          encodeMessage({
            ...v,
            type: this.rng.chance(0.5) ? MsgType.Commit : MsgType.Prepare,
            signer: victim,
            signature,
          }),
        );
        return;
      }
      case 1: {
        // a view change carrying a prepared certificate with forged signatures
        const payload = buildFakeBlock(suite, this.head, this.rng.bytes(8));
        const prepared = { view: msg.view, hash: suite.hash(payload), signatures: fakeSigs(validators.quorum) };
        this.sendBytes(
          null,
          encodeMessage(makeViewChange(suite, this.signer, this.index, msg.height, msg.view + 1, prepared, payload)),
        );
        return;
      }
      case 2: {
        // a decision with a forged commit certificate
        const payload = buildFakeBlock(suite, this.head, this.rng.bytes(8));
        const certificate = { view: msg.view, signatures: fakeSigs(validators.quorum) };
        this.sendBytes(
          null,
          encodeMessage({ type: MsgType.Decision, height: this.chain.length, payload, certificate }),
        );
        return;
      }
      default: {
        // a new-view for a view it does not lead, or with a proof of forged view changes
        const payload = buildFakeBlock(suite, this.head, this.rng.bytes(8));
        const proof: ViewChangeMsg[] = this.others().map((signer) => ({
          type: MsgType.ViewChange,
          height: msg.height,
          view: msg.view + 1,
          signer,
          prepared: null,
          payload: null,
          signature: this.rng.bytes(suite.signatureLength),
        }));
        this.sendBytes(
          null,
          encodeMessage(
            makePrePrepare(
              suite,
              this.signer,
              this.index,
              msg.height,
              msg.view + 1,
              suite.hash(payload),
              payload,
              proof,
            ),
          ),
        );
      }
    }
  }

  private garbage(msg: PbftMessage): void {
    const real = encodeMessage(msg);
    const rng = this.rng;
    let bytes: Uint8Array;
    switch (rng.int(5)) {
      case 0:
        bytes = rng.bytes(rng.int(200));
        break;
      case 1:
        bytes = real.subarray(0, rng.int(real.length));
        break;
      case 2:
        bytes = flip(real, rng);
        break;
      case 3:
        bytes = encodeCanonical([msg.type, rng.bytes(8), 'junk', [1, [2, [3]]]]);
        break;
      default:
        // valid msgpack, wrong block inside a pre-prepare-shaped message
        bytes = encodeCanonical([
          MsgType.PrePrepare,
          msg.height,
          0,
          this.index,
          encodeFakeBlock({ height: -1, parentHash: rng.bytes(32), stateRoot: rng.bytes(32), body: rng.bytes(4) }),
          [],
          rng.bytes(96),
        ]);
    }
    this.sendBytes(rng.chance(0.5) ? null : rng.pick(this.others()), bytes);
  }

  private viewStorm(height: number, current: number): void {
    const { suite } = this.env;
    for (const view of [current + 1, current + 5, current + 10_000, 2 ** 50]) {
      this.sendBytes(null, encodeMessage(makeViewChange(suite, this.signer, this.index, height, view, null, null)));
    }
  }
}

function flip(bytes: Uint8Array, rng: Prng): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length > 0) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}
