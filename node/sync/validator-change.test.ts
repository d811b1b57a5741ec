import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commitDigest, encodeMessage, MsgType, type PbftSuite } from '../../consensus/index.js';
import { proposalTx } from '../../test/helpers/committee.js';
import { captureLogger, FakeNet } from '../../test/helpers/fakes.js';
import { testBlockSync } from '../../test/helpers/block-sync.js';
import { chainPool } from '../../test/helpers/pools.js';
import { Chain } from '../chain/chain.js';
import { SerialQueue } from '../chain/serial-queue.js';
import { consensusSuiteOf, validatorSetOf } from '../chain/validators.js';
import { type CommitCertificate, encodeBlock } from '../codec/block.js';
import { hexKey, toHex } from '../codec/hex.js';
import { NODE_DEFAULTS } from '../config/defaults.js';
import { committeeOf, parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import type { KeyPair } from '../crypto/suite.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { NodeMetrics } from '../metrics/metrics.js';
import { PeerPenalties } from '../p2p/index.js';
import { PbftEngine } from '../engine/pbft.js';

/**
 * A validator removed by a committee proposal executed in block 1 signs nothing from block 2
 * on: sync and consensus both check block 2's certificate against the set in force for it,
 * which is the state after block 1 (the parent's state).
 */
const suite = createEcdsaSuite();
/** Five validators (f = 1, quorum 4); validator 4 is removed in block 1, leaving four (quorum 3). */
const v = Array.from({ length: 5 }, () => suite.generateKeyPair());
const member = suite.generateKeyPair();
const follower = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'removal',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: v.map((k) => toHex(k.publicKey)),
  committee: committeeOf([toHex(member.address)]),
});
const HOUR = 3_600_000;
const WAIT = { timeout: 30_000, interval: 20 };
const PEER = '01'.repeat(64);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let signing: PbftSuite;
async function openChain(): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-removal-'));
  const chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
  signing = consensusSuiteOf(chain);
  cleanup.push(async () => {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return chain;
}

function certify(height: number, hash: Uint8Array, signers: Array<[number, KeyPair]>): CommitCertificate {
  const digest = commitDigest(signing, height, 0, hash);
  return { view: 0, signatures: signers.map(([i, k]) => [i, suite.sign(digest, k.secretKey)] as const) };
}

/** Forged certificates of block 2 that count the removed validator's signature toward the quorum. */
const FORGED: Array<[string, Array<[number, KeyPair]>, RegExp]> = [
  [
    'at its old index',
    [
      [0, v[0]],
      [1, v[1]],
      [4, v[4]],
    ],
    /names signer 4, but there are 4 validators/,
  ],
  [
    'at the index of validator 3',
    [
      [0, v[0]],
      [1, v[1]],
      [3, v[4]],
    ],
    /signature of validator 3 is invalid/,
  ],
];

/**
 * Block 1 removes validator 4 and is certified by the genesis set with validator 4's
 * signature (still a validator at height 1); block 2 is certified by `block2Signers`.
 */
async function chainWithRemoval(block2Signers: Array<[number, KeyPair]>) {
  const a = await openChain();
  const b1 = a.buildBlock([proposalTx('removal', 0, member, { kind: 'removeNode', nodeId: v[4].publicKey })], {
    timestamp: 1001,
    proposer: 1,
    view: 0,
  });
  expect(b1.receipts[0].message).toBe('');
  await a.commit(
    b1,
    certify(1, b1.hash, [
      [1, v[1]],
      [2, v[2]],
      [3, v[3]],
      [4, v[4]],
    ]),
  );
  expect(validatorSetOf(a).size).toBe(4);
  const b2 = a.buildBlock([], { timestamp: 1002, proposer: 2 % 4, view: 0 });
  const cert2 = certify(2, b2.hash, block2Signers);
  await a.commit(b2, cert2);
  return { a, b2, cert2 };
}

async function syncFrom(source: Chain) {
  const chain = await openChain();
  const net = new FakeNet();
  const { logger, records } = captureLogger();
  const serverNet = new FakeNet();
  const server = testBlockSync(source, serverNet.asNetwork(), { batchSize: 8 });
  server.start();
  const sync = testBlockSync(chain, net.asNetwork(), { pollIntervalMs: 20, batchSize: 8, logger });
  sync.start();
  cleanup.push(
    () => sync.stop(),
    () => server.stop(),
  );
  net.addPeer(PEER, (method, bytes) => serverNet.requestHandlers.get(method)!('ff'.repeat(64), bytes));
  const penalties = () => records.filter((r) => r.msg === 'sync peer penalised').map((r) => String(r.reason));
  return { chain, penalties };
}

describe('a removed validator after its removal height', () => {
  it('sync takes a certificate signed by the set in force: the removed validator at height 1, not at 2', async () => {
    const { a } = await chainWithRemoval([
      [0, v[0]],
      [1, v[1]],
      [2, v[2]],
    ]);
    const b = await syncFrom(a);
    await vi.waitFor(() => expect(b.chain.head.number).toBe(2), WAIT);
    expect(toHex(b.chain.head.stateRoot)).toBe(toHex(a.head.stateRoot));
    expect(b.penalties()).toEqual([]);
  });

  it.each(FORGED)('sync refuses block 2 with its signature %s', async (_, signers, why) => {
    const { a } = await chainWithRemoval(signers);
    const b = await syncFrom(a);
    await vi.waitFor(() => expect(b.penalties()).toHaveLength(1), WAIT);
    expect(b.penalties()[0]).toMatch(/^refused block 2: certificate does not verify: /);
    expect(b.penalties()[0]).toMatch(why);
    expect(b.chain.head.number).toBe(1);
  });

  it.each(FORGED)('consensus refuses a decision for block 2 with its signature %s', async (_, signers, why) => {
    // The follower is at height 1 (the removal is in force); the decision comes off the wire.
    const { a, b2 } = await chainWithRemoval([
      [0, v[0]],
      [1, v[1]],
      [2, v[2]],
    ]);
    const chain = await openChain();
    const block1 = (await a.getBlock(1))!;
    await chain.commit(chain.executeBlock(block1.block), block1.certificate);
    const dir = mkdtempSync(join(tmpdir(), 'lingding-removal-engine-'));
    const net = new FakeNet();
    const { logger, records } = captureLogger();
    const queue = new SerialQueue();
    const recovery = new SignatureRecoveryPool(suite, { workers: 0 });
    const engine = new PbftEngine(
      {
        secretKey: follower.secretKey,
        safetyFile: join(dir, 'pbft-safety.bin'),
        emptyBlockIntervalMs: HOUR,
        minSealDelayMs: 5,
        maxClockDriftMs: NODE_DEFAULTS.consensus.maxClockDriftMs,
        maxInboundBytesPerPeer: NODE_DEFAULTS.consensus.maxInboundBytesPerPeer,
      },
      {
        chain,
        pool: chainPool(chain),
        recovery,
        net: net.asNetwork(),
        queue,
        logger,
        metrics: new NodeMetrics({ defaultMetrics: false }),
        penalties: new PeerPenalties({ ...NODE_DEFAULTS.peerPenalty, maxBadMessages: 100 }),
      },
    );
    await engine.start();
    cleanup.push(async () => {
      await engine.stop();
      await recovery.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const decision = (certificate: CommitCertificate) =>
      encodeMessage({ type: MsgType.Decision, height: 2, payload: encodeBlock(b2.block), certificate });

    net.deliver('consensus', PEER, decision(certify(2, b2.hash, signers)));
    await queue.drain();
    const refused = records.find((r) => String(r.msg).startsWith('decision certificate invalid'));
    expect(String(refused?.msg)).toMatch(why);
    expect(chain.head.number).toBe(1);

    // The same block with a certificate of the set in force is committed.
    net.deliver(
      'consensus',
      PEER,
      decision(
        certify(2, b2.hash, [
          [1, v[1]],
          [2, v[2]],
          [3, v[3]],
        ]),
      ),
    );
    await vi.waitFor(() => expect(chain.head.number).toBe(2), WAIT);
    expect(hexKey(chain.head.hash)).toBe(hexKey(b2.hash));
  });
});
