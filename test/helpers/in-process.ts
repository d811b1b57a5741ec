import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { silentLogger } from '../../node/log/logger.js';
import { LingdingNode } from '../../node/main/node.js';
import { RpcClient } from '../../tools/client/rpc-client.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { createSoloChain, type LocalChain } from '../../tools/devnet/local-chain.js';
import { testNodeConfig } from './node-config.js';
import { committeeIface } from './committee.js';
import { encodeProposal, type ProposalAction } from '../../node/exec/system/index.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { expect } from 'vitest';

export const suite = createEcdsaSuite();
export const kvIface = new Interface([
  'function set(string key, string value) returns (int32)',
  'function get(string key) view returns (bool, string)',
  'function getOf(address owner, string key) view returns (bool, string)',
  'event KVSet(address indexed owner, string key, string value)',
]);
export const sysIface = new Interface([
  'function setValueByKey(string key, string value) returns (int32)',
  'function getValueByKey(string key) view returns (string, int64)',
]);

export interface TestNode {
  node: LingdingNode;
  client: RpcClient;
  chain: LocalChain;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A real node (LevelDB on disk, HTTP RPC on loopback) inside the test process. */
export async function startTestNode(opts: Parameters<typeof createSoloChain>[1] = {}): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-test-'));
  const chain = await createSoloChain(dir, { accounts: 2, ...opts, node: testNodeConfig(opts.node) });
  const start = () => LingdingNode.start(loadNodeConfigFile(chain.nodes[0].configFile), { logger: silentLogger() });
  const t: TestNode = {
    node: await start(),
    client: new RpcClient(`http://127.0.0.1:${chain.nodes[0].rpcPort}`),
    chain,
    dir,
    async restart() {
      await t.node.stop();
      t.node = await start();
    },
    async stop() {
      await t.node.stop();
    },
    async cleanup() {
      await t.node.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function signedKvSet(
  t: TestNode,
  key: string,
  value: string,
  opts: { account?: KeyPair; chainId?: string; heightOffset?: number; gasLimit?: number } = {},
) {
  const height = await t.client.call('getBlockNumber');
  return buildSignedTx(
    suite,
    {
      chainId: opts.chainId ?? t.chain.chainId,
      height: height + (opts.heightOffset ?? 0),
      to: SystemAddress.KVStore,
      input: fromHex(kvIface.encodeFunctionData('set', [key, value])),
      gasLimit: opts.gasLimit ?? 200_000,
    },
    (opts.account ?? t.chain.accounts[0]).secretKey,
  );
}

export { toHex, fromHex };

/** A native transaction signed by `account`, valid from the node's current height. */
export async function signedBy(
  t: TestNode,
  account: KeyPair,
  to: Uint8Array | null,
  input: Uint8Array | string,
  gasLimit = 3_000_000,
) {
  const height = await t.client.call('getBlockNumber');
  const data = typeof input === 'string' ? fromHex(input) : input;
  return buildSignedTx(suite, { chainId: t.chain.chainId, height, to, input: data, gasLimit }, account.secretKey);
}

/** Sends a transaction signed by `account` and waits for its receipt. */
export async function sendBy(
  t: TestNode,
  account: KeyPair,
  to: Uint8Array | null,
  input: Uint8Array | string,
  gasLimit?: number,
): Promise<Receipt> {
  const { raw } = await signedBy(t, account, to, input, gasLimit);
  return t.client.call('sendTransaction', [toHex(raw), true]) as Promise<Receipt>;
}

/** `member` proposes `action` to the committee (its own vote for it); the proposal must be accepted. */
export async function proposeBy(t: TestNode, member: KeyPair, action: ProposalAction): Promise<Receipt> {
  const { kind, payload } = encodeProposal(action);
  const r = await sendBy(
    t,
    member,
    SystemAddress.Committee,
    committeeIface.encodeFunctionData('propose', [kind, payload]),
  );
  expect(r.status, r.message).toBe(0);
  return r;
}
