import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { storageKey, SystemAddress } from '../addresses.js';
import { StateOverlay } from '../../state/overlay.js';
import { permissionsGenesisEntries } from './permissions.js';
import {
  dayOf,
  encodeKeyHistory,
  encodePilot,
  isSupervisionPublicKey,
  keyIdOf,
  type Pilot,
  PilotKey,
  PilotStatus,
  pilotActivityProblem,
  pilotContractRefusal,
  pilotOfContract,
  readPilot,
  supervisingRegulators,
  supervisionKeyAt,
  supervisionKeysInForce,
} from './pilot-state.js';
import { encodeCanonical } from '../../codec/canonical.js';

const addr = (n: number) => new Uint8Array(20).fill(n);
const pub = () => secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
const gd = { account: addr(0xa1), name: 'GD', jurisdiction: 'CN-GD' };
const hk = { account: addr(0xa2), name: 'HK', jurisdiction: 'HK' };

const pilot: Pilot = {
  id: 1,
  name: 'receivables',
  institutions: [addr(1), addr(2)],
  contracts: [addr(0xc1)],
  jurisdictions: ['CN-GD'],
  startMs: 1000,
  endMs: 5000,
  limits: { perTxCap: 100n, dailyCap: 0n, hard: 1 },
  status: PilotStatus.Registered,
  reason: '',
  registeredAt: 3,
  changed: { setBy: SystemAddress.Committee, block: 3, proposalId: 1, txHash: new Uint8Array() },
};

function stateWith(p: Pilot, keys: Array<[Uint8Array, Array<{ fromBlock: number; publicKey: Uint8Array }>]>) {
  const s = new StateOverlay({ get: () => null });
  const set = (k: Uint8Array, v: Uint8Array) => s.set(storageKey(SystemAddress.PilotRegistry, k), v);
  for (const [k, v] of permissionsGenesisEntries([gd, hk])) s.set(k, v);
  set(PilotKey.pilot(p.id), encodePilot(p));
  for (const c of p.contracts) set(PilotKey.contract(c), encodeCanonical(p.id));
  for (const [r, h] of keys) set(PilotKey.keys(r), encodeKeyHistory(h));
  return s;
}

describe('pilot state', () => {
  it('round-trips a pilot and finds it by contract', () => {
    const s = stateWith(pilot, []);
    expect(readPilot(s, 1)).toEqual(pilot);
    expect(readPilot(s, 2)).toBeNull();
    expect(pilotOfContract(s, addr(0xc1))).toBe(1);
    expect(pilotOfContract(s, addr(0xc2))).toBeNull();
  });

  it("derives supervising regulators from the pilot's jurisdictions", () => {
    const s = stateWith(pilot, []);
    expect(supervisingRegulators(s, 1).map((r) => r.name)).toEqual(['GD']);
    expect(supervisingRegulators(s, { ...pilot, jurisdictions: ['HK', 'MO'] }).map((r) => r.name)).toEqual(['HK']);
    expect(supervisingRegulators(s, 9)).toEqual([]);
  });

  it('answers the key in force at a block from the history, and only for supervising regulators', () => {
    const k0 = pub();
    const k1 = pub();
    const s = stateWith(pilot, [
      [
        gd.account,
        [
          { fromBlock: 0, publicKey: k0 },
          { fromBlock: 10, publicKey: k1 },
        ],
      ],
      [hk.account, [{ fromBlock: 0, publicKey: pub() }]],
    ]);
    expect(supervisionKeyAt(s, gd.account, 9)).toEqual(k0);
    expect(supervisionKeyAt(s, gd.account, 10)).toEqual(k1);
    expect(supervisionKeyAt(s, addr(9), 10)).toBeNull();
    expect(supervisionKeysInForce(s, 1, 5)).toEqual([{ regulator: gd.account, keyId: keyIdOf(k0), publicKey: k0 }]);
  });

  it('says why a sender may not act in a pilot', () => {
    const s = stateWith(pilot, []);
    expect(pilotActivityProblem(s, 1, addr(1), 1000)).toBeNull();
    expect(pilotActivityProblem(s, 2, addr(1), 1000)).toBe('pilot 2 does not exist');
    expect(pilotActivityProblem(s, 1, addr(3), 1000)).toMatch(/is not an institution of pilot 1/);
    expect(pilotActivityProblem(s, 1, addr(1), 5000)).toBe(
      'pilot 1 is outside its period [1000, 5000) at block time 5000',
    );
    const suspended = stateWith({ ...pilot, status: PilotStatus.Suspended, reason: 'audit' }, []);
    expect(pilotActivityProblem(suspended, 1, addr(1), 1000)).toBe('pilot 1 is suspended: audit');
    expect(pilotContractRefusal(suspended, addr(0xc1), 1000)).toBe('pilot 1 is suspended: audit');
    expect(pilotContractRefusal(suspended, addr(0xc2), 1000)).toBeNull();
    const exited = stateWith({ ...pilot, status: PilotStatus.Exited, reason: 'done' }, []);
    expect(pilotContractRefusal(exited, addr(0xc1), 1000)).toBe('pilot 1 has exited: done');
  });

  it('names keys by keccak256(compressed key)[12:] and accepts only compressed points', () => {
    const k = pub();
    expect(keyIdOf(k)).toEqual(keccak_256(k).subarray(12));
    expect(isSupervisionPublicKey(k)).toBe(true);
    expect(isSupervisionPublicKey(k.subarray(1))).toBe(false);
    expect(isSupervisionPublicKey(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)))).toBe(false);
  });

  it('counts days in block time', () => {
    expect(dayOf(0)).toBe(0);
    expect(dayOf(86_399_999)).toBe(0);
    expect(dayOf(86_400_000)).toBe(1);
  });
});
