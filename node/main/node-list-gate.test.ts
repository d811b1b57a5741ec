import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proposalTx } from '../../test/helpers/committee.js';
import { captureLogger, FakeNet } from '../../test/helpers/fakes.js';
import { Chain } from '../chain/chain.js';
import { hexKey, toHex } from '../codec/hex.js';
import { committeeOf, parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import type { NodeAction } from '../exec/system/proposal-kinds.js';
import { followNodeList } from './node-list-gate.js';

const suite = createEcdsaSuite();
const validators = Array.from({ length: 4 }, () => suite.generateKeyPair());
const member = suite.generateKeyPair();
const newcomer = suite.generateKeyPair();
const genesis = parseGenesis({
  chainId: 'gate',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: validators.map((v) => toHex(v.publicKey)),
  committee: committeeOf([toHex(member.address)]),
});

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function openChain(): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-gate-'));
  const chain = await Chain.open({ dataDir: dir, genesis, suite, syncWrites: false });
  cleanup.push(async () => {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return chain;
}

/** Commits a block holding the committee's (one member's) proposal, or an empty block. */
async function commitBlock(chain: Chain, action?: NodeAction): Promise<void> {
  const txs = action ? [proposalTx('gate', chain.head.number, member, action)] : [];
  const n = chain.head.number + 1;
  const built = chain.buildBlock(txs, { timestamp: 1000 + n, proposer: n % 4, view: 0 });
  expect(built.receipts.map((r) => r.message || r.status)).toEqual(txs.map(() => 0));
  await chain.commit(built, { view: 0, signatures: [] });
}

describe('p2p gate following the node list', () => {
  it('gives the network the new node list after a block that changed it, and only then', async () => {
    const chain = await openChain();
    const net = new FakeNet();
    const stop = followNodeList(chain, net.asNetwork(), captureLogger().logger);
    const ids = (keys: Array<{ publicKey: Uint8Array }>) => keys.map((k) => hexKey(k.publicKey));

    await commitBlock(chain);
    expect(net.allowLists).toEqual([]);
    await commitBlock(chain, { kind: 'addValidator', nodeId: newcomer.publicKey });
    expect(net.allowLists).toEqual([ids([...validators, newcomer])]);
    await commitBlock(chain);
    expect(net.allowLists).toHaveLength(1);
    await commitBlock(chain, { kind: 'removeNode', nodeId: validators[1].publicKey });
    expect(net.allowLists.at(-1)).toEqual(ids([validators[0], validators[2], validators[3], newcomer]));

    stop();
    await commitBlock(chain, { kind: 'removeNode', nodeId: newcomer.publicKey });
    expect(net.allowLists).toHaveLength(2);
  });

  it('logs, and does not throw, when the network cannot take the list (it is stopping)', async () => {
    const chain = await openChain();
    const { logger, records } = captureLogger();
    const net = {
      setAllowedPeers: async () => {
        throw new Error('the p2p network is stopped, not running');
      },
    };
    followNodeList(chain, net, logger);
    await commitBlock(chain, { kind: 'addObserver', nodeId: newcomer.publicKey });
    await new Promise((r) => setImmediate(r));
    expect(records.some((r) => r.msg === 'could not apply the node list to the p2p allow list')).toBe(true);
  });
});
