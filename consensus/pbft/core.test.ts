import { describe, expect, it } from 'vitest';
import { decodeCanonical, encodeCanonical } from '../../node/codec/canonical.js';
import { hexKey } from '../../node/codec/hex.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { PbftCore } from './core.js';
import { bindSuiteToChain } from './chain-binding.js';
import { verifyCommitCertificate } from './certificates.js';
import {
  decodeMessage,
  encodeMessage,
  makeCommit,
  makePrepare,
  makePrePrepare,
  makeViewChange,
  MsgType,
  type PbftMessage,
  type Signer,
} from './messages.js';
import { initialSafetyState, type SafetyState } from './safety.js';
import type { Action, Proposal, ProposalInspector } from './types.js';
import { createValidatorSet } from './validators.js';

// A synchronous four-validator cluster: messages go through the codec and a FIFO queue,
// execution is instant, timers fire only when a test says so.
// Consensus signs for one chain: a fixed tag stands for (chain id, genesis hash) here.
const suite = bindSuiteToChain(createEcdsaSuite(), new Uint8Array(32).fill(0xc4));
const keys = [11, 12, 13, 14].map((i) => suite.keyPairFromSecret(new Uint8Array(32).fill(i)));
const signers: Signer[] = keys.map((k) => ({ publicKey: k.publicKey, sign: (d) => suite.sign(d, k.secretKey) }));
const validators = createValidatorSet(keys.map((k) => k.publicKey));
const GENESIS = { hash: new Uint8Array(32), stateRoot: new Uint8Array(32).fill(1) };

const inspector: ProposalInspector = {
  inspect(payload) {
    const v = decodeCanonical(payload) as [number, Uint8Array, Uint8Array, Uint8Array];
    if (!Array.isArray(v) || v.length !== 4) throw new Error('not a test block');
    return { height: v[0], parentHash: v[1], stateRoot: v[2], hash: suite.hash(payload) };
  },
};
const execute = (parentRoot: Uint8Array, body: Uint8Array): Uint8Array =>
  suite.hash(encodeCanonical([parentRoot, body]));
const block = (
  height: number,
  parent: { hash: Uint8Array; stateRoot: Uint8Array },
  body: number,
  lieAboutState = false,
): Uint8Array =>
  encodeCanonical([
    height,
    parent.hash,
    lieAboutState ? new Uint8Array(32) : execute(parent.stateRoot, Uint8Array.of(body)),
    Uint8Array.of(body),
  ]);

interface ClusterOptions {
  /** Validators that never start. */
  readonly down?: readonly number[];
  /** Validators that, as leaders, claim a wrong state root. */
  readonly lie?: readonly number[];
  /** Leaders build no block above this height, so the cluster settles. */
  readonly stopAt?: number;
  /** Return false to drop a message. */
  readonly link?: (from: number, to: number, msg: PbftMessage) => boolean;
  /** Safety state each validator starts with (as if read from its safety file). */
  readonly safety?: Readonly<Record<number, SafetyState>>;
  /** The validator set from height 2 on (governance changed it at height 1). */
  readonly laterValidators?: ReturnType<typeof createValidatorSet>;
}

class Cluster {
  readonly cores: PbftCore[];
  readonly commits: Array<Array<{ proposal: Proposal; view: number }>> = [[], [], [], []];
  readonly logs: Array<Array<Action & { type: 'log' }>> = [[], [], [], []];
  readonly safety: Array<SafetyState | null> = [null, null, null, null];
  readonly proposes: Array<Array<{ height: number; view: number }>> = [[], [], [], []];
  private readonly queue: Array<{ from: number; to: number; msg: PbftMessage }> = [];
  link: (from: number, to: number, msg: PbftMessage) => boolean;
  private readonly down: Set<number>;
  private bodies = 0;

  constructor(private readonly opts: ClusterOptions = {}) {
    this.down = new Set(opts.down);
    this.link = opts.link ?? (() => true);
    this.cores = signers.map(
      (signer, i) =>
        new PbftCore({ suite, signer, inspector, timeouts: { baseMs: 1000, maxMs: 4000 }, safety: opts.safety?.[i] }),
    );
    this.cores.forEach((c, i) => {
      if (!this.down.has(i)) this.apply(i, c.startHeight({ height: 1, parentHash: GENESIS.hash, validators }));
    });
    this.run();
  }

  head(i: number): { hash: Uint8Array; stateRoot: Uint8Array } {
    const last = this.commits[i].at(-1);
    return last ? { hash: last.proposal.header.hash, stateRoot: last.proposal.header.stateRoot } : GENESIS;
  }

  apply(i: number, actions: Action[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'broadcast':
          for (let to = 0; to < 4; to++) if (to !== i) this.queue.push({ from: i, to, msg: a.msg });
          break;
        case 'send':
          this.queue.push({ from: i, to: Number(a.to), msg: a.msg });
          break;
        case 'setTimer':
          break; // tests fire timeouts explicitly
        case 'execute': {
          const v = decodeCanonical(a.proposal.payload) as [number, Uint8Array, Uint8Array, Uint8Array];
          this.apply(
            i,
            this.cores[i].onBlockExecuted(
              a.proposal.header.height,
              a.proposal.header.hash,
              execute(this.head(i).stateRoot, v[3]),
            ),
          );
          break;
        }
        case 'propose':
          this.proposes[i].push({ height: a.height, view: a.view });
          if (a.height > (this.opts.stopAt ?? Infinity)) break;
          this.apply(
            i,
            this.cores[i].onProposalReady(block(a.height, this.head(i), ++this.bodies, this.opts.lie?.includes(i))),
          );
          break;
        case 'commit':
          this.commits[i].push({ proposal: a.proposal, view: a.certificate.view });
          expect(
            verifyCommitCertificate(suite, validators, a.proposal.header.height, a.proposal.header.hash, a.certificate),
          ).toEqual({ ok: true });
          this.apply(
            i,
            this.cores[i].startHeight({
              height: a.proposal.header.height + 1,
              parentHash: a.proposal.header.hash,
              validators: this.opts.laterValidators ?? validators,
            }),
          );
          break;
        case 'persistSafety':
          this.safety[i] = a.state;
          break;
        case 'log':
          this.logs[i].push(a);
          break;
      }
    }
  }

  run(): void {
    for (let n = 0; this.queue.length > 0; n++) {
      if (n > 100_000) throw new Error('cluster does not settle');
      const { from, to, msg } = this.queue.shift()!;
      if (this.down.has(to) || !this.link(from, to, msg)) continue;
      this.apply(to, this.cores[to].onMessage(String(from), decodeMessage(encodeMessage(msg))));
    }
  }

  /** Fires the current view's timer of the given validators (default: all that are up). */
  timeout(which = [0, 1, 2, 3]): void {
    for (const i of which) {
      if (this.down.has(i)) continue;
      const { height, view } = this.cores[i].status();
      this.apply(i, this.cores[i].onTimeout(`pbft/${height}/${view}`));
    }
    this.run();
  }

  inject(to: number, msg: PbftMessage, from = 'peer'): Action[] {
    const actions = this.cores[to].onMessage(from, msg);
    this.apply(to, actions);
    this.run();
    return actions;
  }

  heights(): number[] {
    return this.commits.map((c) => c.length);
  }

  logged(i: number, pattern: RegExp): boolean {
    return this.logs[i].some((l) => pattern.test(l.msg));
  }
}

const hashAt = (c: Cluster, i: number, height: number): string => hexKey(c.commits[i][height - 1].proposal.header.hash);
const prepareSig = (i: number, height: number, view: number, hash: Uint8Array) =>
  [i, makePrepare(suite, signers[i], i, height, view, hash).signature] as const;

describe('PbftCore', () => {
  it('commits one block per height on a healthy network, leaders rotating', () => {
    const c = new Cluster({ stopAt: 3 });
    expect(c.heights()).toEqual([3, 3, 3, 3]);
    for (let h = 1; h <= 3; h++) expect(new Set(c.commits.map((_, i) => hashAt(c, i, h))).size).toBe(1);
    expect(c.proposes[1][0]).toEqual({ height: 1, view: 0 });
    expect(c.proposes[2][0]).toEqual({ height: 2, view: 0 });
    expect(c.commits[0].every((x) => x.view === 0)).toBe(true);
    expect(c.cores[0].status()).toMatchObject({ height: 4, view: 0, phase: 'voting', leader: 0, index: 0 });
  });

  it('changes view past a crashed leader and commits with the next one', () => {
    const c = new Cluster({ down: [1], stopAt: 1 }); // validator 1 leads (1, 0)
    expect(c.heights()).toEqual([0, 0, 0, 0]);
    c.timeout();
    expect(c.heights()).toEqual([1, 0, 1, 1]);
    expect(c.commits[0][0].view).toBe(1);
    expect(c.proposes[2]).toContainEqual({ height: 1, view: 1 });
  });

  it('re-proposes the prepared block after a view change (no commit got through)', () => {
    const c = new Cluster({ stopAt: 1, link: (_f, _t, m) => m.type !== MsgType.Commit });
    expect(c.heights()).toEqual([0, 0, 0, 0]);
    const prepared = c.safety[0]!.prepared!;
    expect(prepared.view).toBe(0);
    c.link = () => true;
    c.timeout();
    expect(c.heights()).toEqual([1, 1, 1, 1]);
    expect(hashAt(c, 0, 1)).toBe(hexKey(prepared.hash));
    expect(c.commits[0][0].view).toBe(1);
    expect(c.proposes[2]).not.toContainEqual({ height: 1, view: 1 }); // re-proposed, not built
  });

  it('does not prepare a block whose claimed state root differs from its own execution', () => {
    const c = new Cluster({ lie: [1], stopAt: 1 });
    expect(c.heights()).toEqual([0, 0, 0, 0]);
    expect(c.logged(0, /state root differs/)).toBe(true);
    c.timeout();
    expect(c.heights()).toEqual([1, 1, 1, 1]);
    expect(c.commits[0][0].view).toBe(1);
  });

  it('sends the decision to a validator stuck one height behind', () => {
    const c = new Cluster({ stopAt: 1, link: (_f, to, m) => !(to === 3 && m.type === MsgType.Commit) });
    expect(c.heights()).toEqual([1, 1, 1, 0]);
    c.timeout([3]);
    expect(c.heights()).toEqual([1, 1, 1, 1]);
    expect(hashAt(c, 3, 1)).toBe(hashAt(c, 0, 1));
  });

  it('sends that decision once per peer, however often a view change for the height is replayed', () => {
    const c = new Cluster({ stopAt: 1, link: (_f, to, m) => !(to === 3 && m.type === MsgType.Commit) });
    const vc = makeViewChange(suite, signers[3], 3, 1, 1, null, null);
    const sent = Array.from({ length: 5 }, () => c.cores[0].onMessage('3', vc))
      .flat()
      .filter((a) => a.type === 'send');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: '3', msg: { type: MsgType.Decision, height: 1 } });
  });

  it('checks a view change for the decided height against the validator set of that height', () => {
    // From height 2 validator 3's seat goes to a new key; validator 3, still at height 1, asks.
    const newcomer = suite.keyPairFromSecret(new Uint8Array(32).fill(99));
    const laterValidators = createValidatorSet([...keys.slice(0, 3).map((k) => k.publicKey), newcomer.publicKey]);
    const c = new Cluster({
      stopAt: 1,
      laterValidators,
      link: (_f, to, m) => !(to === 3 && m.type === MsgType.Commit),
    });
    const vc = makeViewChange(suite, signers[3], 3, 1, 1, null, null);
    const sent = c.cores[0].onMessage('3', vc).filter((a) => a.type === 'send');
    expect(sent).toHaveLength(1);
  });

  it('a validator whose safety state is a height ahead (a lost safety file) sits that height out, then votes', () => {
    const votesBy3: Array<{ type: number; height: number }> = [];
    const c = new Cluster({
      stopAt: 2,
      safety: { 3: initialSafetyState(2) },
      link: (from, _to, m) => {
        if (from === 3 && m.type !== MsgType.Decision) votesBy3.push({ type: m.type, height: m.height });
        return true;
      },
    });
    expect(c.heights()).toEqual([2, 2, 2, 2]); // it still follows: commits height 1 on the others' votes
    expect(votesBy3.filter((v) => v.height === 1)).toEqual([]);
    expect(votesBy3.some((v) => v.height === 2 && v.type === MsgType.Commit)).toBe(true);
  });

  it('joins a view change only when f+1 others are ahead, and ignores absurd views', () => {
    const c = new Cluster({ stopAt: 0 }); // everyone waits in (1, 0)
    const vc = (i: number, view: number) => makeViewChange(suite, signers[i], i, 1, view, null, null);
    c.inject(0, vc(3, 5));
    expect(c.cores[0].status().view).toBe(0);
    c.inject(0, vc(2, 1_000));
    expect(c.logged(0, /view too far ahead/)).toBe(true);
    expect(c.cores[0].status().view).toBe(0);
    c.inject(0, vc(2, 3));
    expect(c.cores[0].status()).toMatchObject({ view: 3, phase: 'view-change' });
  });

  it('moves past a view-change view only once a quorum asked for it, asking again meanwhile', () => {
    const c = new Cluster({ stopAt: 0, link: () => false });
    c.timeout([0]);
    expect(c.cores[0].status()).toMatchObject({ view: 1, phase: 'view-change' });
    c.timeout([0]);
    expect(c.cores[0].status().view).toBe(1);
    expect(c.logged(0, /lacks a quorum; asking again/)).toBe(true);
    c.link = () => true;
    c.timeout([1, 2]); // now three validators ask for view 1 (its leader, 2, has no block to propose)
    c.timeout([0]);
    expect(c.cores[0].status().view).toBe(2);
  });

  it('drops messages from non-validators, with bad signatures, or for past heights; buffers future ones', () => {
    const c = new Cluster({ stopAt: 1 });
    const hash = c.commits[0][0].proposal.header.hash;
    c.inject(0, { ...makePrepare(suite, signers[1], 1, 2, 0, hash), signer: 9 });
    expect(c.logged(0, /non-validator/)).toBe(true);
    c.inject(0, { ...makePrepare(suite, signers[1], 1, 2, 0, hash), signer: 2 });
    expect(c.logged(0, /prepare signature invalid/)).toBe(true);
    c.inject(0, makeCommit(suite, signers[1], 1, 1, 0, hash));
    expect(c.logged(0, /past height/)).toBe(true);
    c.inject(0, makePrepare(suite, signers[1], 1, 3, 0, hash));
    expect(c.cores[0].status().buffered).toBe(1);
    c.inject(0, makePrepare(suite, signers[1], 1, 2 + 100, 0, hash));
    expect(c.logged(0, /too far in the future/)).toBe(true);
  });

  it('caps the future-message buffer per peer', () => {
    const core = new PbftCore({ suite, signer: signers[0], inspector, limits: { perPeerBuffer: 2 } });
    core.startHeight({ height: 1, parentHash: GENESIS.hash, validators });
    const hash = suite.hash(new Uint8Array([7]));
    const out = [2, 3, 4].flatMap((h) => core.onMessage('flooder', makePrepare(suite, signers[1], 1, h, 0, hash)));
    expect(core.status().buffered).toBe(2);
    expect(out.some((a) => a.type === 'log' && /buffer full/.test(a.msg))).toBe(true);
    core.onMessage('other', makePrepare(suite, signers[2], 2, 2, 0, hash));
    expect(core.status().buffered).toBe(3);
  });

  it('rejects a new view that does not re-propose the highest prepared block, or lacks a quorum', () => {
    const c = new Cluster({ down: [1], stopAt: 0 }); // stuck in (1, 0); validator 2 leads (1, 1)
    const X = suite.hash(new Uint8Array([1]));
    const prepared = {
      view: 0,
      hash: X,
      signatures: [prepareSig(0, 1, 0, X), prepareSig(2, 1, 0, X), prepareSig(3, 1, 0, X)],
    };
    const proof = [
      makeViewChange(suite, signers[0], 0, 1, 1, null, null),
      makeViewChange(suite, signers[1], 1, 1, 1, null, null),
      makeViewChange(suite, signers[3], 3, 1, 1, prepared, null),
    ];
    const other = block(1, GENESIS, 99);
    c.inject(0, makePrePrepare(suite, signers[2], 2, 1, 1, suite.hash(other), other, proof));
    expect(c.logged(0, /does not re-propose the highest prepared block/)).toBe(true);
    c.inject(0, makePrePrepare(suite, signers[2], 2, 1, 1, suite.hash(other), other, proof.slice(0, 2)));
    expect(c.logged(0, /proof invalid: proof has 2 view changes, 3 needed/)).toBe(true);
    c.inject(0, makePrePrepare(suite, signers[3], 3, 1, 1, suite.hash(other), other, proof));
    expect(c.logged(0, /does not lead its view/)).toBe(true);
    expect(c.cores[0].status().view).toBe(0);
  });

  it('reports a leader that equivocates within a view', () => {
    const c = new Cluster({ stopAt: 0, down: [1] });
    const a = block(1, GENESIS, 1);
    const b = block(1, GENESIS, 2);
    c.inject(0, makePrePrepare(suite, signers[1], 1, 1, 0, suite.hash(a), a, []));
    c.inject(0, makePrePrepare(suite, signers[1], 1, 1, 0, suite.hash(b), b, []));
    expect(c.logged(0, /leader equivocated/)).toBe(true);
  });

  it('never proposes twice in one view across a restart', () => {
    const c = new Cluster({ stopAt: 1, link: () => false });
    expect(c.proposes[1]).toEqual([{ height: 1, view: 0 }]);
    const restarted = new PbftCore({ suite, signer: signers[1], inspector, safety: c.safety[1]! });
    const actions = restarted.startHeight({ height: 1, parentHash: GENESIS.hash, validators });
    expect(actions.some((a) => a.type === 'propose')).toBe(false);
    expect(actions.some((a) => a.type === 'log' && /already proposed/.test(a.msg))).toBe(true);
  });

  it('ignores stale timeouts and unwanted proposals', () => {
    const c = new Cluster({ stopAt: 1 });
    expect(c.cores[0].onTimeout('pbft/1/0')).toEqual([]);
    expect(c.cores[0].onTimeout('nonsense')).toEqual([]);
    expect(c.cores[0].onProposalReady(block(2, c.head(0), 5)).filter((a) => a.type !== 'log')).toEqual([]);
  });
});
