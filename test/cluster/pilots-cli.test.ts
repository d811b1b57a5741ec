import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex } from '../../node/codec/hex.js';
import { writeKeystoreFile } from '../../node/crypto/keystore.js';
import { keyIdOf } from '../../node/exec/system/pilot-state.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { runCli } from '../helpers/cli-process.js';
import { startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

/** Runs the real `lingding` CLI in its own process (stdin not a terminal: it never prompts). */
const lingding = (args: string[]) => runCli(args, { LINGDING_PASSWORD: 'pw' });

// A committee of two (one vote passes) and two regulators of different jurisdictions.
describe('lingding gov propose register-pilot and lingding regulator against a running node', {
  timeout: 240_000,
}, () => {
  let t: TestNode;
  const regGd = suite.generateKeyPair();
  const regHk = suite.generateKeyPair();
  let rpc: string[];
  let member: string;
  let gd: string;
  let hk: string;
  const keystore = (k: KeyPair, name: string) => {
    const file = join(t.dir, `${name}.json`);
    writeKeystoreFile(file, k.secretKey, 'pw', suite, { scryptN: 1 << 10 });
    return file;
  };
  const specFile = (name: string, spec: unknown) => {
    const file = join(t.dir, name);
    writeFileSync(file, JSON.stringify(spec));
    return file;
  };
  const spec = () => ({
    name: 'GBA document verification',
    institutions: t.chain.accounts.map((a) => toHex(a.address)),
    jurisdictions: ['CN-GD'],
    period: { start: '2020-01-01', end: '2100-01-01' },
    limits: { perTxCap: '5000000', hard: { perTxCap: true } },
  });
  beforeAll(async () => {
    t = await startTestNode({
      accounts: 2,
      regulators: [
        { name: 'Guangdong regulator', jurisdiction: 'CN-GD', account: toHex(regGd.address) },
        { name: 'Hong Kong regulator', jurisdiction: 'HK', account: toHex(regHk.address) },
      ],
    });
    member = keystore(t.chain.accounts[0], 'member');
    gd = keystore(regGd, 'gd');
    hk = keystore(regHk, 'hk');
    rpc = ['--rpc', t.client.url];
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('refuses a bad spec file before signing, naming the file and the field', async () => {
    const file = specFile('bad.json', { ...spec(), limits: { perTxCap: 5 } });
    const bad = await lingding(['gov', 'propose', 'register-pilot', file, '--keystore', member, ...rpc]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${file}: limits.perTxCap:`);
    const late = specFile('late.json', { ...spec(), period: ['2030-01-01', '2029-01-01'] });
    const refused = await lingding(['gov', 'propose', 'register-pilot', late, '--keystore', member, ...rpc]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${late}: period must be [startMs, endMs)`);
    expect((await lingding(['regulator', 'pilots', '--json', ...rpc])).stdout).toContain('"pilots": []');
  });

  it('registers a pilot from a spec file; regulator pilots and pilot show it', async () => {
    const r = await lingding([
      'gov',
      'propose',
      'register-pilot',
      specFile('ok.json', spec()),
      '--keystore',
      member,
      ...rpc,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/proposal\s+1\b/);
    expect(r.stdout).toMatch(/PilotRegistered\(1, 1, GBA document verification\)/);

    const list = await lingding(['regulator', 'pilots', ...rpc]);
    expect(list.stdout).toMatch(
      /#1 {2}registered {2}GBA document verification {2}\(CN-GD; 2 institutions, 0 contracts\)/,
    );
    const json = JSON.parse((await lingding(['regulator', 'pilots', '--json', ...rpc])).stdout);
    expect(json.pilots).toHaveLength(1);
    expect(json.pilots[0]).toMatchObject({
      id: 1,
      startMs: Date.UTC(2020, 0, 1),
      endMs: Date.UTC(2100, 0, 1),
      limits: { perTxCap: '5000000', dailyCap: '0', hard: { perTxCap: true, dailyCap: false, participants: false } },
    });
    const one = await lingding(['regulator', 'pilot', '1', ...rpc]);
    expect(one.stdout).toMatch(/per-tx cap\s+5000000 \(hard\)/);
    expect(one.stdout).toMatch(new RegExp(`supervised by\\s+${toHex(regGd.address)}  Guangdong regulator \\(CN-GD\\)`));
  });

  it('only a supervising regulator suspends and resumes', async () => {
    const other = await lingding(['regulator', 'suspend', '1', '--reason', 'not mine', '--keystore', hk, ...rpc]);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/does not supervise pilot 1 \(jurisdictions CN-GD\) and may not suspend it/);

    const s = await lingding(['regulator', 'suspend', '1', '--reason', 'records missing', '--keystore', gd, ...rpc]);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/PilotSuspended\(1, 0x[0-9a-fA-F]{40}, records missing\)/);
    expect((await lingding(['regulator', 'pilots', '--status', 'suspended', ...rpc])).stdout).toMatch(
      /#1 {2}suspended .*: records missing/,
    );

    const r = await lingding(['regulator', 'resume', '1', '--keystore', gd, ...rpc]);
    expect(r.code).toBe(0);
    expect(JSON.parse((await lingding(['regulator', 'pilot', '1', '--json', ...rpc])).stdout)).toMatchObject({
      status: 'registered',
      reason: '',
      lastChange: { setBy: toHex(regGd.address), proposalId: null },
    });
    const again = await lingding(['regulator', 'resume', '1', '--keystore', gd, ...rpc]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/pilot 1 is registered, not suspended/);
  });

  it('updates the spec, rotates a supervision key and exits the pilot by proposal', async () => {
    const update = specFile('update.json', { ...spec(), name: 'GBA document verification II' });
    const u = await lingding(['gov', 'propose', 'update-pilot', '1', update, '--keystore', member, ...rpc]);
    expect(u.stdout).toMatch(/PilotUpdated\(1, \d+\)/);

    const key = toHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
    const badKey = await lingding([
      'gov',
      'propose',
      'set-supervision-key',
      toHex(regGd.address),
      '0x1234',
      '--keystore',
      member,
      ...rpc,
    ]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/publicKey/);
    const k = await lingding([
      'gov',
      'propose',
      'set-supervision-key',
      toHex(regGd.address),
      key,
      '--keystore',
      member,
      ...rpc,
    ]);
    expect(k.stdout).toMatch(/SupervisionKeySet\(/);

    const x = await lingding([
      'gov',
      'propose',
      'exit-pilot',
      '1',
      '--reason',
      'pilot ended',
      '--keystore',
      member,
      ...rpc,
    ]);
    expect(x.stdout).toMatch(/PilotExited\(1, \d+, pilot ended\)/);
    expect(JSON.parse((await lingding(['regulator', 'pilot', '1', '--json', ...rpc])).stdout)).toMatchObject({
      name: 'GBA document verification II',
      status: 'exited',
      reason: 'pilot ended',
      supervisingRegulators: [{ account: toHex(regGd.address), keyId: toHex(keyIdOf(fromHex(key))) }],
    });
  });
});
