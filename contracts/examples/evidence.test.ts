import { hexlify, keccak256, toUtf8Bytes } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample, rustExample, rustSkipReason } from '../testing/examples.js';
import type { CachedBuild } from '../testing/build-cache.js';

const bank = testAddress(0xba2c);
const auditor = testAddress(0xa0d1);
const contractPdf = keccak256(toUtf8Bytes('supply-chain finance contract #2031, signed copy'));
const invoicePdf = keccak256(toUtf8Bytes('invoice 88-1207'));
const ZERO_DIGEST = '0x' + '00'.repeat(32);

if (rustSkipReason) console.warn(rustSkipReason);

const languages: Array<[string, () => Promise<CachedBuild>, boolean]> = [
  ['AssemblyScript', () => asExample('evidence'), true],
  ['Rust', () => rustExample('evidence'), !rustSkipReason],
];

function deploy(built: CachedBuild) {
  const chain = new TestChain();
  const { contract, deployed } = TestContract.deploy(chain, built, [], bank);
  expect(deployed.outcome.status).toBe('success');
  return { chain, contract };
}

describe.each(languages)('%s evidence store', (_, build, available) => {
  let built: CachedBuild;
  beforeAll(async () => {
    if (available) built = await build();
  });

  it.runIf(available)('stores a digest with issuer, metadata and block time, and looks it up', () => {
    const { chain, contract } = deploy(built);
    const sent = contract.send('store', [contractPdf, '{"pilot":"SCF-7","pages":12}'], bank);
    expect(sent.outcome.status).toBe('success');
    expect(sent.events.map((e) => [e.name, ...e.args])).toEqual([
      ['EvidenceStored', contractPdf, addressHex(bank), '{"pilot":"SCF-7","pages":12}'],
    ]);
    expect(contract.value('exists', [contractPdf], auditor)).toBe(true);
    expect(contract.value('isValid', [contractPdf], auditor)).toBe(true);
    expect(contract.value('issuerOf', [contractPdf], auditor)).toBe(addressHex(bank));
    expect(contract.value('metadataOf', [contractPdf], auditor)).toBe('{"pilot":"SCF-7","pages":12}');
    expect(contract.value('storedAt', [contractPdf], auditor)).toBe(BigInt(chain.timestamp));
    expect(contract.value('storedBlock', [contractPdf], auditor)).toBe(BigInt(chain.blockNumber));
    expect(contract.value('count', [], auditor)).toBe(1n);
    expect(contract.value('exists', [invoicePdf], auditor)).toBe(false);
    expect(contract.value('issuerOf', [invoicePdf], auditor)).toBe(addressHex(new Uint8Array(20)));
  });

  it.runIf(available)('refuses duplicates and empty digests', () => {
    const { contract } = deploy(built);
    contract.send('store', [contractPdf, 'first'], bank);
    expect(contract.send('store', [contractPdf, 'again'], auditor).outcome.revertReason).toBe(
      'evidence: already stored',
    );
    expect(contract.send('store', [ZERO_DIGEST, 'x'], bank).outcome.revertReason).toBe('evidence: empty digest');
    expect(contract.value('metadataOf', [contractPdf], auditor)).toBe('first');
  });

  it.runIf(available)('lets only the issuer revoke, once', () => {
    const { contract } = deploy(built);
    contract.send('store', [invoicePdf, 'invoice'], bank);
    expect(contract.send('revoke', [invoicePdf, 'forged'], auditor).outcome.revertReason).toBe(
      'evidence: only the issuer can revoke',
    );
    expect(contract.send('revoke', [contractPdf, 'unknown'], bank).outcome.revertReason).toBe('evidence: not found');
    const revoked = contract.send('revoke', [invoicePdf, 'superseded by 88-1207b'], bank);
    expect(revoked.events.map((e) => [e.name, ...e.args])).toEqual([
      ['EvidenceRevoked', invoicePdf, addressHex(bank), 'superseded by 88-1207b'],
    ]);
    expect(contract.value('isValid', [invoicePdf], auditor)).toBe(false);
    expect(contract.value('exists', [invoicePdf], auditor)).toBe(true);
    expect(contract.value('revocationReason', [invoicePdf], auditor)).toBe('superseded by 88-1207b');
    expect(contract.send('revoke', [invoicePdf, 'again'], bank).outcome.revertReason).toBe('evidence: already revoked');
  });
});

describe.runIf(!rustSkipReason)('AssemblyScript and Rust evidence stores', () => {
  it('give the same outputs, events and storage for the same calls', async () => {
    const [as, rust] = await Promise.all([asExample('evidence'), rustExample('evidence')]);
    const script: Array<[string, unknown[], Uint8Array]> = [
      ['store', [contractPdf, 'métadonnées 元数据'], bank],
      ['store', [invoicePdf, ''], auditor],
      ['revoke', [invoicePdf, 'x'], bank],
      ['revoke', [invoicePdf, 'withdrawn'], auditor],
      ['metadataOf', [contractPdf], bank],
      ['isValid', [invoicePdf], bank],
      ['count', [], bank],
    ];
    const trace = (built: CachedBuild) => {
      const { chain, contract } = deploy(built);
      const runs = script
        .map(([fn, args, from]) => contract.send(fn, args, from).outcome)
        .map((o) => ({
          status: o.status,
          output: hexlify(o.output),
          events: o.events.map((e) => ({ topics: e.topics.map((t) => hexlify(t)), data: hexlify(e.data) })),
        }));
      return { runs, storage: chain.storageOf(contract.address) };
    };
    expect(trace(rust)).toEqual(trace(as));
  });
});
