import { concat, getBytes, id, keccak256, toUtf8Bytes } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CachedBuild } from '../testing/build-cache.js';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample } from '../testing/examples.js';
import { PilotRegistryStub } from '../testing/pilot-registry.js';

const operator = testAddress(0x0be2);
const taxBureau = testAddress(0x7a8b); // data source in CN-GD
const subsidyOffice = testAddress(0x5b51); // data source in MO
const macauBank = testAddress(0xba2c);
const stranger = testAddress(0x5742);
const PILOT = 3;
const ZERO32 = `0x${'00'.repeat(32)}`;
const [UNKNOWN, VALID, REVOKED] = [0n, 1n, 2n];

/** A record's commitment as decision 6 defines it: keccak256(salt ‖ record). */
const commitmentOf = (salt: string, record: string) => keccak256(concat([getBytes(id(salt)), toUtf8Bytes(record)]));
const juneSalary = commitmentOf('salt of June', '{"worker":"…","period":202406,"income":"23800.00 CNY"}');
const julySalary = commitmentOf('salt of July', '{"worker":"…","period":202407,"income":"24100.00 CNY"}');
const purchase = commitmentOf('salt of the purchase', '{"buy":"20000.00 MOP","for":"…"}');
const worker = id('worker reference shared by the tax bureau and the worker');

let built: CachedBuild;
beforeAll(async () => {
  built = await asExample('income');
});

function setUp() {
  const chain = new TestChain();
  const registry = new PilotRegistryStub(chain);
  const { contract, deployed } = TestContract.deploy(chain, built, [], operator);
  expect(deployed.outcome.status).toBe('success');
  /** Sends `fn` in a transaction carrying a private record of `pilot` with `commitment` (or none). */
  const send = (fn: string, args: unknown[], from: Uint8Array, record?: { pilot: number; commitment: string }) => {
    registry.payload = record;
    try {
      return contract.send(fn, args, from);
    } finally {
      registry.payload = undefined;
    }
  };
  return { chain, contract, send };
}

/** Set up, with the pilot named, the tax bureau admitted, and June's salary anchored. */
function anchored() {
  const s = setUp();
  expect(s.send('setPilot', [PILOT], operator).outcome.status).toBe('success');
  expect(s.send('addSource', [addressHex(taxBureau), 'CN-GD'], operator).outcome.status).toBe('success');
  const sent = s.send('anchor', [worker, 202406], taxBureau, { pilot: PILOT, commitment: juneSalary });
  expect(sent.outcome.revertReason).toBeUndefined();
  return s;
}

const eventsOf = (sent: ReturnType<TestContract['send']>) => sent.events.map((e) => [e.name, ...e.args]);

describe('income verification for cross-border workers (AssemblyScript)', () => {
  it('anchors the commitment of the record the transaction carries and records a bank check, as events in order', () => {
    const { send } = setUp();
    const story = [
      send('setPilot', [PILOT], operator),
      send('addSource', [addressHex(taxBureau), 'CN-GD'], operator),
      send('anchor', [worker, 202406], taxBureau, { pilot: PILOT, commitment: juneSalary }),
      send('verify', [juneSalary], macauBank, { pilot: PILOT, commitment: purchase }),
      send('verify', [julySalary], macauBank),
    ];
    expect(story.flatMap(eventsOf)).toEqual([
      ['PilotSet', BigInt(PILOT)],
      ['SourceAdded', addressHex(taxBureau), 'CN-GD'],
      ['IncomeAnchored', juneSalary, addressHex(taxBureau), worker, 202406n],
      ['IncomeVerified', juneSalary, addressHex(macauBank), worker, VALID, purchase],
      ['IncomeVerified', julySalary, addressHex(macauBank), ZERO32, UNKNOWN, ZERO32],
    ]);
    expect(story[2].result?.[0]).toBe(juneSalary);
    expect(story[3].result?.[0]).toBe(VALID);
  });

  it('answers who anchored what, for which worker and period', () => {
    const { chain, contract } = anchored();
    expect(contract.value('statusOf', [juneSalary], macauBank)).toBe(VALID);
    expect(contract.value('sourceOf', [juneSalary], macauBank)).toBe(addressHex(taxBureau));
    expect(contract.value('workerOf', [juneSalary], macauBank)).toBe(worker);
    expect(contract.value('periodOf', [juneSalary], macauBank)).toBe(202406n);
    expect(contract.value('anchoredAt', [juneSalary], macauBank)).toBe(BigInt(chain.timestamp));
    expect(contract.value('jurisdictionOf', [addressHex(taxBureau)], macauBank)).toBe('CN-GD');
    expect(contract.value('pilot', [], macauBank)).toBe(BigInt(PILOT));
  });

  it('refuses an anchor whose transaction carries no record of this pilot, or one already anchored', () => {
    const { send, contract } = anchored();
    const refusals: Array<[unknown[], Uint8Array, { pilot: number; commitment: string } | undefined, string]> = [
      [[worker, 202407], taxBureau, undefined, 'income: the transaction carries no private record'],
      [
        [worker, 202407],
        taxBureau,
        { pilot: PILOT + 1, commitment: julySalary },
        'income: the private record is for another pilot',
      ],
      [
        [worker, 202407],
        stranger,
        { pilot: PILOT, commitment: julySalary },
        'income: caller is not an admitted source',
      ],
      [[worker, 202406], taxBureau, { pilot: PILOT, commitment: juneSalary }, 'income: already anchored'],
    ];
    for (const [args, from, record, reason] of refusals) {
      const sent = send('anchor', args, from, record);
      expect(sent.outcome.revertReason).toBe(reason);
      expect(sent.events).toEqual([]);
    }
    expect(contract.value('statusOf', [julySalary], macauBank)).toBe(UNKNOWN);
  });

  it('refuses anchors before the pilot is named, and names it only once, by the operator', () => {
    const { send } = setUp();
    send('addSource', [addressHex(taxBureau), 'CN-GD'], operator);
    expect(
      send('anchor', [worker, 202406], taxBureau, { pilot: PILOT, commitment: juneSalary }).outcome.revertReason,
    ).toBe('income: pilot not set');
    expect(send('setPilot', [PILOT], taxBureau).outcome.revertReason).toBe('income: only the operator sets the pilot');
    expect(send('setPilot', [0], operator).outcome.revertReason).toBe('income: pilot 0 does not exist');
    send('setPilot', [PILOT], operator);
    expect(send('setPilot', [PILOT + 1], operator).outcome.revertReason).toBe('income: pilot already set');
  });

  it('refuses a purchase record of another pilot with a check', () => {
    const { send, contract } = anchored();
    const sent = send('verify', [juneSalary], macauBank, { pilot: PILOT + 1, commitment: purchase });
    expect(sent.outcome.revertReason).toBe('income: the private record is for another pilot');
    expect(contract.value('checkCount', [juneSalary], macauBank)).toBe(0n);
  });

  it('lets only the source revoke, once, after which a check says revoked', () => {
    const { chain, send, contract } = anchored();
    send('addSource', [addressHex(subsidyOffice), 'MO'], operator);
    expect(send('revoke', [juneSalary, 'corrected'], subsidyOffice).outcome.revertReason).toBe(
      'income: only the source revokes',
    );
    expect(send('revoke', [julySalary, 'x'], taxBureau).outcome.revertReason).toBe('income: unknown record');
    chain.timestamp += 60_000;
    const revoked = send('revoke', [juneSalary, 'corrected return filed'], taxBureau);
    expect(eventsOf(revoked)).toEqual([['IncomeRevoked', juneSalary, addressHex(taxBureau), 'corrected return filed']]);
    expect(contract.value('revokedAt', [juneSalary], macauBank)).toBe(BigInt(chain.timestamp));
    expect(send('revoke', [juneSalary, 'again'], taxBureau).outcome.revertReason).toBe('income: already revoked');
    expect(send('verify', [juneSalary], macauBank).result?.[0]).toBe(REVOKED);
    expect(contract.value('checkCount', [juneSalary], macauBank)).toBe(1n);
  });

  it('lets only the operator admit sources, each once', () => {
    const { send } = anchored();
    expect(send('addSource', [addressHex(stranger), 'HK'], taxBureau).outcome.revertReason).toBe(
      'income: only the operator adds sources',
    );
    expect(send('addSource', [addressHex(taxBureau), 'HK'], operator).outcome.revertReason).toBe(
      'income: source already added',
    );
    expect(send('addSource', [addressHex(stranger), ''], operator).outcome.revertReason).toBe(
      'income: empty jurisdiction',
    );
  });

  it('reverts when PilotRegistry does not answer (a chain without it)', () => {
    const chain = new TestChain();
    const { contract } = TestContract.deploy(chain, built, [], operator);
    expect(contract.send('verify', [juneSalary], macauBank).outcome.revertReason).toBe(
      'income: PilotRegistry did not answer',
    );
  });
});
