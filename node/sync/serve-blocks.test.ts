import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import type { Chain } from '../chain/chain.js';
import { Chain as ChainImpl } from '../chain/chain.js';
import { decodeCanonical, encodeCanonical } from '../codec/canonical.js';
import { fromHex, toHex } from '../codec/hex.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { SystemAddress } from '../exec/addresses.js';
import type { P2PNetwork } from '../p2p/index.js';
import { BlockSync, DEFAULT_SYNC_OPTIONS, MAX_BLOCKS_RESPONSE_BYTES } from './block-sync.js';

const suite = createEcdsaSuite();
const user = suite.generateKeyPair();
const sealer = suite.generateKeyPair();
const kv = new Interface(['function set(string key, string value) returns (int32)']);
const dir = mkdtempSync(join(tmpdir(), 'lingding-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `blocks` handler of a BlockSync serving `count` copies of one block (its content is not checked here). */
async function servingLargeBlocks(count: number) {
  const genesis = parseGenesis({
    chainId: 'serve',
    suite: 'ecdsa',
    timestamp: 1,
    sealers: [toHex(sealer.publicKey)],
    committee: [toHex(user.address)],
  });
  const chain = await ChainImpl.open({ dataDir: join(dir, 'chain'), genesis, suite, syncWrites: false });
  const ready = Array.from({ length: 3 }, (_, i) => {
    const { tx, hash, raw } = buildSignedTx(
      suite,
      {
        chainId: 'serve',
        height: 0,
        to: SystemAddress.KVStore,
        input: fromHex(kv.encodeFunctionData('set', [`k${i}`, 'x'.repeat(1_090_000)])),
        gasLimit: 100_000_000,
      },
      user.secretKey,
    );
    return { tx, hash, sender: user.address, size: raw.length };
  });
  const { block } = chain.buildBlock(ready, { timestamp: 2, proposer: 0, view: 0 });
  await chain.close();
  const stored = { block, certificate: { view: 0, signatures: [[0, new Uint8Array(65)]] as const } };
  const fakeChain = { head: { number: count }, store: { getBlock: async () => stored } } as unknown as Chain;
  const handlers = new Map<string, (from: string, req: Uint8Array) => Promise<Uint8Array> | Uint8Array>();
  const fakeNet = {
    handleRequest: (m: string, h: (from: string, req: Uint8Array) => Promise<Uint8Array>) => handlers.set(m, h),
    on: () => {},
  } as unknown as P2PNetwork;
  const sync = new BlockSync(
    { ...DEFAULT_SYNC_OPTIONS, pollIntervalMs: 3_600_000 },
    {
      chain: fakeChain,
      net: fakeNet,
      pool: null as never,
      recovery: null as never,
      queue: null as never,
      logger: null as never,
      onCommitted: async () => {},
    },
  );
  sync.start();
  sync.stop();
  return (from: number, n: number) => handlers.get('blocks')!('peer', encodeCanonical([from, n]));
}

describe('block sync: serving a run of large blocks', () => {
  it('sizes a reply by real bytes: under the response limit, never empty, so the requester moves on', async () => {
    const blocks = await servingLargeBlocks(64);
    const reply = await blocks(1, 64);
    expect(reply.length).toBeLessThanOrEqual(MAX_BLOCKS_RESPONSE_BYTES);
    const entries = decodeCanonical(reply) as unknown[];
    // Each block is ~3.3 MB: a 32 MiB reply holds 9 of them, not the 64 asked for.
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(64);
  }, 120_000);
});
