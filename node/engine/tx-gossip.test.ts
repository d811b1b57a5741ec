import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildSignedTx } from '../codec/tx-builder.js';
import { captureLogger, FakeNet, WARN } from '../../test/helpers/fakes.js';
import { standalonePool } from '../../test/helpers/pools.js';
import { decodeCanonical, encodeCanonical } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { TxRejectCode, TxRejectedError } from '../txpool/errors.js';
import type { PoolEntry } from '../txpool/pool.js';
import { NODE_DEFAULTS } from '../config/defaults.js';
import { PeerPenalties } from '../p2p/index.js';
import { TxGossip } from './tx-gossip.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const PEER_A = 'aa'.repeat(64);
const PEER_B = 'bb'.repeat(64);

const rawTx = () =>
  buildSignedTx(
    suite,
    {
      chainId: 'c',
      height: 0,
      to: new Uint8Array(20),
      input: new Uint8Array(4),
      gasLimit: 100_000,
      blockLimitWindow: 50,
    },
    alice.secretKey,
  ).raw;

const batchOf = (bytes: Uint8Array) => (decodeCanonical(bytes) as Uint8Array[]).map(hexKey);

const started: TxGossip[] = [];
afterEach(() => {
  for (const g of started.splice(0)) g.stop();
  vi.useRealTimers();
});

function setup(
  opts: {
    submit?: (raw: Uint8Array) => Promise<PoolEntry>;
    pending?: (max: number) => Uint8Array[];
    stale?: (ageMs: number, max: number) => Uint8Array[];
    penalties?: PeerPenalties;
  } = {},
) {
  const net = new FakeNet();
  const { logger, records } = captureLogger();
  const submitted: string[] = [];
  const g = new TxGossip({
    net: net.asNetwork(),
    submit:
      opts.submit ??
      (async (raw) => {
        submitted.push(hexKey(raw));
        return {} as PoolEntry;
      }),
    pending: opts.pending ?? (() => []),
    stale: opts.stale ?? (() => []),
    logger,
    penalties: opts.penalties ?? new PeerPenalties(NODE_DEFAULTS.peerPenalty),
  });
  started.push(g);
  g.start();
  return { net, g, records, submitted };
}

describe('TxGossip', () => {
  it('relays transactions admitted in one event-loop turn as one broadcast', async () => {
    const { net, g } = setup();
    const txs = [rawTx(), rawTx(), rawTx()];
    for (const t of txs) g.relay(t);
    expect(net.broadcasts).toHaveLength(0); // batched until the turn ends
    await vi.waitFor(() => expect(net.broadcasts).toHaveLength(1));
    expect(net.broadcasts[0].channel).toBe('tx');
    expect(batchOf(net.broadcasts[0].bytes)).toEqual(txs.map(hexKey));
    // A later relay is a new message.
    const later = rawTx();
    g.relay(later);
    await vi.waitFor(() => expect(net.broadcasts).toHaveLength(2));
    expect(batchOf(net.broadcasts[1].bytes)).toEqual([hexKey(later)]);
  });

  it('splits a burst larger than the batch byte limit into several messages, losing none', async () => {
    const { net, g } = setup();
    const big = Array.from({ length: 5 }, (_, i) => new Uint8Array(700 * 1024).fill(i));
    for (const t of big) g.relay(t);
    await vi.waitFor(() => {
      const all = net.broadcasts.flatMap((b) => batchOf(b.bytes));
      expect(all).toEqual(big.map(hexKey));
    });
    expect(net.broadcasts.length).toBeGreaterThan(1);
    for (const b of net.broadcasts) expect(b.bytes.length).toBeLessThan(2 * 1024 * 1024 + 1024);
  });

  it('gives a (re)connecting peer the pending set, to that peer only', () => {
    const pending = [rawTx(), rawTx()];
    const { net } = setup({ pending: () => pending });
    net.addPeer(PEER_A);
    expect(net.sent).toHaveLength(1);
    expect(net.sent[0].to).toBe(PEER_A);
    expect(batchOf(net.sent[0].bytes)).toEqual(pending.map(hexKey));
    expect(net.broadcasts).toHaveLength(0);
  });

  it('splits a large pending set for a connecting peer into several messages, losing none', () => {
    const pending = Array.from({ length: 5 }, (_, i) => new Uint8Array(900 * 1024).fill(i));
    const asked: number[] = [];
    const { net } = setup({
      pending: (max) => {
        asked.push(max);
        return pending;
      },
    });
    net.addPeer(PEER_B);
    expect(asked).toEqual([20_000]);
    expect(net.sent.length).toBeGreaterThan(1);
    expect(net.sent.every((m) => m.to === PEER_B && m.channel === 'tx')).toBe(true);
    expect(net.sent.flatMap((m) => batchOf(m.bytes))).toEqual(pending.map(hexKey));
  });

  it('submits every transaction of a received batch', async () => {
    const { net, submitted } = setup();
    const txs = [rawTx(), rawTx()];
    net.deliver('tx', PEER_A, encodeCanonical(txs));
    await vi.waitFor(() => expect(submitted).toEqual(txs.map(hexKey)));
    // Received transactions are not forwarded again (full mesh: one hop reaches all).
    expect(net.broadcasts).toHaveLength(0);
    expect(net.sent).toHaveLength(0);
  });

  it('a transaction relayed by two peers enters the pool once, and the duplicate is not a warning', async () => {
    const pool = standalonePool(suite);
    const { net, records } = setup({ submit: async (raw) => pool.add(raw) });
    const t = rawTx();
    net.deliver('tx', PEER_A, encodeCanonical([t]));
    net.deliver('tx', PEER_B, encodeCanonical([t]));
    await vi.waitFor(() => expect(pool.size).toBe(1));
    await new Promise((r) => setImmediate(r));
    expect(records.filter((r) => r.level === WARN)).toEqual([]);
  });

  it('logs a submit failure that is not an ordinary rejection', async () => {
    const { net, records } = setup({
      submit: async () => {
        throw new Error('disk on fire');
      },
    });
    net.deliver('tx', PEER_A, encodeCanonical([rawTx()]));
    await vi.waitFor(() => expect(records.some((r) => r.msg === 'gossiped transaction failed')).toBe(true));
    const quiet = setup({
      submit: async () => {
        throw new TxRejectedError(TxRejectCode.AlreadyKnown, 'dup');
      },
    });
    quiet.net.deliver('tx', PEER_A, encodeCanonical([rawTx()]));
    await new Promise((r) => setImmediate(r));
    expect(quiet.records.filter((r) => r.level === WARN)).toEqual([]);
  });

  it('drops malformed batches with a warning and submits nothing', async () => {
    const { net, records, submitted } = setup();
    const bad = [
      Uint8Array.of(0xc1), // not msgpack
      encodeCanonical('not an array'),
      encodeCanonical([rawTx(), 42]),
      encodeCanonical([[rawTx()]]),
    ];
    for (const b of bad) net.deliver('tx', PEER_A, b);
    await new Promise((r) => setImmediate(r));
    expect(submitted).toEqual([]);
    const lines = records.filter((r) => r.msg === 'malformed transaction batch dropped');
    expect(lines).toHaveLength(bad.length);
    expect(lines[0].from).toBe(PEER_A.slice(0, 16));
    // One warning per peer and window; the rest at debug, so a flood is not a log flood.
    expect(lines.filter((r) => r.level === WARN)).toHaveLength(1);
  });

  it('ignores a peer after too many bad batches or badly signed transactions, for the penalty period', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const penalties = new PeerPenalties({ maxBadMessages: 3, windowMs: 10_000, penaltyMs: 60_000 });
    const { net, records, submitted } = setup({
      penalties,
      submit: async (raw) => {
        submitted.push(hexKey(raw));
        throw new TxRejectedError(TxRejectCode.BadSignature, 'signature is invalid');
      },
    });
    net.deliver('tx', PEER_A, Uint8Array.of(0xc1));
    net.deliver('tx', PEER_A, encodeCanonical([rawTx(), rawTx()])); // two badly signed: the third fault
    await new Promise((r) => setImmediate(r));
    expect(penalties.isPenalised(PEER_A)).toBe(true);
    expect(records.some((r) => r.msg === 'peer sent too many bad messages: ignoring its messages')).toBe(true);
    net.deliver('tx', PEER_A, encodeCanonical([rawTx()]));
    net.deliver('tx', PEER_B, encodeCanonical([rawTx()]));
    await new Promise((r) => setImmediate(r));
    expect(submitted).toHaveLength(3); // the penalised peer's batch was not read; the other peer's was
    vi.setSystemTime(Date.now() + 60_001);
    net.deliver('tx', PEER_A, encodeCanonical([rawTx()]));
    expect(submitted).toHaveLength(4);
  });

  it('re-offers only transactions pending for a while, to every peer, on its interval', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const stale = [rawTx()];
    const asked: Array<[number, number]> = [];
    const { net, g } = setup({
      stale: (ageMs, max) => {
        asked.push([ageMs, max]);
        return stale;
      },
    });
    expect(net.broadcasts).toHaveLength(0);
    vi.advanceTimersByTime(10_000);
    expect(asked).toEqual([[10_000, 2_000]]);
    expect(net.broadcasts).toHaveLength(1);
    expect(batchOf(net.broadcasts[0].bytes)).toEqual(stale.map(hexKey));
    // Nothing stale: nothing sent.
    stale.length = 0;
    vi.advanceTimersByTime(10_000);
    expect(net.broadcasts).toHaveLength(1);
    // Stopped: no more re-offers.
    g.stop();
    stale.push(rawTx());
    vi.advanceTimersByTime(30_000);
    expect(asked).toHaveLength(2);
  });
});
