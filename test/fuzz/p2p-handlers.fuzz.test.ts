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
import { CodecError, encodeCanonical } from '../../node/codec/canonical.js';
import { toHex } from '../../node/codec/hex.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { parseGenesis } from '../../node/config/genesis.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { SignatureRecoveryPool } from '../../node/crypto/verify-pool.js';
import { TxGossip } from '../../node/engine/tx-gossip.js';
import { BlockSync } from '../../node/sync/block-sync.js';
import { fuzzParams, hostileBytes } from '../helpers/fuzz.js';
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
    const sync = new BlockSync(
      { pollIntervalMs: 3_600_000, batchSize: 64, penaltyMs: 1 },
      {
        chain,
        pool: chainPool(chain),
        recovery: new SignatureRecoveryPool(suite, { workers: 0 }),
        net: net.asNetwork(),
        queue: new SerialQueue(),
        logger,
        onCommitted: async () => {},
      },
    );
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
