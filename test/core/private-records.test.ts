import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, EnvelopeErrorCode, openRecord, sealRecord } from '../../node/codec/envelope.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { TxType } from '../../node/codec/tx.js';
import { generateSupervisionKey, type SupervisionKeyPair } from '../../node/crypto/envelope.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import {
  encodeProposal,
  type PilotSpec,
  type ProposalAction,
  pilotRegistryContract,
} from '../../node/exec/system/index.js';
import { ETH_SCHEMA } from '../../node/rpc/eth/schema.js';
import { RPC_SCHEMA } from '../../node/rpc/schema.js';
import { RpcClientError } from '../../tools/client/rpc-client.js';
import { committeeIface } from '../helpers/committee.js';
import { fromHex, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

const registryIface = pilotRegistryContract.iface;
const YEAR_MS = 365 * 86_400_000;

/**
 * Design decisions 5-7 on a real node: a regulator with a genesis supervision key, a pilot of
 * its jurisdiction registered by the committee, an institution's private record in a type-3
 * transaction, and the committed envelope read back over RPC and opened with the regulator's
 * supervision key only.
 */
describe('private records on a node', () => {
  let t: TestNode;
  let member: KeyPair;
  const institution = suite.generateKeyPair();
  const gd = { account: suite.generateKeyPair().address, key: generateSupervisionKey() };
  const mo = { account: suite.generateKeyPair().address, key: generateSupervisionKey() };
  // The counterparty institution's own decryption key, and an institution the record is not for.
  const counterparty = generateSupervisionKey();
  const bystander = generateSupervisionKey();
  const record = new TextEncoder().encode('{"invoice":"INV-7","amount":"120000.00","buyer":"Zhuhai Port Co."}');

  async function send(
    account: KeyPair,
    to: Uint8Array,
    data: string,
    envelope?: ReturnType<typeof sealRecord>['envelope'],
  ) {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      { chainId: t.chain.chainId, height, to, input: fromHex(data), ...(envelope ? { envelope } : {}) },
      account.secretKey,
    );
    return t.client.call('sendTransaction', [toHex(raw), true]);
  }
  const propose = (action: ProposalAction) => {
    const { kind, payload } = encodeProposal(action);
    return send(member, SystemAddress.Committee, committeeIface.encodeFunctionData('propose', [kind, payload]));
  };
  const sealFor = (...keys: SupervisionKeyPair[]) =>
    sealRecord({ pilotId: 1, record, recipients: keys.map((k) => k.publicKey) });
  const sendRecord = (sealed: ReturnType<typeof sealRecord>) =>
    send(
      institution,
      SystemAddress.PilotRegistry,
      registryIface.encodeFunctionData('payloadCommitment', []),
      sealed.envelope,
    );

  beforeAll(async () => {
    t = await startTestNode({
      accounts: 1,
      regulators: [
        { name: 'GD', jurisdiction: 'CN-GD', account: toHex(gd.account), supervisionKey: toHex(gd.key.publicKey) },
        { name: 'MO', jurisdiction: 'MO', account: toHex(mo.account), supervisionKey: toHex(mo.key.publicKey) },
      ],
    });
    member = t.chain.accounts[0];
    const spec: PilotSpec = {
      name: 'receivables',
      institutions: [institution.address],
      contracts: [],
      jurisdictions: ['CN-GD'],
      startMs: 0,
      endMs: Date.now() + YEAR_MS,
      limits: { perTxCap: 0n, dailyCap: 0n, hard: 0 },
    };
    // One member of weight 1: its proposal passes and executes in the same transaction.
    const r = await propose({ kind: 'registerPilot', spec });
    expect(r.status, r.message).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await t.cleanup();
  });

  it('the pilot is supervised by the regulator of its jurisdiction only, with its genesis key', async () => {
    const pilot = await t.client.call('getPilot', [1]);
    expect(pilot?.supervisingRegulators).toEqual([
      { account: toHex(gd.account), name: 'GD', jurisdiction: 'CN-GD', keyId: toHex(gd.key.keyId) },
    ]);
  });

  it('commits an institution`s record; the envelope read over RPC opens with the regulator`s key and no other institution`s', async () => {
    const sealed = sealFor(gd.key, counterparty);
    const receipt = await sendRecord(sealed);
    expect(receipt.status, receipt.message).toBe(0);
    // The contract saw the record's commitment through PilotRegistry.payloadCommitment().
    expect(receipt.output).toBe(toHex(sealed.commitment));

    const tx = await t.client.call('getTransactionByHash', [receipt.transactionHash]);
    expect(RPC_SCHEMA.getTransactionByHash.result.safeParse(tx).success).toBe(true);
    expect(tx?.type).toBe(TxType.Private);
    expect(tx?.privateRecord).toMatchObject({
      pilotId: 1,
      commitment: toHex(sealed.commitment),
      recipients: [toHex(gd.key.keyId), toHex(counterparty.keyId)],
    });
    const block = await t.client.call('getBlockByNumber', [receipt.blockNumber, true]);
    expect(RPC_SCHEMA.getBlockByNumber.result.safeParse(block).success).toBe(true);
    const inBlock = ((block?.transactions ?? []) as Array<{ hash: string; privateRecord: unknown }>).find(
      (x) => x.hash === receipt.transactionHash,
    );
    expect(inBlock?.privateRecord).toEqual(tx?.privateRecord);

    // Ethereum tools see it as any native transaction.
    const eth = await t.client.call('eth_getTransactionByHash', [receipt.transactionHash]);
    expect(ETH_SCHEMA.eth_getTransactionByHash.result.safeParse(eth).success).toBe(true);
    expect(eth).toMatchObject({ type: '0x0', lingdingNative: true });

    const envelope = decodeEnvelope(fromHex(tx?.privateRecord?.envelope ?? '0x'));
    const opened = openRecord(envelope, gd.key.secretKey);
    expect(Buffer.from(opened.record).equals(Buffer.from(record))).toBe(true);
    expect(toHex(opened.commitment)).toBe(toHex(sealed.commitment));
    // The counterparty it was also sealed for opens it; a bystander institution does not, nor
    // the regulator of another jurisdiction, which got no entry.
    expect(openRecord(envelope, counterparty.secretKey).record).toEqual(opened.record);
    expect(() => openRecord(envelope, bystander.secretKey)).toThrow(
      expect.objectContaining({ code: EnvelopeErrorCode.NotARecipient }),
    );
    expect(tx?.privateRecord?.recipients).not.toContain(toHex(mo.key.keyId));
    expect(() => openRecord(envelope, mo.key.secretKey)).toThrow(
      expect.objectContaining({ code: EnvelopeErrorCode.NotARecipient }),
    );
  });

  it('the pool refuses a record with no entry for the supervising regulator, naming it', async () => {
    const err = await sendRecord(sealFor(counterparty, mo.key)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcClientError);
    expect((err as RpcClientError).data).toMatchObject({ reason: 'PRIVATE_RECORD_REFUSED' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `no recipient entry for regulator ${toHex(gd.account)} \\(supervision key id ${toHex(gd.key.keyId)}\\)`,
      ),
    );
  });

  it('after a kind-33 rotation a record is sealed for the new key, and an earlier record still opens with the old one', async () => {
    const before = await sendRecord(sealFor(gd.key));
    expect(before.status, before.message).toBe(0);
    const rotated = generateSupervisionKey();
    const r = await propose({ kind: 'setSupervisionKey', regulator: gd.account, publicKey: rotated.publicKey });
    expect(r.status, r.message).toBe(0);
    expect((await t.client.call('getPilot', [1]))?.supervisingRegulators[0].keyId).toBe(toHex(rotated.keyId));

    const stale = await sendRecord(sealFor(gd.key)).catch((e: unknown) => e);
    expect((stale as RpcClientError).data).toMatchObject({ reason: 'PRIVATE_RECORD_REFUSED' });
    const after = await sendRecord(sealFor(rotated));
    expect(after.status, after.message).toBe(0);

    const envelopeOf = async (hash: string) =>
      decodeEnvelope(fromHex((await t.client.call('getTransactionByHash', [hash]))?.privateRecord?.envelope ?? '0x'));
    expect(openRecord(await envelopeOf(after.transactionHash), rotated.secretKey).record).toEqual(record);
    expect(openRecord(await envelopeOf(before.transactionHash), gd.key.secretKey).record).toEqual(record);
  });

  it('a native transaction shows privateRecord: null', async () => {
    const r = await send(member, SystemAddress.PilotRegistry, registryIface.encodeFunctionData('pilotCount', []));
    const tx = await t.client.call('getTransactionByHash', [r.transactionHash]);
    expect(tx).toMatchObject({ type: TxType.Native, privateRecord: null });
  });
});
