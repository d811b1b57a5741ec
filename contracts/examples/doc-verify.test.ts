import { keccak256, toUtf8Bytes } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CachedBuild } from '../testing/build-cache.js';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample } from '../testing/examples.js';

const operator = testAddress(0x0be2);
const creditBureau = testAddress(0xc2ed); // issuer in CN-GD
const university = testAddress(0x0c11); // issuer in MO
const hkBank = testAddress(0xba2c); // verifier in HK
const stranger = testAddress(0x5742);

const creditReport = keccak256(toUtf8Bytes('credit report, customer 4401…, 2024-06'));
const admissionLetter = keccak256(toUtf8Bytes('admission letter, MSc finance, 2024 intake'));
const forged = keccak256(toUtf8Bytes('credit report, edited'));
const CREDIT_REPORT = 1;
const ADMISSION_LETTER = 4;
const DAY = 86_400_000n;
const [UNKNOWN, VALID, REVOKED, EXPIRED] = [0n, 1n, 2n, 3n];

let built: CachedBuild;
beforeAll(async () => {
  built = await asExample('doc-verify');
});

/** A deployed contract with two admitted issuers, and a credit report anchored for 30 days. */
function setUp() {
  const chain = new TestChain();
  const { contract, deployed } = TestContract.deploy(chain, built, [], operator);
  expect(deployed.outcome.status).toBe('success');
  expect(contract.send('addIssuer', [addressHex(creditBureau), 'CN-GD'], operator).outcome.status).toBe('success');
  expect(contract.send('addIssuer', [addressHex(university), 'MO'], operator).outcome.status).toBe('success');
  const expiry = BigInt(chain.timestamp) + 30n * DAY;
  expect(contract.send('anchor', [creditReport, CREDIT_REPORT, expiry], creditBureau).outcome.status).toBe('success');
  return { chain, contract, expiry };
}

const eventsOf = (sent: ReturnType<TestContract['send']>) => sent.events.map((e) => [e.name, ...e.args]);

describe('cross-border document verification (AssemblyScript)', () => {
  it('records issuers, anchors and verifications as events, in order', () => {
    const chain = new TestChain();
    const { contract } = TestContract.deploy(chain, built, [], operator);
    const added = contract.send('addIssuer', [addressHex(creditBureau), 'CN-GD'], operator);
    const expiry = BigInt(chain.timestamp) + 30n * DAY;
    const anchored = contract.send('anchor', [creditReport, CREDIT_REPORT, expiry], creditBureau);
    const verified = contract.send('verify', [creditReport], hkBank);
    expect([...eventsOf(added), ...eventsOf(anchored), ...eventsOf(verified)]).toEqual([
      ['IssuerAdded', addressHex(creditBureau), 'CN-GD'],
      ['DocumentAnchored', creditReport, addressHex(creditBureau), BigInt(CREDIT_REPORT), expiry],
      ['DocumentVerified', creditReport, addressHex(hkBank), addressHex(creditBureau), VALID],
    ]);
    expect(verified.result?.[0]).toBe(VALID);
  });

  it('answers what was anchored, by whom, of which kind and until when', () => {
    const { chain, contract, expiry } = setUp();
    expect(contract.value('statusOf', [creditReport], hkBank)).toBe(VALID);
    expect(contract.value('issuerOf', [creditReport], hkBank)).toBe(addressHex(creditBureau));
    expect(contract.value('jurisdictionOf', [addressHex(creditBureau)], hkBank)).toBe('CN-GD');
    expect(contract.value('kindOf', [creditReport], hkBank)).toBe(BigInt(CREDIT_REPORT));
    expect(contract.value('expiresAt', [creditReport], hkBank)).toBe(expiry);
    expect(contract.value('anchoredAt', [creditReport], hkBank)).toBe(BigInt(chain.timestamp));
    expect(contract.value('operator', [], hkBank)).toBe(addressHex(operator));
  });

  it('records a failed verification too, with what was wrong', () => {
    const { chain, contract, expiry } = setUp();
    const unknown = contract.send('verify', [forged], hkBank);
    expect(unknown.outcome.status).toBe('success');
    expect(eventsOf(unknown)).toEqual([
      ['DocumentVerified', forged, addressHex(hkBank), addressHex(new Uint8Array(20)), UNKNOWN],
    ]);
    chain.timestamp = Number(expiry);
    const expired = contract.send('verify', [creditReport], hkBank);
    expect(expired.result?.[0]).toBe(EXPIRED);
    expect(contract.value('verificationCount', [creditReport], stranger)).toBe(1n);
    expect(contract.value('verificationCount', [forged], stranger)).toBe(1n);
  });

  it('lets only the issuer revoke, once, after which verification says revoked', () => {
    const { chain, contract } = setUp();
    expect(contract.send('revoke', [creditReport, 'disputed'], university).outcome.revertReason).toBe(
      'doc-verify: only the issuer revokes',
    );
    expect(contract.send('revoke', [forged, 'x'], creditBureau).outcome.revertReason).toBe(
      'doc-verify: unknown document',
    );
    chain.timestamp += 1000;
    const revoked = contract.send('revoke', [creditReport, 'superseded by the July report'], creditBureau);
    expect(eventsOf(revoked)).toEqual([
      ['DocumentRevoked', creditReport, addressHex(creditBureau), 'superseded by the July report'],
    ]);
    expect(contract.value('revokedAt', [creditReport], hkBank)).toBe(BigInt(chain.timestamp));
    expect(contract.send('revoke', [creditReport, 'again'], creditBureau).outcome.revertReason).toBe(
      'doc-verify: already revoked',
    );
    const check = contract.send('verify', [creditReport], hkBank);
    expect(eventsOf(check)).toEqual([
      ['DocumentVerified', creditReport, addressHex(hkBank), addressHex(creditBureau), REVOKED],
    ]);
  });

  it('refuses anchors from anyone but an admitted issuer, and malformed anchors', () => {
    const { chain, contract } = setUp();
    const later = BigInt(chain.timestamp) + DAY;
    const refusals: Array<[unknown[], Uint8Array, string]> = [
      [[admissionLetter, ADMISSION_LETTER, later], hkBank, 'doc-verify: caller is not an admitted issuer'],
      [['0x' + '00'.repeat(32), ADMISSION_LETTER, later], university, 'doc-verify: empty digest'],
      [[admissionLetter, 0, later], university, 'doc-verify: unknown document kind'],
      [[admissionLetter, 5, later], university, 'doc-verify: unknown document kind'],
      [[admissionLetter, ADMISSION_LETTER, BigInt(chain.timestamp)], university, 'doc-verify: already expired'],
      [[creditReport, CREDIT_REPORT, later], university, 'doc-verify: already anchored'],
    ];
    for (const [args, from, reason] of refusals) {
      const sent = contract.send('anchor', args, from);
      expect(sent.outcome.revertReason).toBe(reason);
      expect(sent.events).toEqual([]);
    }
    expect(contract.value('statusOf', [admissionLetter], hkBank)).toBe(UNKNOWN);
    expect(contract.value('issuerOf', [creditReport], hkBank)).toBe(addressHex(creditBureau));
  });

  it('lets only the operator admit issuers, each once', () => {
    const { contract } = setUp();
    expect(contract.send('addIssuer', [addressHex(stranger), 'HK'], creditBureau).outcome.revertReason).toBe(
      'doc-verify: only the operator adds issuers',
    );
    expect(contract.send('addIssuer', [addressHex(university), 'HK'], operator).outcome.revertReason).toBe(
      'doc-verify: issuer already added',
    );
    expect(contract.send('addIssuer', [addressHex(stranger), ''], operator).outcome.revertReason).toBe(
      'doc-verify: empty jurisdiction',
    );
    expect(contract.send('addIssuer', [addressHex(new Uint8Array(20)), 'HK'], operator).outcome.revertReason).toBe(
      'doc-verify: zero issuer',
    );
    expect(contract.value('jurisdictionOf', [addressHex(university)], hkBank)).toBe('MO');
  });
});
