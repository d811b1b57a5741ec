import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commitDigest, type PbftSuite } from '../../consensus/index.js';
import { DEFAULT_LIMITS } from '../p2p/index.js';
import { captureLogger, FakeNet, type FakePeerHandler } from '../../test/helpers/fakes.js';
import { testBlockSync } from '../../test/helpers/block-sync.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { Chain } from '../chain/chain.js';
import {
  blockHash,
  certToCanonical,
  decodeCanonical,
  encodeCanonical,
  headerToCanonical,
  txToCanonical,
  type Block,
  type Canonical,
  type CommitCertificate,
} from '../codec/index.js';
import { fromHex, toHex } from '../codec/hex.js';
import { parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import type { KeyPair } from '../crypto/suite.js';
import { consensusSuiteOf } from '../chain/validators.js';
import { SystemAddress } from '../exec/addresses.js';
import type { BlockSyncOptions } from './block-sync.js';

const suite = createEcdsaSuite();
/** Four validators (n = 3f+1, f = 1): a certificate needs 3 signatures. */
const validators = Array.from({ length: 4 }, () => suite.generateKeyPair());
const outsider = suite.generateKeyPair();
const user = suite.generateKeyPair();
const kv = new Interface(['function set(string key, string value) returns (int32)']);
const genesis = parseGenesis({
  chainId: 'sync',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: validators.map((v) => toHex(v.publicKey)),
  committee: { members: [{ address: toHex(user.address) }] },
});
const WAIT = { timeout: 30_000, interval: 20 };
const GOOD = '01'.repeat(64);
const GOOD2 = '02'.repeat(64);
const BAD = '0b'.repeat(64);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The suite consensus signs with on this test chain (bound to its chain id and genesis hash). */
let signing: PbftSuite | undefined;

async function openChain(): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-sync-'));
  const chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
  signing ??= consensusSuiteOf(chain); // every chain here shares one genesis, so one chain tag
  cleanup.push(async () => {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return chain;
}

/** Commit certificate of block (height, hash): signatures of `signers` over the commit digest. */
function certify(
  height: number,
  hash: Uint8Array,
  signers: Array<[number, KeyPair]> = [0, 1, 2].map((i) => [i, validators[i]]),
  view = 0,
): CommitCertificate {
  const digest = commitDigest(signing!, height, view, hash);
  return { view, signatures: signers.map(([i, k]) => [i, suite.sign(digest, k.secretKey)] as const) };
}

/** A source chain of `blocks` certified blocks, a few KVStore transactions in each. */
async function sourceChain(blocks: number): Promise<Chain> {
  const a = await openChain();
  for (let h = 1; h <= blocks; h++) {
    const txs = Array.from({ length: h % 3 }, (_, i) => {
      const { tx, hash, raw } = buildSignedTx(
        suite,
        {
          chainId: 'sync',
          height: a.head.number,
          to: SystemAddress.KVStore,
          input: fromHex(kv.encodeFunctionData('set', [`k${i}`, `v${h}`])),
          gasLimit: 200_000,
        },
        user.secretKey,
      );
      return { tx, hash, sender: user.address, size: raw.length };
    });
    const built = a.buildBlock(txs, { timestamp: 1000 + h, proposer: h % 4, view: 0 });
    await a.commit(built, certify(h, built.hash));
  }
  return a;
}

/** Serves `chain` as a peer would: through a BlockSync's own request handlers. */
function servingPeer(chain: Chain, batchSize = 64, maxServedRequestsPerSecond = 1_000): FakePeerHandler {
  const net = new FakeNet();
  const server = testBlockSync(chain, net.asNetwork(), { batchSize, maxServedRequestsPerSecond });
  server.start();
  cleanup.push(() => server.stop());
  return (method, bytes) => {
    const h = net.requestHandlers.get(method);
    if (!h) throw new Error(`no handler for ${method}`);
    return h('ff'.repeat(64), bytes);
  };
}

/** Encodes a `blocks` response the way serveBlocks does. */
function blocksResponse(entries: Array<{ block: Block; certificate: CommitCertificate }>): Uint8Array {
  return encodeCanonical(
    entries.map(
      ({ block, certificate }): Canonical => [
        [headerToCanonical(block.header), block.transactions.map(txToCanonical)],
        certToCanonical(certificate),
      ],
    ),
  );
}

/** A peer that reports `head` and answers every blocks request with `blocks()`. */
function fixedPeer(head: number, blocks: () => Uint8Array | Promise<Uint8Array>): FakePeerHandler {
  return (method) => (method === 'status' ? encodeCanonical([head, new Uint8Array(32)]) : blocks());
}

async function syncingNode(opts: Partial<BlockSyncOptions> = {}) {
  const chain = await openChain();
  const net = new FakeNet();
  const { logger, records } = captureLogger();
  let committedCalls = 0;
  const sync = testBlockSync(chain, net.asNetwork(), {
    pollIntervalMs: 20,
    batchSize: 3,
    ...opts,
    logger,
    onCommitted: async () => {
      committedCalls++;
    },
  });
  sync.start();
  cleanup.push(() => sync.stop());
  const penalties = () => records.filter((r) => r.msg === 'sync peer penalised').map((r) => String(r.reason));
  const blockRequests = (peer?: string) =>
    net.requests
      .filter((r) => r.method === 'blocks' && (peer === undefined || r.to === peer))
      .map((r) => decodeCanonical(r.bytes) as [number, number]);
  return { chain, net, sync, penalties, blockRequests, committed: () => committedCalls };
}

async function expectSameChain(a: Chain, b: Chain): Promise<void> {
  expect(b.head.number).toBe(a.head.number);
  expect(toHex(b.head.stateRoot)).toBe(toHex(a.head.stateRoot));
  for (let n = 1; n <= a.head.number; n++) {
    const [x, y] = [await a.getBlock(n), await b.getBlock(n)];
    expect(toHex(y!.hash)).toBe(toHex(x!.hash));
    expect(y!.certificate).toEqual(x!.certificate);
  }
}

describe('BlockSync', () => {
  it('fetches the missing range in batches, verifies and commits every block with its certificate', async () => {
    const a = await sourceChain(7);
    const b = await syncingNode();
    b.net.addPeer(GOOD, servingPeer(a));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(7), WAIT);
    await expectSameChain(a, b.chain);
    expect(b.blockRequests()).toEqual([
      [1, 3],
      [4, 3],
      [7, 1],
    ]);
    expect(b.sync.status()).toMatchObject({ blockNumber: 7, highestPeerBlock: 7, syncing: false, blocksSynced: 7 });
    expect(b.committed()).toBeGreaterThanOrEqual(3);
    expect(b.penalties()).toEqual([]);
  });

  it('reports that it is syncing while a peer is ahead', async () => {
    const a = await sourceChain(5);
    const b = await syncingNode();
    const serve = servingPeer(a);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    b.net.addPeer(GOOD, async (method, bytes) => {
      if (method === 'blocks') await gate;
      return serve(method, bytes);
    });
    await vi.waitFor(() => expect(b.blockRequests(GOOD)).toHaveLength(1), WAIT);
    expect(b.sync.status()).toMatchObject({ blockNumber: 0, highestPeerBlock: 5, syncing: true, blocksSynced: 0 });
    release();
    await vi.waitFor(() => expect(b.sync.status()).toMatchObject({ blockNumber: 5, syncing: false }), WAIT);
    await expectSameChain(a, b.chain);
  });

  it('rotates between peers that are ahead', async () => {
    const a = await sourceChain(6);
    const b = await syncingNode({ batchSize: 2 });
    // Both connect before the first poll, so both are known to be ahead.
    b.net.addPeer(GOOD, servingPeer(a));
    b.net.addPeer(GOOD2, servingPeer(a));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(6), WAIT);
    await expectSameChain(a, b.chain);
    expect(b.blockRequests(GOOD).length).toBeGreaterThan(0);
    expect(b.blockRequests(GOOD2).length).toBeGreaterThan(0);
  });

  const badCertificates: Array<[string, (n: number, hash: Uint8Array) => CommitCertificate, RegExp]> = [
    [
      'too few signatures',
      (n, h) =>
        certify(
          n,
          h,
          [0, 1].map((i) => [i, validators[i]]),
        ),
      /2 signatures, 3 needed/,
    ],
    [
      'a signature by a key outside the validator set',
      (n, h) =>
        certify(n, h, [
          [0, validators[0]],
          [1, outsider],
          [2, validators[2]],
        ]),
      /signature of validator 1 is invalid/,
    ],
    [
      'a repeated signer',
      (n, h) =>
        certify(
          n,
          h,
          [0, 0, 1].map((i) => [i, validators[i]]),
        ),
      /strictly increasing/,
    ],
    [
      'signatures for another view than the certificate names',
      (n, h) => ({ ...certify(n, h), view: 1 }),
      /signature of validator 0 is invalid/,
    ],
    ['signatures for another height', (n, h) => certify(n + 1, h), /signature of validator 0 is invalid/],
    [
      'a signer index past the set',
      (n, h) =>
        certify(
          n,
          h,
          [0, 1, 4].map((i) => [i, validators[i % 4]]),
        ),
      /signer 4/,
    ],
  ];

  for (const [what, forge, reason] of badCertificates) {
    it(`refuses a block whose certificate has ${what}, penalises the peer and syncs from another`, async () => {
      const a = await sourceChain(4);
      const b = await syncingNode();
      const real = await a.getBlock(1);
      b.net.addPeer(
        BAD,
        fixedPeer(4, () => blocksResponse([{ block: real!.block, certificate: forge(1, real!.hash) }])),
      );
      await vi.waitFor(() => expect(b.sync.status().penalisedPeers).toBe(1), WAIT);
      expect(b.chain.head.number).toBe(0);
      expect(b.penalties()).toHaveLength(1);
      expect(b.penalties()[0]).toMatch(/refused block 1: certificate does not verify/);
      expect(b.penalties()[0]).toMatch(reason);
      b.net.addPeer(GOOD, servingPeer(a));
      await vi.waitFor(() => expect(b.chain.head.number).toBe(4), WAIT);
      await expectSameChain(a, b.chain);
      expect(b.blockRequests(BAD)).toHaveLength(1); // never asked again while penalised
    });
  }

  it('refuses a certified block whose state root does not match re-execution', async () => {
    const a = await sourceChain(3);
    const b = await syncingNode();
    const real = (await a.getBlock(1))!;
    // The validators (here: their keys) certified a block that does not execute to its root.
    const header = { ...real.block.header, stateRoot: new Uint8Array(32).fill(0xee) };
    const forged = { block: { ...real.block, header }, certificate: certify(1, blockHash(suite, header)) };
    b.net.addPeer(
      BAD,
      fixedPeer(3, () => blocksResponse([forged])),
    );
    await vi.waitFor(() => expect(b.penalties()).toHaveLength(1), WAIT);
    expect(b.penalties()[0]).toMatch(/refused block 1: .*stateRoot mismatch/);
    expect(b.chain.head.number).toBe(0);
    expect(toHex(b.chain.head.stateRoot)).not.toBe(toHex(header.stateRoot));
    b.net.addPeer(GOOD, servingPeer(a));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(3), WAIT);
    await expectSameChain(a, b.chain);
  });

  it('keeps the good blocks of a batch that ends in a bad one, and tells consensus the head moved', async () => {
    const a = await sourceChain(3);
    const b = await syncingNode();
    const [one, two, three] = await Promise.all([1, 2, 3].map(async (n) => (await a.getBlock(n))!));
    const badThree = { block: three.block, certificate: certify(3, three.hash, [[0, validators[0]]]) };
    b.net.addPeer(
      BAD,
      fixedPeer(3, () =>
        blocksResponse([
          { block: one.block, certificate: one.certificate! },
          { block: two.block, certificate: two.certificate! },
          badThree,
        ]),
      ),
    );
    await vi.waitFor(() => expect(b.penalties()).toHaveLength(1), WAIT);
    expect(b.chain.head.number).toBe(2);
    expect(toHex(b.chain.head.hash)).toBe(toHex(two.hash));
    expect(b.sync.status().blocksSynced).toBe(2);
    // Consensus must hear that the head moved, even though the batch ended badly.
    expect(b.committed()).toBeGreaterThanOrEqual(1);
  });

  it('refuses a certified block that is not the next one', async () => {
    const a = await sourceChain(3);
    const b = await syncingNode();
    const second = (await a.getBlock(2))!;
    b.net.addPeer(
      BAD,
      fixedPeer(3, () => blocksResponse([{ block: second.block, certificate: second.certificate! }])),
    );
    await vi.waitFor(() => expect(b.penalties()).toHaveLength(1), WAIT);
    expect(b.penalties()[0]).toMatch(/block 2 is not next \(head 0\)/);
    expect(b.chain.head.number).toBe(0);
  });

  it('penalises a peer whose blocks request fails or whose response does not decode', async () => {
    const a = await sourceChain(2);
    const b = await syncingNode();
    b.net.addPeer(
      BAD,
      fixedPeer(2, () => {
        throw new Error('stream reset');
      }),
    );
    b.net.addPeer(
      '0c'.repeat(64),
      fixedPeer(2, () => Uint8Array.of(0x93, 0x01)),
    ); // truncated msgpack
    b.net.addPeer(
      '0d'.repeat(64),
      fixedPeer(2, () => encodeCanonical([1])),
    ); // decodes, wrong shape
    await vi.waitFor(() => expect(b.penalties()).toHaveLength(3), WAIT);
    const reasons = b.penalties().sort();
    expect(reasons[0]).toMatch(/^blocks request failed: blocks response entry 0 must be \[block, certificate\]/);
    expect(reasons[1]).toMatch(/^blocks request failed: malformed msgpack/);
    expect(reasons[2]).toBe('blocks request failed: stream reset');
    expect(b.chain.head.number).toBe(0);
    b.net.addPeer(GOOD, servingPeer(a));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(2), WAIT);
  });

  it('ignores peers that do not answer status and does not penalise one that has nothing to serve', async () => {
    const b = await syncingNode();
    b.net.addPeer(BAD, (method) => {
      if (method === 'status') throw new Error('timeout');
      throw new Error('must not be asked for blocks');
    });
    // Claims to be ahead but serves no blocks (e.g. it pruned them): forgotten until its next status.
    b.net.addPeer(
      GOOD,
      fixedPeer(5, () => blocksResponse([])),
    );
    await vi.waitFor(() => expect(b.blockRequests(GOOD).length).toBeGreaterThanOrEqual(2), WAIT);
    expect(b.blockRequests(BAD)).toEqual([]);
    expect(b.penalties()).toEqual([]);
    expect(b.sync.status().penalisedPeers).toBe(0);
  });
});

describe('BlockSync serving', () => {
  it('serves each peer at most maxServedRequestsPerSecond block requests a second, then answers empty', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const a = await sourceChain(3);
      const serve = servingPeer(a, 64, 2);
      const served = async () =>
        (decodeCanonical(await serve('blocks', encodeCanonical([1, 3]))) as Canonical[]).length;
      expect([await served(), await served(), await served()]).toEqual([3, 3, 0]);
      vi.setSystemTime(Date.now() + 500); // half a second refills one token
      expect([await served(), await served()]).toEqual([3, 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a requester syncs from a rate-limited peer without penalising it', async () => {
    const a = await sourceChain(7);
    const b = await syncingNode();
    b.net.addPeer(GOOD, servingPeer(a, 64, 1));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(7), WAIT);
    expect(b.penalties()).toEqual([]);
    // Some requests were refused on the way: more were asked than the three batches needed.
    expect(b.blockRequests(GOOD).length).toBeGreaterThan(3);
  });

  it('serves stored blocks with their certificates, capped by its batch size and its head', async () => {
    const a = await sourceChain(5);
    const serve = servingPeer(a, 2);
    const decode = async (from: number, count: number) =>
      decodeCanonical(await serve('blocks', encodeCanonical([from, count]))) as Canonical[];
    expect(await decode(1, 10)).toHaveLength(2);
    expect(await decode(4, 10)).toHaveLength(2);
    expect(await decode(5, 10)).toHaveLength(1);
    expect(await decode(6, 10)).toHaveLength(0);
    const status = decodeCanonical(await serve('status', new Uint8Array([0xc0]))) as [number, Uint8Array];
    expect(status[0]).toBe(5);
    expect(toHex(status[1])).toBe(toHex(a.head.hash));
  });

  it('answers odd ranges with what it has, never more', async () => {
    const a = await sourceChain(2);
    const serve = servingPeer(a);
    const cases: Array<[[number, number], number]> = [
      [[-1, 2], 0],
      [[0, 2], 0], // genesis has no certificate: nothing to serve from there
      [[1, -3], 0],
      [[2 ** 40, 1], 0],
      [[1, 2 ** 40], 2],
    ];
    for (const [req, n] of cases)
      expect(decodeCanonical(await serve('blocks', encodeCanonical(req))), String(req)).toHaveLength(n);
  });

  it('keeps a response of big transactions under the response limit; the next request gets the rest', async () => {
    // Twelve blocks of three 1 MB transactions (a contract deployment is about that big):
    // 36 MB in all, more than a peer accepts in one response (32 MiB).
    const a = await openChain();
    for (let h = 1; h <= 12; h++) {
      const txs = Array.from({ length: 3 }, () => {
        const { tx, hash, raw } = buildSignedTx(
          suite,
          {
            chainId: 'sync',
            height: a.head.number,
            to: SystemAddress.KVStore,
            input: new Uint8Array(1024 * 1024).fill(h),
            gasLimit: 20_000_000,
          },
          user.secretKey,
        );
        return { tx, hash, sender: user.address, size: raw.length };
      });
      const built = a.buildBlock(txs, { timestamp: 1000 + h, proposer: h % 4, view: 0 });
      expect(built.block.transactions).toHaveLength(3);
      await a.commit(built, certify(h, built.hash));
    }
    const serve = servingPeer(a);
    const res = await serve('blocks', encodeCanonical([1, 64]));
    expect(res.length).toBeLessThanOrEqual(DEFAULT_LIMITS.response);
    const n = (decodeCanonical(res) as Canonical[]).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(12);
    // The next request picks up where the short response ended.
    const rest = decodeCanonical(await serve('blocks', encodeCanonical([1 + n, 64]))) as Canonical[];
    expect(rest.length).toBeGreaterThan(0);
    // And a node syncing from it gets every block without penalising it.
    const b = await syncingNode({ batchSize: 64 });
    b.net.addPeer(GOOD, servingPeer(a));
    await vi.waitFor(() => expect(b.chain.head.number).toBe(12), WAIT);
    expect(b.penalties()).toEqual([]);
    expect(toHex(b.chain.head.stateRoot)).toBe(toHex(a.head.stateRoot));
  });

  it('refuses a malformed blocks request', async () => {
    const a = await sourceChain(1);
    const serve = servingPeer(a);
    for (const bad of [encodeCanonical([1]), encodeCanonical(['1', 2]), encodeCanonical('x'), Uint8Array.of(0xc1)])
      await expect(Promise.resolve().then(() => serve('blocks', bad))).rejects.toThrow();
  });
});
