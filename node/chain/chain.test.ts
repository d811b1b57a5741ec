import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Interface } from 'ethers';
import { deriveEthereumChainId, parseGenesis } from '../config/genesis.js';
import { fromHex, toHex } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { SystemAddress } from '../exec/addresses.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { blockHash, encodeBlock } from '../codec/block.js';
import { encodeTx, signTx, type NativeTx } from '../codec/tx.js';
import { MAX_BLOCK_BYTES_LIMIT, parseSystemConfigValue } from '../exec/system/system-config.js';
import { DEFAULT_LIMITS } from '../p2p/protocols.js';
import { BlockValidationError, Chain, type ReadyTx } from './chain.js';
import { buildGenesis } from './genesis-block.js';
import { replayKey } from './nonce-window.js';

const suite = createEcdsaSuite();
const kv = new Interface(['function set(string key, string value) returns (int32)']);
const sealer = suite.generateKeyPair();
const user = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'det',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(sealer.publicKey)],
  committee: { members: [{ address: toHex(user.address) }] },
});

const dirs: string[] = [];
async function openChain(): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-chain-'));
  dirs.push(dir);
  return Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function txs(n: number, from: number, height: number): ReadyTx[] {
  return Array.from({ length: n }, (_, i) => {
    const { tx, hash, raw } = buildSignedTx(
      suite,
      {
        chainId: 'det',
        height,
        to: SystemAddress.KVStore,
        input: fromHex(kv.encodeFunctionData('set', [`k${(from + i) % 7}`, `v${from + i}`])),
        gasLimit: 200_000,
      },
      user.secretKey,
    );
    return { tx, hash, sender: user.address, size: raw.length };
  });
}

describe('Chain', () => {
  it('two independent nodes executing the same blocks reach the same state roots', async () => {
    const a = await openChain();
    const b = await openChain();
    expect(toHex(a.genesisHash)).toBe(toHex(b.genesisHash));
    for (let h = 0; h < 5; h++) {
      const built = a.buildBlock(txs(20, h * 20, h), { timestamp: 1000 + h, proposer: 0, view: 0 });
      // b re-executes a's block (recovering senders itself) and must agree on every root.
      const checked = b.executeBlock(built.block);
      expect(toHex(checked.hash)).toBe(toHex(built.hash));
      await a.commit(built, null);
      await b.commit(checked, null);
      expect(toHex(a.head.stateRoot)).toBe(toHex(b.head.stateRoot));
    }
    await a.close();
    await b.close();
  });

  it('refuses a block whose state root, parent or nonces do not check', async () => {
    const a = await openChain();
    const b = await openChain();
    const built = a.buildBlock(txs(3, 0, 0), { timestamp: 5, proposer: 0, view: 0 });
    const forged = { ...built.block, header: { ...built.block.header, stateRoot: new Uint8Array(32) } };
    expect(() => b.executeBlock(forged)).toThrow(BlockValidationError);
    expect(() =>
      b.executeBlock({ ...built.block, header: { ...built.block.header, parentHash: new Uint8Array(32) } }),
    ).toThrow(/parent hash/);
    const dup = { ...built.block, transactions: [built.block.transactions[0], built.block.transactions[0]] };
    expect(() => b.executeBlock(dup)).toThrow(/reuses nonce/);
    // Nothing was committed by the failed checks.
    expect(b.head.number).toBe(0);
    await a.close();
    await b.close();
  });

  it('refuses to open a data directory of another chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-chain-'));
    dirs.push(dir);
    const c = await Chain.open({ dataDir: dir, genesis, suite });
    await c.close();
    const other = parseGenesis({ ...genesis, chainId: 'other' });
    await expect(Chain.open({ dataDir: dir, genesis: other, suite })).rejects.toThrow(/different chain/);
  });
});

describe('Chain: blocks are bounded by bytes', () => {
  /** ~1.1 MB transactions: eight of them once made a block too large to propose, for good. */
  function bigTxs(n: number, height: number): ReadyTx[] {
    return Array.from({ length: n }, (_, i) => {
      const { tx, hash, raw } = buildSignedTx(
        suite,
        {
          chainId: 'det',
          height,
          to: SystemAddress.KVStore,
          input: fromHex(kv.encodeFunctionData('set', [`big${i}`, 'x'.repeat(1_090_000)])),
          gasLimit: 100_000_000,
        },
        user.secretKey,
      );
      return { tx, hash, sender: user.address, size: raw.length };
    });
  }

  it('fills a block up to block_bytes_limit and leaves the rest for later blocks, every block sendable', async () => {
    const a = await openChain();
    const pending = bigTxs(8, 0);
    const limit = a.systemConfig().blockBytesLimit;
    let included = 0;
    while (included < pending.length) {
      const built = a.buildBlock(pending.slice(included), { timestamp: 10 + included, proposer: 0, view: 0 });
      const txBytes = built.block.transactions.reduce((s, t) => s + encodeTx(t).length, 0);
      expect(built.block.transactions.length).toBeGreaterThan(0);
      expect(txBytes).toBeLessThanOrEqual(limit);
      // The proposal (the whole encoded block) fits one consensus frame with room to spare.
      expect(encodeBlock(built.block).length).toBeLessThan(DEFAULT_LIMITS.consensus - 1024 * 1024);
      await a.commit(built, null);
      included += built.block.transactions.length;
    }
    expect(a.head.number).toBeGreaterThanOrEqual(3);
    await a.close();
  });

  it('refuses a block over block_bytes_limit, and passes over a transaction that could never fit', async () => {
    const a = await openChain();
    const built = a.buildBlock(bigTxs(2, 0), { timestamp: 5, proposer: 0, view: 0 });
    const smallGenesis = parseGenesis({ ...genesis, systemConfig: { block_bytes_limit: String(64 * 1024) } });
    const dir = mkdtempSync(join(tmpdir(), 'lingding-chain-'));
    dirs.push(dir);
    const b = await Chain.open({ dataDir: dir, genesis: smallGenesis, suite, syncWrites: false });
    const onB = { ...built.block, header: { ...built.block.header, parentHash: b.head.hash } };
    expect(() => b.executeBlock(onB)).toThrow(/exceeds block_bytes_limit \(65536 bytes\)/);
    // Too large for any block of b: passed over, the small one after it still goes in.
    const small = txs(1, 0, 0);
    const own = b.buildBlock([...bigTxs(1, 0), ...small], { timestamp: 6, proposer: 0, view: 0 });
    expect(own.block.transactions.map((t) => toHex(encodeTx(t)))).toEqual([toHex(encodeTx(small[0].tx))]);
    expect(b.head.number).toBe(0);
    await a.close();
    await b.close();
  });

  it('keeps block_bytes_limit below the consensus frame limit at its maximum', () => {
    expect(MAX_BLOCK_BYTES_LIMIT + 1024 * 1024).toBeLessThanOrEqual(DEFAULT_LIMITS.consensus);
    expect(() => parseSystemConfigValue('block_bytes_limit', String(MAX_BLOCK_BYTES_LIMIT + 1))).toThrow(
      /block_bytes_limit must be between/,
    );
  });
});

describe('Chain: the origin fields of a block', () => {
  it('refuses a proposer that is not the leader of its view, and a timestamp before the parent', async () => {
    const a = await openChain();
    const b = await openChain();
    const first = a.buildBlock(txs(1, 0, 0), { timestamp: 1_000, proposer: 0, view: 0 });
    await a.commit(first, null);
    await b.commit(b.executeBlock(first.block), null);
    const next = a.buildBlock(txs(1, 1, 1), { timestamp: 2_000, proposer: 0, view: 0 });
    const forge = (change: Partial<typeof next.block.header>) => ({
      ...next.block,
      header: { ...next.block.header, ...change },
    });
    expect(() => b.executeBlock(forge({ proposer: 7 }))).toThrow(
      /names proposer 7, but the leader of view 0 is validator 0/,
    );
    expect(() => b.executeBlock(forge({ timestamp: 999 }))).toThrow(/timestamp 999, before its parent's 1000/);
    expect(b.head.number).toBe(1);
    // A block built with an earlier clock reading takes its parent's time instead.
    expect(a.buildBlock([], { timestamp: 5, proposer: 0, view: 0 }).block.header.timestamp).toBe(1_000);
    await a.close();
    await b.close();
  });
});

describe('Chain: replay protection keys on sender + nonce', () => {
  it('refuses a sender repeating a nonce in a block; two senders may share one; the window survives a reopen', async () => {
    const other = suite.generateKeyPair();
    const [t0] = txs(1, 0, 0);
    const t0tx = t0.tx as NativeTx;
    const sign = (key: typeof user) => {
      const tx = signTx(suite, { ...t0tx, input: Uint8Array.of(9) }, key.secretKey);
      const raw = encodeTx(tx);
      return { tx, hash: suite.hash(raw), sender: key.address, size: raw.length };
    };
    const a = await openChain();
    const dup = a.buildBlock([t0, sign(user)], { timestamp: 5, proposer: 0, view: 0 });
    const b = await openChain();
    expect(() => b.executeBlock(dup.block)).toThrow(/reuses nonce 0x[0-9a-f]+ of sender/);
    const shared = a.buildBlock([t0, sign(other)], { timestamp: 5, proposer: 0, view: 0 });
    const executed = b.executeBlock(shared.block);
    await b.commit(executed, null);
    expect(b.nonceOnChain(replayKey(other.address, t0tx.nonce))).toBe(true);
    expect(b.nonceOnChain(replayKey(user.address, t0tx.nonce))).toBe(true);
    expect(b.nonceOnChain(replayKey(suite.generateKeyPair().address, t0tx.nonce))).toBe(false);
    await a.close();
    await b.close();
  });
});

describe('Chain: genesis ethereumChainId', () => {
  it('the derived id leaves the genesis hash as it was; another id changes it', () => {
    const hashOf = (g: typeof genesis) => toHex(blockHash(suite, buildGenesis(suite, g).block.header));
    const input = { ...genesis, ethereumChainId: undefined };
    expect(hashOf(parseGenesis({ ...input, ethereumChainId: deriveEthereumChainId('det') }))).toBe(hashOf(genesis));
    expect(hashOf(parseGenesis({ ...input, ethereumChainId: 31337 }))).not.toBe(hashOf(genesis));
  });
});
