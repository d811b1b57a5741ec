import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGenesis } from '../chain/genesis-block.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { supervisionKeyAt } from '../exec/system/pilot-state.js';
import { NODE_DEFAULTS } from './defaults.js';
import { ConfigError, deriveEthereumChainId, loadGenesisFile } from './genesis.js';
import { loadNodeConfigFile } from './node-config.js';
import { mergeNodeSettings, withNodeSettings, writeGenesisFile, writeNodeConfigFile } from './writer.js';

const root = mkdtempSync(join(tmpdir(), 'lingding-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(root, String(n++), name);

const NODE_ID = 'ab'.repeat(64);
const genesisInput = {
  chainId: 'unit',
  suite: 'ecdsa' as const,
  timestamp: 1_700_000_000_000,
  sealers: ['0x' + NODE_ID.toUpperCase()],
  committee: { members: [{ address: '0x' + '11'.repeat(20) }] },
};
const nodeInput = {
  genesis: '../genesis.json',
  dataDir: 'data',
  nodeKey: 'node.pem',
  rpc: { port: 8545 },
  p2p: { port: 30300, peers: [{ nodeId: NODE_ID, host: '10.0.0.2', port: 30300 }] },
  consensus: { engine: 'pbft' as const },
};

/** The ConfigError a call throws, so a test can check what it names. */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config writer', () => {
  it('writes a genesis file in full, which loads back equal to what the writer returned', () => {
    const file = fresh('genesis.json');
    const written = writeGenesisFile(file, genesisInput);
    expect(loadGenesisFile(file)).toEqual(written);
    // Defaults filled in and ids canonical on disk: the file alone fixes the genesis hash.
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk).toEqual(written);
    expect(onDisk).toMatchObject({ blockLimitWindow: 1000, observers: [], systemConfig: {}, sealers: [NODE_ID] });
  });

  it('writes a node config as given, which loads back as the writer resolved it', () => {
    const file = fresh('node.json');
    const resolved = writeNodeConfigFile(file, nodeInput);
    expect(loadNodeConfigFile(file)).toEqual(resolved);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(nodeInput); // defaults stay out of the file
    expect(resolved.genesis).toBe(join(file, '../../genesis.json'));
    expect(resolved.consensus).toEqual({ ...NODE_DEFAULTS.consensus, engine: 'pbft' });
  });

  it('refuses a bad genesis, naming the file and the field, and writes nothing', () => {
    const file = fresh('genesis.json');
    const e = configError(() => writeGenesisFile(file, { ...genesisInput, sealers: ['0x1234'] }));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/sealers\.0: node id .* must be 64 bytes of hex/);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    const dup = configError(() => writeGenesisFile(file, { ...genesisInput, sealers: [NODE_ID, '0x' + NODE_ID] }));
    expect(dup.message).toMatch(/a node id appears more than once/);
  });

  it("keeps a regulator's optional supervisionKey, refuses one off the curve, and writes state for it only when present", () => {
    const key = `0x${Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString('hex')}`;
    const regulator = { name: 'HKMA', jurisdiction: 'HK', account: `0x${'22'.repeat(20)}` };
    const without = writeGenesisFile(fresh('genesis.json'), { ...genesisInput, regulators: [regulator] });
    const withKey = writeGenesisFile(fresh('genesis.json'), {
      ...genesisInput,
      regulators: [{ ...regulator, supervisionKey: key }],
    });
    expect(withKey.regulators[0].supervisionKey).toBe(key);
    expect(without.regulators[0]).not.toHaveProperty('supervisionKey');
    const suite = createEcdsaSuite();
    const account = Buffer.from('22'.repeat(20), 'hex');
    expect(supervisionKeyAt(buildGenesis(suite, withKey).state, account, 0)).toEqual(
      new Uint8Array(Buffer.from(key.slice(2), 'hex')),
    );
    expect(supervisionKeyAt(buildGenesis(suite, without).state, account, 0)).toBeNull();
    const offCurve = configError(() =>
      writeGenesisFile(fresh('genesis.json'), {
        ...genesisInput,
        regulators: [{ ...regulator, supervisionKey: `0x02${'ff'.repeat(32)}` }],
      }),
    );
    expect(offCurve.message).toMatch(/regulators\.0\.supervisionKey: supervisionKey is not a point on secp256k1/);
  });

  it('refuses a bad node config, naming the file and the field, and writes nothing', () => {
    const file = fresh('node.json');
    const e = configError(() =>
      writeNodeConfigFile(file, { ...nodeInput, consensus: { engine: 'pbft', viewTimeoutMs: 10 } }),
    );
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/consensus\.viewTimeoutMs: /);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    const peer = configError(() =>
      writeNodeConfigFile(file, { ...nodeInput, p2p: { port: 1, peers: [{ nodeId: 'x', host: 'h', port: 1 }] } }),
    );
    expect(peer.message).toMatch(/p2p\.peers\.0\.nodeId: node id/);
  });

  it('names the file and the field when a hand-written file is wrong', () => {
    const file = fresh('node.json');
    writeNodeConfigFile(file, nodeInput);
    writeFileSync(file, JSON.stringify({ ...nodeInput, txpool: { maxCount: 0 }, extra: 1 }));
    const e = configError(() => loadNodeConfigFile(file));
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    expect(e.message).toMatch(/txpool\.maxCount: /);
    expect(e.message).toMatch(/extra/);
    writeFileSync(file, '{ not json');
    expect(configError(() => loadNodeConfigFile(file)).message).toMatch(`${file} is not valid JSON`);
    expect(configError(() => loadGenesisFile(join(root, 'missing.json'))).message).toMatch(/cannot read .*ENOENT/);
  });

  it('lays settings over a config section by section; undefined sets nothing', () => {
    const merged = mergeNodeSettings(
      { consensus: { viewTimeoutMs: 1500 }, storage: { syncWrites: false } },
      { consensus: { minSealDelayMs: 0, viewTimeoutMs: undefined }, log: { level: 'warn' } },
    );
    expect(merged).toEqual({
      consensus: { viewTimeoutMs: 1500, minSealDelayMs: 0 },
      storage: { syncWrites: false },
      log: { level: 'warn' },
    });
    const c = withNodeSettings(nodeInput, merged);
    expect(c.consensus).toEqual({ engine: 'pbft', viewTimeoutMs: 1500, minSealDelayMs: 0 });
    expect(c.rpc).toEqual({ port: 8545 });
  });
});

describe('genesis ethereumChainId', () => {
  it('is derived from the chainId when absent, written out in full, and kept when set', () => {
    const derived = deriveEthereumChainId('unit');
    expect(Number.isSafeInteger(derived)).toBe(true);
    expect(derived).toBeGreaterThanOrEqual(1);
    expect(derived).toBeLessThanOrEqual(0x7fffffff);
    expect(deriveEthereumChainId('unit')).toBe(derived);
    expect(deriveEthereumChainId('unit-2')).not.toBe(derived);
    const path = fresh('genesis.json');
    expect(writeGenesisFile(path, genesisInput).ethereumChainId).toBe(derived);
    expect(JSON.parse(readFileSync(path, 'utf8')).ethereumChainId).toBe(derived);
    expect(loadGenesisFile(path).ethereumChainId).toBe(derived);
    const set = fresh('genesis.json');
    writeGenesisFile(set, { ...genesisInput, ethereumChainId: 31337 });
    expect(loadGenesisFile(set).ethereumChainId).toBe(31337);
  });

  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '5'])('refuses ethereumChainId %s, naming the field', (bad) => {
    const e = configError(() =>
      writeGenesisFile(fresh('genesis.json'), { ...genesisInput, ethereumChainId: bad as number }),
    );
    expect(e.message).toMatch(/ethereumChainId/);
  });
});
