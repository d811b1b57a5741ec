import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKeystoreFile } from '../../node/crypto/keystore.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../node/crypto/node-key.js';
import { runCli } from '../helpers/cli-process.js';
import { startTestNode, suite, type TestNode } from '../helpers/in-process.js';

/** Runs the real `lingding` CLI in its own process (stdin not a terminal: it never prompts). */
const lingding = (args: string[]) => runCli(args, { LINGDING_PASSWORD: 'pw' });

// A node whose committee is three accounts of weight 1 (default rules: two of three decide).
describe('lingding gov against a running node', { timeout: 240_000 }, () => {
  let t: TestNode;
  let keystores: string[];
  let rpc: string[];
  beforeAll(async () => {
    t = await startTestNode({ accounts: 3 });
    keystores = t.chain.accounts.map((a, i) => {
      const file = join(t.dir, `member${i}.json`);
      writeKeystoreFile(file, a.secretKey, 'pw', suite, { scryptN: 1 << 10 });
      return file;
    });
    rpc = ['--rpc', t.client.url];
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('proposes, votes, revokes, lists and shows', async () => {
    const proposed = await lingding([
      'gov',
      'propose',
      'set-config',
      'tx_count_limit',
      '555',
      '--keystore',
      keystores[0],
      ...rpc,
    ]);
    expect(proposed.stderr).toBe('');
    expect(proposed.stdout).toMatch(/proposal\s+1\b/);
    expect(proposed.stdout).toMatch(/ProposalCreated\(1,/);

    const voted = await lingding(['gov', 'vote', '1', 'yes', '--keystore', keystores[1], '--json', ...rpc]);
    expect(voted.code).toBe(0);
    expect(JSON.parse(voted.stdout).events).toEqual([
      expect.stringMatching(/^Voted\(1, 0x[0-9a-fA-F]{40}, true\)$/),
      'ProposalExecuted(1)',
    ]);
    expect((await t.client.call('getSystemConfigByKey', ['tx_count_limit'])).value).toBe('555');

    const shown = await lingding(['gov', 'show', '1', '--json', ...rpc]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 1, status: 'executed', forWeight: 2 });

    const again = await lingding(['gov', 'vote', '1', 'no', '--keystore', keystores[2], ...rpc]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/proposal 1 is executed \(at block \d+\); it can no longer be voted on/);

    const second = await lingding(['gov', 'propose', 'rules', '60', '70', '100', '--keystore', keystores[2], ...rpc]);
    expect(second.stdout).toMatch(/proposal\s+2\b/);
    const notMine = await lingding(['gov', 'revoke', '2', '--keystore', keystores[0], ...rpc]);
    expect(notMine.code).toBe(1);
    expect(notMine.stdout).toMatch(/only the proposer 0x[0-9a-f]{40} may revoke proposal 2/);
    expect((await lingding(['gov', 'revoke', '2', '--keystore', keystores[2], ...rpc])).code).toBe(0);

    const list = await lingding(['gov', 'list', ...rpc]);
    expect(list.stdout).toMatch(/participation 50%, approval 66%/);
    expect(list.stdout).toMatch(/#2 +revoked +rules participation 60% approval 70% lifetime 100/);
    expect(list.stdout).toMatch(/#1 +executed +set-config tx_count_limit=555/);

    const bad = await lingding(['gov', 'vote', '1', 'maybe', '--keystore', keystores[0], ...rpc]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/vote yes or no, got 'maybe'/);
    const badStatus = await lingding(['gov', 'list', '--status', 'done', ...rpc]);
    expect(badStatus.code).toBe(2);
  });

  it('admits and removes a node with lingding node, by proposal and vote', async () => {
    const keyFile = join(t.dir, 'newcomer.pem');
    const secret = generateNodeKey();
    writeNodeKeyFile(keyFile, secret);
    const id = nodeIdOf(secret);
    const idOf = (stdout: string) => stdout.match(/proposal\s+(\d+)/)![1];
    const observers = async () => (await t.client.call('getObserverList')).map((o) => o.nodeId);

    const add = await lingding(['node', 'add-observer', keyFile, '--keystore', keystores[0], ...rpc]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const addId = idOf(add.stdout);
    expect(await observers()).toEqual([]);
    expect((await lingding(['gov', 'vote', addId, 'yes', '--keystore', keystores[1], ...rpc])).code).toBe(0);
    expect(await observers()).toEqual([id]);
    expect((await lingding(['gov', 'show', addId, ...rpc])).stdout).toMatch(
      new RegExp(`executed +addObserver 0x${id}`),
    );

    const twice = await lingding(['node', 'add-validator', id, '--keystore', keystores[0], ...rpc]);
    expect(twice.code).toBe(1);
    expect(twice.stdout).toMatch(/is already in the node list as an observer/);

    const remove = await lingding(['node', 'remove', `0x${id}`, '--keystore', keystores[2], ...rpc]);
    expect(remove.code).toBe(0);
    await lingding(['gov', 'vote', idOf(remove.stdout), 'yes', '--keystore', keystores[0], ...rpc]);
    expect(await observers()).toEqual([]);

    const sealer = (await t.client.call('getSealerList'))[0].nodeId;
    const last = await lingding(['node', 'demote', sealer, '--keystore', keystores[0], ...rpc]);
    expect(last.code).toBe(1);
    expect(last.stdout).toMatch(/is the last validator; a chain needs at least one/);
    const bad = await lingding(['node', 'remove', 'nope', '--keystore', keystores[0], ...rpc]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'nope' is neither a node id nor a readable node key file/);
  });

  it('writes a genesis committee with weights and voting rules', async () => {
    const [a, b] = t.chain.accounts.map((x) => `0x${Buffer.from(x.address).toString('hex')}`);
    const sealer = Buffer.from(suite.generateKeyPair().publicKey).toString('hex');
    const args = ['genesis', '--chain-id', 'g', '--out', join(t.dir, 'g.json'), '--sealer', sealer, '--json'];
    const ok = await lingding([...args, '--committee', `${a}:3`, '--committee', b, '--approval', '75']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).committee).toEqual({
      members: [
        { address: a, weight: 3 },
        { address: b, weight: 1 },
      ],
      participationPercent: 50,
      approvalPercent: 75,
      proposalLifetimeBlocks: 604_800,
    });
    const bad = await lingding([...args, '--committee', `${a}:x`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--committee expects address or address:weight/);
    const badRule = await lingding([...args, '--committee', a, '--participation', '101']);
    expect(badRule.code).toBe(2);
    expect(badRule.stderr).toMatch(/committee.participationPercent/);
  });
});
