import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import {
  AclMode,
  accountManagerContract,
  contractAuthContract,
  DeployPolicy,
  type ProposalAction,
} from '../../node/exec/system/index.js';
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
import { COMPUTE_WAT, u32Input } from '../helpers/vm/contracts.js';
import { wat } from '../helpers/vm/wat.js';

/**
 * Account and contract controls on a real node: a committee of two members (one vote
 * passes a proposal under the default rules) and one regulator named by genesis.
 */
describe('account and contract controls on a node', () => {
  let t: TestNode;
  let member: KeyPair;
  let other: KeyPair;
  const regulator = suite.generateKeyPair();
  const user = suite.generateKeyPair();
  let contract: string;
  beforeAll(async () => {
    t = await startTestNode({
      accounts: 2,
      regulators: [{ name: 'Regulator A', jurisdiction: 'CN-GD', account: toHex(regulator.address) }],
    });
    [member, other] = t.chain.accounts;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const signed = (account: KeyPair, to: Uint8Array | null, input: Uint8Array, gasLimit?: number) =>
    signedBy(t, account, to, input, gasLimit);
  const send = (account: KeyPair, to: Uint8Array | null, input: Uint8Array | string) => sendBy(t, account, to, input);
  const govern = (action: ProposalAction) => proposeBy(t, member, action);
  const ping = (account: KeyPair) => send(account, SystemAddress.KVStore, '0x00000000');
  async function refusedAtPool(account: KeyPair, to: Uint8Array | null, input: Uint8Array) {
    const { raw } = await signed(account, to, input);
    return t.client.call('sendTransaction', [toHex(raw), true]).then(
      () => null,
      (e: { rpcCode: number; data: { reason: string }; message: string }) => ({
        rpcCode: e.rpcCode,
        reason: e.data.reason,
        message: e.message,
      }),
    );
  }

  it('a regulator freezes an account: its transactions are refused at the pool; getPermissions names the regulator transaction', async () => {
    expect((await ping(user)).message).not.toMatch(/frozen/);
    const r = await send(
      regulator,
      SystemAddress.AccountManager,
      accountManagerContract.iface.encodeFunctionData('freezeAccount', [toHex(user.address), 'suspicious transfers']),
    );
    expect(r.status, r.message).toBe(0);
    const refused = await refusedAtPool(user, SystemAddress.KVStore, new Uint8Array(4));
    expect(refused).toMatchObject({ rpcCode: -32010, reason: 'ACCOUNT_FROZEN' });
    expect(refused!.message).toMatch(/is frozen \(since block \d+, set by 0x[0-9a-f]{40}\): suspicious transfers/);
    const p = await t.client.call('getPermissions');
    expect(RPC_SCHEMA.getPermissions.result.safeParse(p).success).toBe(true);
    expect(p.regulators).toEqual([
      expect.objectContaining({ name: 'Regulator A', jurisdiction: 'CN-GD', account: toHex(regulator.address) }),
    ]);
    expect(p.restrictedAccounts).toEqual({
      total: 1,
      entries: [
        {
          account: toHex(user.address),
          status: 'frozen',
          reason: 'suspicious transfers',
          setBy: toHex(regulator.address),
          blockNumber: r.blockNumber,
          proposalId: null,
          transactionHash: r.transactionHash,
        },
      ],
    });
  });

  it('the committee unfreezes it by proposal; its transactions are accepted again', async () => {
    await govern({ kind: 'unfreezeAccount', account: user.address, reason: 'cleared' });
    expect((await ping(user)).message).not.toMatch(/frozen/);
    expect((await t.client.call('getPermissions')).restrictedAccounts).toEqual({ total: 0, entries: [] });
  });

  it('under an allow-list, a deploy from outside it is refused; getPermissions names the proposal', async () => {
    const deployInput = encodeDeployInput(wat(COMPUTE_WAT), new Uint8Array(), '[]');
    const d = await send(member, null, deployInput);
    expect(d.status, d.message).toBe(0);
    contract = d.contractAddress!;
    const set = await govern({ kind: 'setDeployPolicy', mode: DeployPolicy.Allowlist });
    await govern({ kind: 'allowDeployer', account: member.address });
    expect(await refusedAtPool(user, null, deployInput)).toMatchObject({ reason: 'DEPLOY_NOT_ALLOWED' });
    expect((await send(member, null, deployInput)).status).toBe(0);
    const p = await t.client.call('getPermissions');
    expect(p.deployPolicy).toMatchObject({
      mode: 'allowlist',
      setAt: {
        setBy: toHex(SystemAddress.Committee),
        blockNumber: set.blockNumber,
        transactionHash: set.transactionHash,
      },
    });
    expect(p.deployPolicy.setAt!.proposalId).toBeGreaterThan(0);
    expect(p.deployers.entries.map((e) => e.account)).toEqual([toHex(member.address)]);
  });

  it('a frozen contract refuses transactions and read-only calls', async () => {
    const freeze = await send(
      regulator,
      SystemAddress.ContractAuth,
      contractAuthContract.iface.encodeFunctionData('freezeContract', [contract, 'under investigation']),
    );
    expect(freeze.status, freeze.message).toBe(0);
    const call = await send(member, fromHex(contract), u32Input(1));
    expect(call.statusText).toBe('reverted');
    expect(call.message).toMatch(/ContractAuth: contract 0x[0-9a-f]{40} is frozen .*: under investigation/);
    const q = await t.client.call('call', [{ to: contract, data: toHex(u32Input(1)) }]);
    expect(q.message).toMatch(/is frozen/);
    expect((await t.client.call('getPermissions')).frozenContracts.entries).toEqual([
      expect.objectContaining({ contract, status: 'frozen', setBy: toHex(regulator.address), proposalId: null }),
    ]);
    await govern({ kind: 'unfreezeContract', contract: fromHex(contract), reason: 'investigation closed' });
    expect((await send(member, fromHex(contract), u32Input(1))).status).toBe(0);
  });

  it("the contract's admin denies one caller a method; getPermissions shows the ACL with its transaction", async () => {
    const selector = u32Input(1);
    const r = await send(
      member,
      SystemAddress.ContractAuth,
      contractAuthContract.iface.encodeFunctionData('setMethodAcl', [contract, selector, AclMode.Deny, user.address]),
    );
    expect(r.status, r.message).toBe(0);
    const denied = await send(user, fromHex(contract), selector);
    expect(denied.message).toMatch(/caller 0x[0-9a-f]{40} is on the deny-list of method 0x01000000/);
    expect((await send(other, fromHex(contract), selector)).status).toBe(0);
    const p = await t.client.call('getPermissions');
    expect(p.methodAcls.entries).toEqual([
      {
        contract,
        selector: '0x01000000',
        admin: toHex(member.address),
        mode: 'deny',
        accounts: [toHex(user.address)],
        setBy: toHex(member.address),
        blockNumber: r.blockNumber,
        proposalId: null,
        transactionHash: r.transactionHash,
      },
    ]);
    expect(p.committee.members).toHaveLength(2);
  });
});
