import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asExample } from '../../contracts/testing/examples.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import type { ProposalAction } from '../../node/exec/system/index.js';
import { pilotRegistryContract } from '../../node/exec/system/pilot-registry.js';
import { HardLimit, keyIdOf, type PilotSpec } from '../../node/exec/system/pilot-state.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import { RPC_SCHEMA } from '../../node/rpc/schema.js';
import {
  fromHex,
  startTestNode,
  suite,
  type TestNode,
  toHex,
  proposeBy,
  sendBy,
  signedBy,
} from '../helpers/in-process.js';

/**
 * A pilot on a real node (design decisions 1-4): two genesis regulators of different
 * jurisdictions, a committee of two (one vote passes), the AssemblyScript token as the
 * pilot's contract with a hard per-transaction cap and a soft daily cap.
 */
describe('a pilot on a node', () => {
  let t: TestNode;
  let member: KeyPair;
  const bob = suite.generateKeyPair();
  const outsider = suite.generateKeyPair();
  const regGd = suite.generateKeyPair();
  const regHk = suite.generateKeyPair();
  const supervisionKey = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
  const registry = pilotRegistryContract.iface;
  let token: { iface: Interface; address: Uint8Array };
  let pilotId: number;

  beforeAll(async () => {
    t = await startTestNode({
      accounts: 2,
      regulators: [
        {
          name: 'Guangdong regulator',
          jurisdiction: 'CN-GD',
          account: toHex(regGd.address),
          supervisionKey: toHex(supervisionKey),
        },
        { name: 'Hong Kong regulator', jurisdiction: 'HK', account: toHex(regHk.address) },
      ],
    });
    member = t.chain.accounts[0];
    const build = await asExample('token');
    const iface = new Interface(build.abi as never);
    const d = await send(
      member,
      null,
      encodeDeployInput(
        build.wasm,
        fromHex(iface.encodeDeploy(['Pilot', 'PLT', 0, 1_000_000n])),
        JSON.stringify(build.abi),
      ),
    );
    expect(d.status, d.message).toBe(0);
    token = { iface, address: fromHex(d.contractAddress!) };
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const signed = (account: KeyPair, to: Uint8Array | null, input: Uint8Array) =>
    signedBy(t, account, to, input, 50_000_000);
  const send = (account: KeyPair, to: Uint8Array | null, input: Uint8Array | string) =>
    sendBy(t, account, to, input, 50_000_000);
  const govern = (action: ProposalAction) => proposeBy(t, member, action);
  const transfer = (from: KeyPair, to: KeyPair, value: bigint) =>
    send(from, token.address, token.iface.encodeFunctionData('transfer', [toHex(to.address), value]));
  const suspend = (by: KeyPair, reason: string) =>
    send(by, SystemAddress.PilotRegistry, registry.encodeFunctionData('suspendPilot', [pilotId, reason]));
  const resume = (by: KeyPair) =>
    send(by, SystemAddress.PilotRegistry, registry.encodeFunctionData('resumePilot', [pilotId]));
  const balanceOf = async (who: KeyPair) => {
    const r = await t.client.call('call', [
      { to: toHex(token.address), data: token.iface.encodeFunctionData('balanceOf', [toHex(who.address)]) },
    ]);
    return token.iface.decodeFunctionResult('balanceOf', r.output)[0] as bigint;
  };

  it('the committee registers the pilot with the token as its contract', async () => {
    const spec: PilotSpec = {
      name: 'GBA receivables',
      institutions: [member.address, bob.address],
      contracts: [token.address],
      jurisdictions: ['CN-GD'],
      startMs: 0,
      endMs: Date.UTC(2100, 0, 1),
      limits: { perTxCap: 1_000n, dailyCap: 1_500n, hard: HardLimit.PerTxCap | HardLimit.Participants },
    };
    const r = await govern({ kind: 'registerPilot', spec });
    const page = await t.client.call('getPilots', [{}]);
    expect(page.pilots.map((p) => p.name)).toEqual(['GBA receivables']);
    pilotId = page.pilots[0]!.id;
    expect(page.pilots[0]).toMatchObject({ status: 'registered', registeredAt: r.blockNumber });
  });

  it('a transfer above the hard per-transaction cap fails on chain and moves nothing', async () => {
    const r = await transfer(member, bob, 1_200n);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(new RegExp(`PilotRegistry: hard limit: pilot ${pilotId} perTxCap`));
    expect(await balanceOf(bob)).toBe(0n);
  });

  it('a transfer to an account outside the pilot fails on chain (participants are hard)', async () => {
    const r = await transfer(member, outsider, 10n);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(new RegExp(`pilot ${pilotId} participants`));
  });

  it('transfers past the soft daily cap pass', async () => {
    expect((await transfer(member, bob, 800n)).status).toBe(0);
    const r = await transfer(member, bob, 800n);
    // 1,600 in a day is over the soft 1,500 cap: nothing on chain stops it (the regulator node alerts).
    expect(r.status, r.message).toBe(0);
    expect(await balanceOf(bob)).toBe(1_600n);
  });

  it('the other jurisdiction cannot suspend; a supervising regulator can, and the pool then refuses the pilot', async () => {
    const hk = await suspend(regHk, 'not mine');
    expect(hk.status).not.toBe(0);
    expect(hk.message).toMatch(/does not supervise pilot \d+ \(jurisdictions CN-GD\) and may not suspend it/);

    const s = await suspend(regGd, 'unexplained volume');
    expect(s.status, s.message).toBe(0);
    const { raw } = await signed(
      bob,
      token.address,
      fromHex(token.iface.encodeFunctionData('transfer', [toHex(member.address), 1n])),
    );
    const refused = await t.client.call('sendTransaction', [toHex(raw), true]).then(
      () => null,
      (e: { data: { reason: string }; message: string }) => ({ reason: e.data.reason, message: e.message }),
    );
    expect(refused?.reason).toBe('PILOT_INACTIVE');
    expect(refused?.message).toMatch(new RegExp(`pilot ${pilotId} is suspended: unexplained volume`));

    const hkResume = await resume(regHk);
    expect(hkResume.status).not.toBe(0);
    expect(hkResume.message).toMatch(/does not supervise pilot \d+ .*may not resume it/);

    const p = await t.client.call('getPilot', [pilotId]);
    expect(p).toMatchObject({
      status: 'suspended',
      reason: 'unexplained volume',
      lastChange: {
        setBy: toHex(regGd.address),
        blockNumber: s.blockNumber,
        proposalId: null,
        transactionHash: s.transactionHash,
      },
    });
  });

  it('resuming restores transfers', async () => {
    const r = await resume(regGd);
    expect(r.status, r.message).toBe(0);
    const back = await transfer(bob, member, 100n);
    expect(back.status, back.message).toBe(0);
    expect(await balanceOf(bob)).toBe(1_500n);
  });

  it('getPilot and getPilots answer what the chain holds', async () => {
    const p = await t.client.call('getPilot', [pilotId]);
    expect(RPC_SCHEMA.getPilot.result.safeParse(p).success).toBe(true);
    const held = t.node.chain.pilot(pilotId)!.pilot;
    expect(p).toMatchObject({
      id: pilotId,
      name: held.name,
      institutions: held.institutions.map(toHex),
      contracts: held.contracts.map(toHex),
      jurisdictions: held.jurisdictions,
      startMs: held.startMs,
      endMs: held.endMs,
      status: 'registered',
      reason: '',
      registeredAt: held.registeredAt,
      limits: {
        perTxCap: '1000',
        dailyCap: '1500',
        hard: { perTxCap: true, dailyCap: false, participants: true },
      },
      supervisingRegulators: [
        {
          account: toHex(regGd.address),
          name: 'Guangdong regulator',
          jurisdiction: 'CN-GD',
          keyId: toHex(keyIdOf(supervisionKey)),
        },
      ],
    });
    expect((await t.client.call('getPilots', [{ status: 'registered' }])).pilots).toEqual([p]);
    expect((await t.client.call('getPilots', [{ status: 'suspended' }])).pilots).toEqual([]);
    expect(await t.client.call('getPilot', [pilotId + 1])).toBeNull();
  });
});
