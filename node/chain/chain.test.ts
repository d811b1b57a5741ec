import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Interface } from 'ethers';
import { parseGenesis } from '../config/genesis.js';
import { fromHex, toHex } from '../codec/hex.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { SystemAddress } from '../exec/addresses.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { BlockValidationError, Chain, type ReadyTx } from './chain.js';

const suite = createEcdsaSuite();
const kv = new Interface(['function set(string key, string value) returns (int32)']);
const sealer = suite.generateKeyPair();
const user = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'det',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(sealer.publicKey)],
  committee: [toHex(user.address)],
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
    const { tx, hash } = buildSignedTx(
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
    return { tx, hash, sender: user.address };
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
