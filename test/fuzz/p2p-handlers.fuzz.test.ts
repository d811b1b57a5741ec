/**
 * Fuzzing every p2p protocol handler with what a peer can send: transaction batches,
 * block-sync requests and responses, and consensus messages. A handler may refuse, log
 * and penalise; it may not throw past its own boundary, hang, or change the chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSuiteToChain, createValidatorSet, decodeMessage, encodeMessage, PbftCore } from '../../consensus/index.js';
import { makeCommit, makePrePrepare, makePrepare, makeViewChange } from '../../consensus/pbft/messages.js';
import { Chain } from '../../node/chain/chain.js';
import { SerialQueue } from '../../node/chain/serial-queue.js';
import { consensusSuiteOf, validatorSetOf } from '../../node/chain/validators.js';
import { blockHash, encodeBlock } from '../../node/codec/block.js';
import { CodecError, encodeCanonical } from '../../node/codec/canonical.js';
import { toHex } from '../../node/codec/hex.js';
import { decodeTx } from '../../node/codec/tx.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { parseGenesis } from '../../node/config/genesis.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { SignatureRecoveryPool } from '../../node/crypto/verify-pool.js';
import { PbftEngine } from '../../node/engine/pbft.js';
import { TxGossip } from '../../node/engine/tx-gossip.js';
import { NODE_DEFAULTS } from '../../node/config/defaults.js';
import { PeerPenalties } from '../../node/p2p/index.js';
import { fuzzParams, hostileBytes } from '../helpers/fuzz.js';
import { testBlockSync } from '../helpers/block-sync.js';
import { captureLogger, FakeNet } from '../helpers/fakes.js';
import { chainPool } from '../helpers/pools.js';

const suite = createEcdsaSuite();
const user = suite.generateKeyPair();
const validatorKeys = [31, 32, 33, 34].map((i) => suite.keyPairFromSecret(new Uint8Array(32).fill(i)));
const genesis = parseGenesis({
  chainId: 'fuzz',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: validatorKeys.map((k) => toHex(k.publicKey)),
  committee: { members: [{ address: toHex(user.address) }] },
});
const PEER = 'ab'.repeat(64);
let dir: string;
let chain: Chain;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lingding-fuzz-'));
  chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
});
afterAll(async () => {
  await chain.close();
  rmSync(dir, { recursive: true, force: true });
});

const signedTx = fc
  .record({ input: fc.uint8Array({ maxLength: 32 }), chainId: fc.constantFrom('fuzz', 'other') })
  .map(({ input, chainId }) => buildSignedTx(suite, { chainId, height: 0, to: null, input }, user.secretKey).raw);
const txBatch = fc.array(signedTx, { maxLength: 3 }).map((raws) => encodeCanonical(raws));

describe('fuzz: p2p protocol handlers', () => {
  it('tx gossip: a hostile batch is dropped or admitted transaction by transaction; nothing escapes', async () => {
    const net = new FakeNet();
    const pool = chainPool(chain);
    const gossip = new TxGossip({
      net: net.asNetwork(),
      submit: async (raw) => pool.add(raw),
      pending: () => [],
      stale: () => [],
      logger: captureLogger().logger,
      // Never penalised: every hostile input must reach the decoder.
      penalties: new PeerPenalties({ maxBadMessages: Number.MAX_SAFE_INTEGER, windowMs: 1_000, penaltyMs: 0 }),
    });
    gossip.start();
    try {
      await fc.assert(
        fc.asyncProperty(hostileBytes(txBatch), async (bytes) => {
          net.deliver('tx', PEER, bytes);
          await new Promise((r) => setImmediate(r)); // let admissions settle: none may reject unhandled
        }),
        fuzzParams(400),
      );
      // Only well-formed, correctly signed transactions of this chain got in.
      for (const e of pool.pending(1_000)) expect(e.tx.chainId).toBe('fuzz');
    } finally {
      gossip.stop();
    }
    expect(chain.head.number).toBe(0);
  });

  it('block sync: hostile requests get a CodecError or an answer; hostile responses penalise the peer', async () => {
    const net = new FakeNet();
    const { logger, records } = captureLogger();
    // Serving rate high enough that every hostile request reaches the decoder.
    const sync = testBlockSync(chain, net.asNetwork(), { penaltyMs: 1, maxServedRequestsPerSecond: 10_000, logger });
    sync.start();
    // The round the poll timer runs, called directly so each input gets exactly one.
    const round = () => (sync as unknown as { round(): Promise<void> }).round();
    try {
      const request = fc.oneof(
        fc.tuple(fc.integer(), fc.integer()).map((t) => encodeCanonical(t)),
        fc.constant(encodeCanonical([0, 5])),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('status', 'blocks'), hostileBytes(request), async (method, bytes) => {
          try {
            const answer = await net.requestHandlers.get(method)!(PEER, bytes);
            expect(answer).toBeInstanceOf(Uint8Array);
          } catch (e) {
            if (!(e instanceof CodecError)) throw e;
          }
        }),
        fuzzParams(400),
      );
      // The requesting side: a peer claiming to be ahead answers with garbage.
      let reply: Uint8Array = new Uint8Array();
      net.addPeer(PEER, (method) => (method === 'status' ? encodeCanonical([5, new Uint8Array(32)]) : reply));
      await fc.assert(
        fc.asyncProperty(hostileBytes(fc.constant(encodeCanonical([])), 512), async (bytes) => {
          reply = bytes;
          await round(); // one poll-and-fetch round, as the poll timer runs it
        }),
        fuzzParams(150),
      );
      expect(chain.head.number).toBe(0);
      expect(records.some((r) => r.msg === 'sync peer penalised')).toBe(true);
    } finally {
      sync.stop();
    }
  });

  it('PBFT engine: raw bytes from a peer are dropped or handled; no step fails, nothing commits, it stays responsive', async () => {
    const { logger, records } = captureLogger();
    const net = new FakeNet();
    // This node is validator 0; the hostile peer holds validator 1's key, so no message it
    // sends can make a quorum with this node's own votes (3 of 4 needed).
    const engine = new PbftEngine(
      {
        secretKey: validatorKeys[0].secretKey,
        safetyFile: join(dir, 'engine-fuzz.safety'),
        // No proposal of its own and no view change during the run: only peer input acts.
        emptyBlockIntervalMs: 3_600_000,
        minSealDelayMs: 0,
        timeouts: { baseMs: 3_600_000, maxMs: 3_600_000 },
        maxClockDriftMs: NODE_DEFAULTS.consensus.maxClockDriftMs,
        maxInboundBytesPerPeer: NODE_DEFAULTS.consensus.maxInboundBytesPerPeer,
      },
      {
        chain,
        pool: chainPool(chain),
        recovery: new SignatureRecoveryPool(suite, { workers: 0 }),
        net: net.asNetwork(),
        queue: new SerialQueue(),
        logger,
        // Never penalised, so every hostile message reaches the decoder and the core.
        penalties: new PeerPenalties({ maxBadMessages: Number.MAX_SAFE_INTEGER, windowMs: 1_000, penaltyMs: 0 }),
      },
    );
    const bound = consensusSuiteOf(chain);
    const validators = validatorSetOf(chain);
    const peer = {
      publicKey: validatorKeys[1].publicKey,
      sign: (d: Uint8Array) => bound.sign(d, validatorKeys[1].secretKey),
    };
    // Real blocks at height 1 proposed by the peer (the leader of some views), dated now or far ahead.
    const signed = buildSignedTx(
      suite,
      { chainId: 'fuzz', height: 0, to: null, input: Uint8Array.of(1) },
      user.secretKey,
    );
    const ready = { tx: decodeTx(signed.raw), hash: signed.hash, sender: user.address, size: signed.raw.length };
    const blocks = [0, 1, 2, 3, 5].flatMap((view) =>
      [1_700_000_000_000, Number.MAX_SAFE_INTEGER].map((timestamp) => {
        const b = chain.buildBlock([ready], { timestamp, proposer: 1, view }).block;
        return { payload: encodeBlock(b), hash: blockHash(bound, b.header) };
      }),
    );
    const message = fc
      .record({
        kind: fc.nat(3),
        // Mostly the current height and view, where messages reach the executor and the votes.
        height: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 4 })),
        view: fc.oneof(fc.constant(0), fc.nat(6)),
        block: fc.constantFrom(...blocks),
        randomHash: fc.boolean(),
      })
      .map(({ kind, height, view, block, randomHash }) => {
        const hash = randomHash ? suite.hash(Uint8Array.of(kind, height, view)) : block.hash;
        const m = [
          () => makePrePrepare(bound, peer, 1, height, view, hash, block.payload, []),
          () => makePrepare(bound, peer, 1, height, view, hash),
          () => makeCommit(bound, peer, 1, height, view, hash),
          () => makeViewChange(bound, peer, 1, height, view, null, null),
        ][kind]();
        return encodeMessage(m);
      });
    expect(validators.size).toBe(4);
    await engine.start();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 3, arbitrary: message }, // intact: what gets past decoding to the core and the executor
            { weight: 4, arbitrary: hostileBytes(message, 512) },
            { weight: 1, arbitrary: fc.uint8Array({ minLength: 1 << 16, maxLength: 1 << 16 }) },
          ),
          fc.constantFrom(PEER, 'cd'.repeat(64)),
          async (bytes, from) => {
            net.deliver('consensus', from, bytes);
            // The engine's input is serial: an empty step queued behind the message runs once it has been handled.
            await engine.input(() => []);
          },
        ),
        fuzzParams(300),
      );
      expect(records.filter((r) => r.msg === 'consensus step failed')).toEqual([]);
      expect(chain.head.number).toBe(0);
      expect(engine.status()).toMatchObject({ height: 1 });
    } finally {
      await engine.stop();
    }
  });

  it('PBFT core: any message that decodes is handled without an exception', () => {
    const bound = bindSuiteToChain(suite, new Uint8Array(32).fill(5));
    const signers = validatorKeys.map((k) => ({
      publicKey: k.publicKey,
      sign: (d: Uint8Array) => bound.sign(d, k.secretKey),
    }));
    const validators = createValidatorSet(validatorKeys.map((k) => k.publicKey));
    const core = new PbftCore({
      suite: bound,
      signer: signers[0],
      inspector: {
        inspect: () => ({
          height: 1,
          parentHash: new Uint8Array(32),
          stateRoot: new Uint8Array(32),
          hash: new Uint8Array(32),
        }),
      },
    });
    core.startHeight({ height: 1, parentHash: new Uint8Array(32), validators });
    const message = fc
      .record({ kind: fc.nat(3), signer: fc.nat(3), height: fc.integer({ min: 0, max: 12 }), view: fc.nat(80) })
      .map(({ kind, signer, height, view }) => {
        const s = signers[signer];
        const hash = new Uint8Array(32);
        const m = [
          () => makePrePrepare(bound, s, signer, height, view, hash, Uint8Array.of(1), []),
          () => makePrepare(bound, s, signer, height, view, hash),
          () => makeCommit(bound, s, signer, height, view, hash),
          () => makeViewChange(bound, s, signer, height, view, null, null),
        ][kind]();
        return encodeMessage(m);
      });
    fc.assert(
      fc.property(hostileBytes(message), (bytes) => {
        let msg: ReturnType<typeof decodeMessage>;
        try {
          msg = decodeMessage(bytes);
        } catch (e) {
          if (e instanceof CodecError) return;
          throw e;
        }
        core.onMessage('peer', msg);
      }),
      fuzzParams(800),
    );
    expect(core.status().buffered).toBeLessThanOrEqual(256 * 1);
  });
});
