import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCanonical } from '../codec/canonical.js';
import { utf8 } from '../codec/hex.js';
import { LedgerError, LedgerErrorCode } from './errors.js';
import { LEDGER_FORMAT, LedgerStore } from './store.js';
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
