import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureLogger } from '../../test/helpers/fakes.js';
import { chainPool } from '../../test/helpers/pools.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import type { NativeTx } from '../codec/tx.js';
import { Chain } from '../chain/chain.js';
import { ReceiptStatus } from '../codec/block.js';
import { fromHex, toHex } from '../codec/hex.js';
import { parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { SystemAddress } from '../exec/addresses.js';
import { SoloSealer, type SoloOptions } from './solo.js';

const suite = createEcdsaSuite();
const sealer = suite.generateKeyPair();
const user = suite.generateKeyPair();
const kv = new Interface(['function set(string key, string value) returns (int32)']);
const HOUR = 3_600_000;
// Generous waits: the machine is shared and loaded.
const WAIT = { timeout: 30_000, interval: 20 };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(opts: Partial<SoloOptions> = {}, systemConfig: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-solo-'));
  const genesis = parseGenesis({
    chainId: 'solo',
    suite: 'ecdsa',
    timestamp: 1,
    sealers: [toHex(sealer.publicKey)],
    committee: { members: [{ address: toHex(user.address) }] },
    systemConfig,
  });
  const chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
  const pool = chainPool(chain);
  const { logger, records } = captureLogger();
  const solo = new SoloSealer(
    { emptyBlockIntervalMs: HOUR, minSealDelayMs: 1, sealerSecretKey: sealer.secretKey, ...opts },
    { chain, pool, logger },
  );
  cleanup.push(async () => {
    await solo.stop();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const submit = (key: string) => {
    const t = buildSignedTx(
      suite,
      {
        chainId: 'solo',
        height: chain.head.number,
        to: SystemAddress.KVStore,
        input: fromHex(kv.encodeFunctionData('set', [key, 'v'])),
        gasLimit: 200_000,
      },
      user.secretKey,
    );
    pool.add(t.raw);
    solo.onTransactionAdmitted();
    return t;
  };
  return { chain, pool, solo, records, submit };
}

/** Every committed block carries a 1-of-1 certificate: the sealer's signature over the block hash. */
async function expectSealedBySealer(chain: Chain, n: number): Promise<void> {
  const stored = await chain.getBlock(n);
  expect(stored).not.toBeNull();
  const cert = stored!.certificate!;
  expect(cert.view).toBe(0);
  expect(cert.signatures).toHaveLength(1);
  expect(cert.signatures[0][0]).toBe(0);
  expect(suite.verify(stored!.hash, cert.signatures[0][1], sealer.publicKey)).toBe(true);
}

describe('SoloSealer', () => {
  it('seals empty blocks on the interval when nothing is pending', async () => {
    const { chain, solo } = await setup({ emptyBlockIntervalMs: 10 });
    await solo.start();
    await vi.waitFor(() => expect(chain.head.number).toBeGreaterThanOrEqual(3), WAIT);
    for (let n = 1; n <= 3; n++) {
      const stored = await chain.getBlock(n);
      expect(stored!.block.transactions).toHaveLength(0);
      expect(stored!.block.header.timestamp).toBeGreaterThanOrEqual(
        (await chain.getBlock(n - 1))!.block.header.timestamp,
      );
      await expectSealedBySealer(chain, n);
    }
  });

  it('seals a block soon after a transaction arrives, without waiting for the empty-block interval', async () => {
    const { chain, pool, solo, submit } = await setup();
    await solo.start();
    expect(chain.head.number).toBe(0);
    const t = submit('a');
    await vi.waitFor(() => expect(chain.head.number).toBe(1), WAIT);
    const stored = await chain.getBlock(1);
    expect(stored!.block.transactions.map((x) => toHex((x as NativeTx).nonce))).toEqual([toHex(t.tx.nonce)]);
    expect((await chain.getReceipts(1))![0].status).toBe(ReceiptStatus.Success);
    await expectSealedBySealer(chain, 1);
    expect(pool.size).toBe(0);
    expect(chain.txOnChain(t.hash)).toBe(true);
  });

  it('keeps sealing while transactions are left over by the block limits', async () => {
    // One transaction per block, and an empty-block interval that never fires in the test:
    // the remaining transactions must still be sealed, one block after the other.
    const { chain, pool, solo, submit } = await setup({}, { tx_count_limit: '1' });
    await solo.start();
    const sent = [submit('a'), submit('b'), submit('c')];
    await vi.waitFor(() => expect(chain.head.number).toBe(3), WAIT);
    const nonces: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const b = (await chain.getBlock(n))!.block;
      expect(b.transactions).toHaveLength(1);
      nonces.push(toHex((b.transactions[0] as NativeTx).nonce));
    }
    expect(nonces).toEqual(sent.map((t) => toHex(t.tx.nonce)));
    expect(pool.size).toBe(0);
  });

  it('after stop nothing is scheduled: a transaction arriving later is not sealed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { chain, solo, submit } = await setup();
    await solo.start();
    submit('a');
    vi.advanceTimersByTime(1); // the batching delay
    while (chain.head.number < 1) await new Promise((r) => setImmediate(r));
    await solo.stop();
    expect(solo.status()).toMatchObject({ engine: 'solo', sealing: false });
    submit('b');
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(solo.status().sealing).toBe(false);
    expect(chain.head.number).toBe(1);
  });

  it('a failed seal is logged and the sealer keeps going', async () => {
    const { chain, solo, records, submit } = await setup({ emptyBlockIntervalMs: 10 });
    // The first build fails (as if execution hit a node-side error); later ones succeed.
    const real = chain.buildBlock.bind(chain);
    let calls = 0;
    chain.buildBlock = (...args) => {
      if (calls++ === 0) throw new Error('injected build failure');
      return real(...args);
    };
    await solo.start();
    submit('a');
    await vi.waitFor(() => expect(chain.head.number).toBeGreaterThanOrEqual(1), WAIT);
    expect(records.some((r) => r.msg === 'sealing failed')).toBe(true);
  });

  it('after a failed seal it waits before retrying instead of spinning on the same pending transactions', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { chain, solo, records, submit } = await setup({ emptyBlockIntervalMs: 1000 });
    let calls = 0;
    chain.buildBlock = () => {
      calls++;
      throw new Error('disk full');
    };
    await solo.start();
    submit('a');
    vi.advanceTimersByTime(1);
    // (vi.waitFor would advance the fake clock itself; turn the event loop by hand instead.)
    const settle = async () => {
      for (let i = 0; i < 1000 && (calls === 0 || solo.status().sealing); i++)
        await new Promise((r) => setImmediate(r));
    };
    await settle();
    expect(calls).toBe(1);
    // The transaction is still pending; a retry at once would fail the same way, in a loop.
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10);
      await new Promise((r) => setImmediate(r));
    }
    expect(calls).toBe(1);
    expect(records.filter((r) => r.msg === 'sealing failed')).toHaveLength(1);
    // It does retry after the empty-block interval.
    vi.advanceTimersByTime(1000);
    await settle();
    expect(calls).toBe(2);
  });
});
