import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../node/codec/hex.js';
import { readKeystoreFile, writeKeystoreFile } from '../../node/crypto/keystore.js';
import { HOST_IMPORTS } from '../helpers/vm/contracts.js';
import { wat } from '../helpers/vm/wat.js';
import { runCli } from '../helpers/cli-process.js';
import { kvIface, startTestNode, suite, type TestNode } from '../helpers/in-process.js';
import { getCreateAddress } from 'ethers';
import { committeeOf } from '../../node/config/genesis.js';
import { writeSoloChain } from '../../tools/devnet/local-chain.js';

/** Runs the real `lingding` CLI in its own process (stdin not a terminal: it never prompts for a password). */
const lingding = (args: string[], env: NodeJS.ProcessEnv = { LINGDING_PASSWORD: 'pw' }) =>
  runCli(args, { LINGDING_PASSWORD: undefined, ...env });

// Each CLI run is a fresh process (the build, under plain node): allow for a busy machine.
describe('lingding CLI against a running node', { timeout: 240_000 }, () => {
  let t: TestNode;
  let keystore: string;
  beforeAll(async () => {
    t = await startTestNode();
    keystore = join(t.dir, 'account.json');
    writeKeystoreFile(keystore, t.chain.accounts[0].secretKey, 'pw', suite, { scryptN: 1 << 10 });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('sends a transaction, gets its receipt and a proof that verifies offline', async () => {
    const rpc = ['--rpc', t.client.url];
    const sent = await lingding([
      'send',
      '0x0000000000000000000000000000000000001010',
      'set(string,string)',
      'color',
      'blue',
      '--keystore',
      keystore,
      '--json',
      ...rpc,
    ]);
    expect(sent.stderr).toBe('');
    const receipt = JSON.parse(sent.stdout) as { status: number; transactionHash: string };
    expect(receipt.status).toBe(0);

    const got = await lingding(['receipt', receipt.transactionHash, '--json', ...rpc]);
    expect(JSON.parse(got.stdout).transactionHash).toBe(receipt.transactionHash);

    const proofFile = join(t.dir, 'proof.json');
    const proof = await lingding(['proof', receipt.transactionHash, '--out', proofFile, '--json', ...rpc]);
    expect(JSON.parse(proof.stdout).verified).toBe(true);
    // Offline: no --rpc, the node is not consulted.
    const ok = await lingding(['verify-proof', proofFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VALID/);
    const p = JSON.parse(readFileSync(proofFile, 'utf8'));
    p.proof.index = (p.proof.index + 1) % Math.max(2, p.proof.leafCount);
    p.leaf = '0x' + '11'.repeat(32);
    writeFileSync(proofFile, JSON.stringify(p));
    const bad = await lingding(['verify-proof', proofFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/^INVALID/);

    const call = await lingding([
      'call',
      '0x0000000000000000000000000000000000001010',
      'getOf(address,string) returns (bool,string)',
      '0x' + Buffer.from(t.chain.accounts[0].address).toString('hex'),
      'color',
      ...rpc,
    ]);
    expect(call.stdout.trim().split('\n')).toEqual(['true', 'blue']);
  });

  it('deploys a contract with its ABI and calls it by method name', async () => {
    const wasmFile = join(t.dir, 'answer.wasm');
    const abiFile = join(t.dir, 'answer.abi.json');
    // answer() returns uint256 42, ABI-encoded.
    writeFileSync(
      wasmFile,
      wat(`(module ${HOST_IMPORTS} (memory (export "memory") 1)
        (func (export "call") (i32.store8 (i32.const 31) (i32.const 42)) (call $finish (i32.const 0) (i32.const 32))))`),
    );
    writeFileSync(
      abiFile,
      JSON.stringify([
        {
          type: 'function',
          name: 'answer',
          stateMutability: 'view',
          inputs: [],
          outputs: [{ name: '', type: 'uint256' }],
        },
      ]),
    );
    const dep = await lingding([
      'deploy',
      wasmFile,
      '--abi',
      abiFile,
      '--keystore',
      keystore,
      '--json',
      '--rpc',
      t.client.url,
    ]);
    const { contractAddress, status } = JSON.parse(dep.stdout) as { contractAddress: string; status: number };
    expect(status).toBe(0);
    const call = await lingding(['call', contractAddress, 'answer', '--abi', abiFile, '--rpc', t.client.url]);
    expect(call.stdout.trim()).toBe('42');
    expect(JSON.parse((await t.client.call('getAbi', [contractAddress]))!)[0].name).toBe('answer');
  });

  it('signs Ethereum transactions from a raw key file: a call and a deploy, at the sequential nonces', async () => {
    const keyFile = join(t.dir, 'account.key');
    writeFileSync(keyFile, `${toHex(t.chain.accounts[1].secretKey)}\n`);
    const rpc = ['--rpc', t.client.url];
    const eth = ['--key-file', keyFile, '--tx-type', 'ethereum', '--json', ...rpc];
    const sent = await lingding([
      'send',
      '0x0000000000000000000000000000000000001010',
      'set(string,string)',
      'k',
      'v',
      ...eth,
    ]);
    expect(sent.stderr).toBe('');
    const { transactionHash, status } = JSON.parse(sent.stdout) as { transactionHash: string; status: number };
    expect(status).toBe(0);
    const tx = await t.client.call('eth_getTransactionByHash', [transactionHash]);
    expect([tx?.type, tx?.nonce, tx?.from]).toEqual(['0x2', '0x0', toHex(t.chain.accounts[1].address)]);

    const dep = await lingding(['deploy', join(t.dir, 'answer.wasm'), '--abi', join(t.dir, 'answer.abi.json'), ...eth]);
    const deployed = JSON.parse(dep.stdout) as { contractAddress: string; status: number; transactionHash: string };
    expect(deployed.status).toBe(0);
    // Ethereum's CREATE address of (sender, nonce 1): where ethers and viem expect the contract.
    expect(deployed.contractAddress).toBe(
      getCreateAddress({ from: toHex(t.chain.accounts[1].address), nonce: 1 }).toLowerCase(),
    );
    const call = await lingding([
      'call',
      deployed.contractAddress,
      'answer',
      '--abi',
      join(t.dir, 'answer.abi.json'),
      ...rpc,
    ]);
    expect(call.stdout.trim()).toBe('42');
  });

  it('refuses a bad key file, two signers or none, and an unknown --tx-type, changing nothing', async () => {
    const rpc = ['--rpc', t.client.url];
    const kvSet = ['send', '0x0000000000000000000000000000000000001010', 'set(string,string)', 'bad', 'x'];
    const garbage = join(t.dir, 'garbage.key');
    writeFileSync(garbage, 'not a key at all');
    const bad = await lingding([...kvSet, '--key-file', garbage, ...rpc]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must hold one private key: 64 hex digits/);
    expect(bad.stderr).not.toContain('not a key at all');
    const both = await lingding([...kvSet, '--key-file', garbage, '--keystore', keystore, ...rpc]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/--keystore or --key-file, not both/)]);
    const none = await lingding([...kvSet, ...rpc]);
    expect([none.code, none.stderr]).toEqual([2, expect.stringMatching(/give --keystore <file> or --key-file <file>/)]);
    const type = await lingding([...kvSet, '--keystore', keystore, '--tx-type', 'bitcoin', ...rpc]);
    expect([type.code, type.stderr]).toEqual([2, expect.stringMatching(/--tx-type must be native or ethereum/)]);
    const got = await t.client.call('call', [
      {
        to: '0x0000000000000000000000000000000000001010',
        data: kvIface.encodeFunctionData('getOf', [toHex(t.chain.accounts[0].address), 'bad']),
      },
    ]);
    // Nothing was sent: the key the refused commands would have set is not there.
    expect(kvIface.decodeFunctionResult('getOf', got.output)[0]).toBe(false);
  });

  it('answers bad input with a clear error and a non-zero exit', async () => {
    const badAddr = await lingding([
      'send',
      '0x12',
      'set(string,string)',
      'a',
      'b',
      '--keystore',
      keystore,
      '--rpc',
      t.client.url,
    ]);
    expect(badAddr.code).toBe(2);
    expect(badAddr.stderr).toMatch(/to must be 20 bytes/);
    const badMethod = await lingding([
      'call',
      '0x0000000000000000000000000000000000001010',
      'get(strin)',
      'x',
      '--rpc',
      t.client.url,
    ]);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/cannot parse method/);
    const send = [
      'send',
      '0x0000000000000000000000000000000000001010',
      'set(string,string)',
      'a',
      'b',
      '--keystore',
      keystore,
      '--rpc',
      t.client.url,
    ];
    const wrongPw = await lingding(send, { LINGDING_PASSWORD: 'nope' });
    expect(wrongPw.code).toBe(2);
    expect(wrongPw.stderr).toMatch(/wrong password/);
    const noPwSend = await lingding(send, {});
    expect(noPwSend.code).toBe(2);
    expect(noPwSend.stderr).toMatch(
      /a password is required for .*account\.json: give --password-file <file> or set LINGDING_PASSWORD/,
    );
    const oldFlag = await lingding(['keygen', '--out', join(t.dir, 'never.json'), '--password', 'pw']);
    expect(oldFlag.code).not.toBe(0);
    expect(oldFlag.stderr).toMatch(/unknown option '--password'/);
    const down = await lingding(['info', '--rpc', 'http://127.0.0.1:1']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach/);
    const overwrite = await lingding(['keygen', '--type', 'account', '--out', keystore]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(/already exists/);
  });

  it('a node that cannot start says why in one line and exits 2: ledger in use, a bad system config value', async () => {
    // The in-process test node holds this config's ledger open.
    const second = await lingding(['node', 'start', '--config', t.chain.nodes[0].configFile]);
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(
      `error: the ledger database at ${join(t.chain.nodes[0].dir, 'data', 'ledger')} is in use by another process (is another node running on this data directory?)\n`,
    );
    const bad = writeSoloChain({
      dir: mkdtempSync(join(tmpdir(), 'lingding-bad-config-')),
      chainId: 'bad-config',
      timestamp: 1_700_000_000_000,
      committee: committeeOf(['0x' + '11'.repeat(20)]),
      systemConfig: { tx_count_limit: '0' },
      rpcPort: 1,
    });
    try {
      const refused = await lingding(['node', 'start', '--config', bad.configFile]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe('error: tx_count_limit must be between 1 and 100000, got 0\n');
    } finally {
      rmSync(bad.dir, { recursive: true, force: true });
    }
  });

  it('reads a keystore password from --password-file', async () => {
    const pwFile = join(t.dir, 'pw.txt');
    writeFileSync(pwFile, 'from-file\n');
    const ks = join(t.dir, 'from-file.json');
    const made = await lingding(['keygen', '--out', ks, '--password-file', pwFile, '--scrypt-n', '1024', '--json'], {});
    expect(made.code).toBe(0);
    const { address } = JSON.parse(made.stdout) as { address: string };
    expect(toHex(suite.keyPairFromSecret(readKeystoreFile(ks, 'from-file', suite)).address)).toBe(address);
  });

  it('writes node keys and a genesis file that a node accepts', async () => {
    const nodeKey = join(t.dir, 'n.pem');
    const k = await lingding(['keygen', '--type', 'node', '--out', nodeKey, '--json']);
    const { nodeId } = JSON.parse(k.stdout) as { nodeId: string };
    expect(nodeId).toMatch(/^[0-9a-f]{128}$/);
    const g = join(t.dir, 'g.json');
    const gen = await lingding([
      'genesis',
      '--chain-id',
      'cli-test',
      '--validator',
      nodeKey,
      '--committee',
      '0x' + '11'.repeat(20),
      '--set',
      'tx_count_limit=10',
      '--out',
      g,
    ]);
    expect(gen.code).toBe(0);
    expect(JSON.parse(readFileSync(g, 'utf8'))).toMatchObject({
      chainId: 'cli-test',
      sealers: [nodeId],
      systemConfig: { tx_count_limit: '10' },
    });
    const bad = await lingding([
      'genesis',
      '--chain-id',
      'bad id!',
      '--sealer',
      nodeKey,
      '--committee',
      '0x11',
      '--out',
      g,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/chainId|committee/);
  });
});

describe('lingding contract build from the build', { timeout: 240_000 }, () => {
  it('compiles an AssemblyScript example: the SDK sources are found from the package, not from dist/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lingding-contract-'));
    try {
      const built = await lingding([
        'contract',
        'build',
        'contracts/examples/assembly/faucet.ts',
        '--out',
        out,
        '--json',
      ]);
      expect(built.stderr).toBe('');
      expect(built.code).toBe(0);
      const summary = JSON.parse(built.stdout) as { name: string; wasm: string; abi: string; bytes: number };
      expect(summary).toMatchObject({
        name: 'faucet',
        wasm: join(out, 'faucet.wasm'),
        abi: join(out, 'faucet.abi.json'),
      });
      const wasm = readFileSync(summary.wasm);
      expect(wasm.length).toBe(summary.bytes);
      expect(wasm.subarray(0, 4).toString('latin1')).toBe('\0asm');
      const abi = JSON.parse(readFileSync(summary.abi, 'utf8')) as { type: string; name?: string }[];
      expect(abi.filter((e) => e.type === 'function').map((e) => e.name)).toEqual(
        expect.arrayContaining(['available', 'token', 'hasClaimed']),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
