import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeMessage, type PbftSuite } from '../../consensus/index.js';
import { makePrePrepare, makePrepare } from '../../consensus/pbft/messages.js';
import { captureLogger, FakeNet, WARN } from '../../test/helpers/fakes.js';
import { chainPool } from '../../test/helpers/pools.js';
import { Chain } from '../chain/chain.js';
import { SerialQueue } from '../chain/serial-queue.js';
import { consensusSuiteOf } from '../chain/validators.js';
import { toHex } from '../codec/hex.js';
import { NODE_DEFAULTS } from '../config/defaults.js';
import { committeeOf, parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import type { KeyPair } from '../crypto/suite.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { NodeMetrics } from '../metrics/metrics.js';
import { PeerPenalties, type PeerPenaltyOptions } from '../p2p/index.js';
import { PbftEngine } from './pbft.js';

const suite = createEcdsaSuite();
const validators = Array.from({ length: 4 }, () => suite.generateKeyPair());
/** The engine under test follows as an observer: no proposals of its own get in the way. */
const observer = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'inbound',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: validators.map((v) => toHex(v.publicKey)),
  committee: committeeOf([toHex(validators[0].address)]),
});
const PEER_A = 'aa'.repeat(64);
const PEER_B = 'bb'.repeat(64);
const KIB = 1024;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanup.splice(0).reverse()) await c();
});

const signer = (k: KeyPair) => ({ publicKey: k.publicKey, sign: (d: Uint8Array) => suite.sign(d, k.secretKey) });

async function started(opts: { maxInboundBytesPerPeer?: number; penalty?: Partial<PeerPenaltyOptions> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-pbft-inbound-'));
  const chain = await Chain.open({ dataDir: join(dir, 'ledger'), genesis, suite, syncWrites: false });
  const net = new FakeNet();
  const queue = new SerialQueue();
  const { logger, records } = captureLogger();
  const metrics = new NodeMetrics({ defaultMetrics: false });
  const recovery = new SignatureRecoveryPool(suite, { workers: 0 });
  const engine = new PbftEngine(
    {
      secretKey: observer.secretKey,
      safetyFile: join(dir, 'pbft-safety.bin'),
      emptyBlockIntervalMs: 1000,
      minSealDelayMs: 5,
      maxClockDriftMs: NODE_DEFAULTS.consensus.maxClockDriftMs,
      maxInboundBytesPerPeer: opts.maxInboundBytesPerPeer ?? NODE_DEFAULTS.consensus.maxInboundBytesPerPeer,
    },
    {
      chain,
      pool: chainPool(chain),
      recovery,
      net: net.asNetwork(),
      queue,
      logger,
      metrics,
      penalties: new PeerPenalties({ ...NODE_DEFAULTS.peerPenalty, ...opts.penalty }),
    },
  );
  await engine.start();
  cleanup.push(async () => {
    await engine.stop();
    await recovery.close();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const pbft: PbftSuite = consensusSuiteOf(chain);
  /** Holds the input queue until the returned function is called: delivered messages wait on it. */
  const hold = () => {
    let release!: () => void;
    void queue.run(() => new Promise<void>((r) => (release = r)));
    cleanup.push(() => release()); // released before the engine stops (stop drains the queue)
    return () => release();
  };
  const dropped = async (reason: string) =>
    (await metrics.consensusDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { engine, net, queue, records, pbft, hold, dropped };
}

/** A decodable pre-prepare of about `bytes` bytes (for a far height: the core drops it, only its size matters here). */
function bulky(pbft: PbftSuite, bytes: number): Uint8Array {
  const payload = new Uint8Array(bytes);
  return encodeMessage(makePrePrepare(pbft, signer(validators[1]), 1, 500, 0, suite.hash(payload), payload, []));
}

describe('PBFT engine: inbound consensus queue', () => {
  it('bounds the bytes one peer may have waiting, counts the drops, and leaves other peers their budget', async () => {
    const t = await started({ maxInboundBytesPerPeer: 1024 * KIB, penalty: { maxBadMessages: 100 } });
    const release = t.hold();
    for (let i = 0; i < 4; i++) t.net.deliver('consensus', PEER_A, bulky(t.pbft, 300 * KIB));
    // Three fit in 1 MiB, the fourth does not (before the count bound of 256 is anywhere near).
    expect(t.engine.status().droppedMessages).toBe(1);
    expect(await t.dropped('queue_bytes')).toBe(1);
    t.net.deliver('consensus', PEER_B, bulky(t.pbft, 300 * KIB));
    expect(t.engine.status().droppedMessages).toBe(1);
    // Once the queue has run what was waiting, the peer's budget is free again.
    release();
    await t.queue.drain();
    t.net.deliver('consensus', PEER_A, bulky(t.pbft, 300 * KIB));
    expect(t.engine.status().droppedMessages).toBe(1);
  });

  it('logs the first bad message of a peer in a window at warn and the rest at debug', async () => {
    const t = await started({ penalty: { maxBadMessages: 100 } });
    for (let i = 0; i < 20; i++) t.net.deliver('consensus', PEER_A, new Uint8Array([0xc1, i]));
    const lines = t.records.filter((r) => r.msg === 'malformed consensus message dropped');
    expect(lines).toHaveLength(20);
    expect(lines.filter((r) => r.level === WARN)).toHaveLength(1);
    expect(await t.dropped('malformed')).toBe(20);
  });

  it('ignores a peer that sent too many undecodable or badly signed messages, for the penalty period', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = await started({ penalty: { maxBadMessages: 3, windowMs: 10_000, penaltyMs: 60_000 } });
    // A prepare at the current height signed by the wrong key: the core refuses it as a fault of its sender.
    const forged = makePrepare(t.pbft, signer(validators[2]), 1, 1, 0, suite.hash(new Uint8Array([1])));
    t.net.deliver('consensus', PEER_A, encodeMessage(forged));
    await t.queue.drain();
    expect(await t.dropped('invalid')).toBe(1);
    t.net.deliver('consensus', PEER_A, new Uint8Array([0xc1]));
    t.net.deliver('consensus', PEER_A, new Uint8Array([0xc1]));
    expect(t.records.some((r) => r.msg === 'peer sent too many bad messages: ignoring its messages')).toBe(true);
    // Now even a well-formed message of that peer is dropped unread; other peers are heard.
    const good = encodeMessage(makePrepare(t.pbft, signer(validators[1]), 1, 1, 0, suite.hash(new Uint8Array([1]))));
    t.net.deliver('consensus', PEER_A, good);
    expect(await t.dropped('penalised')).toBe(1);
    t.net.deliver('consensus', PEER_B, good);
    expect(await t.dropped('penalised')).toBe(1);
    vi.setSystemTime(Date.now() + 60_001);
    t.net.deliver('consensus', PEER_A, good);
    expect(await t.dropped('penalised')).toBe(1);
  });
});
