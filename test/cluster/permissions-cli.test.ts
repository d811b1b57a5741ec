import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKeystoreFile } from '../../node/crypto/keystore.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { runCli } from '../helpers/cli-process.js';
import { startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

/** Runs the real `lingding` CLI in its own process (stdin not a terminal: it never prompts). */
const lingding = (args: string[]) => runCli(args, { LINGDING_PASSWORD: 'pw' });

// A node whose committee is three accounts of weight 1 (two of three decide), and one regulator.
describe('lingding account, contract freeze and permissions against a running node', { timeout: 240_000 }, () => {
  let t: TestNode;
  const regulator = suite.generateKeyPair();
  const user = suite.generateKeyPair();
  let rpc: string[];
  const keystore = (k: KeyPair, name: string) => {
    const file = join(t.dir, `${name}.json`);
    writeKeystoreFile(file, k.secretKey, 'pw', suite, { scryptN: 1 << 10 });
    return file;
  };
  let members: string[];
  let reg: string;
  beforeAll(async () => {
    t = await startTestNode({
      accounts: 3,
      regulators: [{ name: 'Regulator A', jurisdiction: 'CN', account: toHex(regulator.address) }],
    });
    members = t.chain.accounts.map((a, i) => keystore(a, `member${i}`));
    reg = keystore(regulator, 'regulator');
    rpc = ['--rpc', t.client.url];
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('a regulator freezes at once, a member proposes the unfreeze, permissions shows who did what', async () => {
    const target = toHex(user.address);
    const frozen = await lingding(['account', 'freeze', target, '--reason', 'case 7', '--keystore', reg, ...rpc]);
    expect(frozen.stderr).toBe('');
    expect(frozen.stdout).toMatch(/frozen\s+0x[0-9a-f]{40} \(as regulator/);
    expect(frozen.stdout).toMatch(/AccountStatusChanged\(/);

    const shown = await lingding(['permissions', ...rpc]);
    expect(shown.stdout).toMatch(
      new RegExp(`${target}  frozen \\(block \\d+, by ${toHex(regulator.address)} in 0x[0-9a-f]{64}\\): case 7`),
    );
    expect(shown.stdout).toMatch(/Regulator A \(CN\)/);

    const proposed = await lingding([
      'account',
      'unfreeze',
      target,
      '--reason',
      'cleared',
      '--keystore',
      members[0],
      ...rpc,
    ]);
    expect(proposed.stdout).toMatch(/proposal\s+1\b/);
    expect((await lingding(['gov', 'vote', '1', 'yes', '--keystore', members[1], ...rpc])).code).toBe(0);
    const json = JSON.parse((await lingding(['permissions', '--json', ...rpc])).stdout);
    expect(json.restrictedAccounts).toEqual({ total: 0, entries: [] });

    // A member's freeze is a proposal, not an immediate freeze.
    const byMember = await lingding(['account', 'freeze', target, '--reason', 'r', '--keystore', members[0], ...rpc]);
    expect(byMember.stdout).toMatch(/proposal\s+2\b/);

    const badMode = await lingding([
      'contract',
      'acl',
      target,
      '0x12345678',
      'maybe',
      '--keystore',
      members[0],
      ...rpc,
    ]);
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toMatch(/mode must be allow, deny or clear/);
    const noReason = await lingding(['account', 'freeze', target, '--keystore', reg, ...rpc]);
    expect(noReason.code).not.toBe(0);
  });

  it('lingding genesis writes regulators’ accounts, and refuses a malformed one', async () => {
    const sealer = Buffer.from(suite.generateKeyPair().publicKey).toString('hex');
    const args = ['genesis', '--chain-id', 'g', '--out', join(t.dir, 'g.json'), '--sealer', sealer, '--json'];
    const committee = ['--committee', toHex(t.chain.accounts[0].address)];
    const ok = await lingding([
      ...args,
      ...committee,
      '--regulator-account',
      `${toHex(regulator.address)}:Regulator A:CN`,
    ]);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).regulators).toEqual([
      { account: toHex(regulator.address), name: 'Regulator A', jurisdiction: 'CN' },
    ]);
    const bad = await lingding([...args, ...committee, '--regulator-account', toHex(regulator.address)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--regulator-account expects address:name:jurisdiction/);
  });
});
