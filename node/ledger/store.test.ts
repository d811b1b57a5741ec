import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCanonical } from '../codec/canonical.js';
import { utf8 } from '../codec/hex.js';
import { LedgerError, LedgerErrorCode } from './errors.js';
import { LEDGER_FORMAT, LedgerStore } from './store.js';
import { bloomMayContain } from '../codec/bloom.js';
import { Chain } from '../chain/chain.js';
import { parseGenesis } from '../config/genesis.js';
import { toHex } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';

const suite = createEcdsaSuite();
const key = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'store',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(key.publicKey)],
  committee: { members: [{ address: toHex(key.address) }] },
});
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('LedgerStore layout', () => {
  it('refuses a data directory written in another layout, naming both, and leaves it closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-store-'));
    dirs.push(dir);
    await (await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false })).close();
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db
      .sublevel<Uint8Array, Uint8Array>('meta', { keyEncoding: 'view', valueEncoding: 'view' })
      .put(utf8('format'), encodeCanonical(1));
    await db.close();
    await expect(LedgerStore.open(dir)).rejects.toThrow(
      new RegExp(`has layout 1; this version of Lingding reads layout ${LEDGER_FORMAT}`),
    );
    await expect(LedgerStore.open(dir)).rejects.toMatchObject({
      name: 'LedgerError',
      code: LedgerErrorCode.WrongLayout,
      details: { dir },
    });
    // Closed again: the directory can be opened (and fixed) by someone else.
    const again = new Level(dir);
    await again.open();
    await again.close();
  });

  it('a ledger in use by another process (another node on this data directory): a LedgerError saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-store-'));
    dirs.push(dir);
    const first = await LedgerStore.open(dir);
    try {
      const second = LedgerStore.open(dir);
      await expect(second).rejects.toThrow(LedgerError);
      await expect(second).rejects.toMatchObject({
        code: LedgerErrorCode.Locked,
        message: `the ledger database at ${dir} is in use by another process (is another node running on this data directory?)`,
      });
    } finally {
      await first.close();
    }
  });
});

describe('LedgerStore bloom index', () => {
  const log = (seed: number) => ({
    address: new Uint8Array(20).fill(seed),
    topics: [new Uint8Array(32).fill(seed + 1)],
    data: new Uint8Array(),
  });
  /** A block at `n` whose one receipt carries `logs` (nothing else about it matters here). */
  function commitOf(n: number, logs: ReturnType<typeof log>[]) {
    const z = new Uint8Array(32);
    const header = {
      version: 1,
      parentHash: z,
      number: n,
      timestamp: n,
      proposer: 0,
      txRoot: z,
      receiptRoot: z,
      stateRoot: z,
      gasUsed: 0,
      view: 0,
    };
    const receipt = {
      status: 0 as const,
      gasUsed: 0,
      output: new Uint8Array(),
      logs,
      contractAddress: null,
      message: '',
    };
    const hash = new Uint8Array(32).fill(n + 1);
    return {
      block: { header, transactions: [] },
      hash,
      txHashes: [],
      receipts: [receipt],
      senders: [],
      certificate: null,
      stateOps: [],
    };
  }
  async function openStore() {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-store-'));
    dirs.push(dir);
    return { dir, store: await LedgerStore.open(dir, { syncWrites: false }) };
  }

  it('indexes the bloom of each block with logs at commit; a block without logs reads as an empty bloom', async () => {
    const { store } = await openStore();
    await store.commitBlock(commitOf(0, []));
    await store.commitBlock(commitOf(1, [log(7)]));
    await store.commitBlock(commitOf(2, []));
    await store.commitBlock(commitOf(3, [log(9)]));
    expect((await store.nonEmptyLogsBlooms(0, 3)).map((b) => b.number)).toEqual([1, 3]);
    expect((await store.nonEmptyLogsBlooms(2, 2)).map((b) => b.number)).toEqual([]);
    const bloom1 = await store.getLogsBloom(1);
    expect(bloomMayContain(bloom1!, log(7).address)).toBe(true);
    expect(bloomMayContain(bloom1!, log(7).topics[0])).toBe(true);
    expect(await store.getLogsBloom(2)).toEqual(new Uint8Array(256));
    expect(await store.getLogsBloom(4)).toBeNull();
    await store.close();
  });

  it('blocks committed before the index existed get their bloom from their receipts; later ones are indexed', async () => {
    const { dir, store } = await openStore();
    await store.commitBlock(commitOf(0, []));
    await store.commitBlock(commitOf(1, [log(7)]));
    await store.close();
    // What a ledger written before the bloom index looks like: no blooms, no bloomsFrom.
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const bytes = { keyEncoding: 'view', valueEncoding: 'view' } as const;
    await db.sublevel<Uint8Array, Uint8Array>('blooms', bytes).clear();
    await db.sublevel<Uint8Array, Uint8Array>('meta', bytes).del(utf8('bloomsFrom'));
    await db.close();

    const old = await LedgerStore.open(dir, { syncWrites: false });
    await old.commitBlock(commitOf(2, [log(5)]));
    await old.commitBlock(commitOf(3, []));
    expect((await old.nonEmptyLogsBlooms(0, 3)).map((b) => b.number)).toEqual([1, 2]);
    expect(bloomMayContain((await old.getLogsBloom(1))!, log(7).address)).toBe(true);
    await old.close();
    // Reopened: the index still starts at block 2.
    const again = await LedgerStore.open(dir, { syncWrites: false });
    expect((await again.nonEmptyLogsBlooms(0, 3)).map((b) => b.number)).toEqual([1, 2]);
    await again.close();
  });
});
