import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, MAX_CIPHERTEXT_BYTES, openRecord } from '../../node/codec/envelope.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal } from '../../node/exec/system/index.js';
import { runCli } from '../helpers/cli-process.js';
import { committeeIface } from '../helpers/committee.js';
import { fromHex, startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

const REGISTRY = toHex(SystemAddress.PilotRegistry);

/**
 * `lingding send … --private <record file> --pilot <id> [--recipient <key>]…` in its own
 * process against a node whose genesis regulator (CN-GD) has a supervision key and whose
 * committee registered pilot 1 of CN-GD: the CLI seals for that regulator without being told
 * its key, and refuses what cannot work before anything is sent.
 */
describe('lingding send --private against a running node', { timeout: 240_000 }, () => {
  let t: TestNode;
  let keyFile: string;
  let recordFile: string;
  const institution = suite.generateKeyPair();
  const gd = { account: suite.generateKeyPair().address, key: generateSupervisionKey() };
  const mo = { account: suite.generateKeyPair().address, key: generateSupervisionKey() };
  const counterparty = generateSupervisionKey();
  const record = Buffer.from('receivable R-12: 300000.00 CNY due 2027-03-01, debtor Zhuhai Port Co.');

  const lingding = (args: string[]) => runCli([...args, '--rpc', t.client.url]);
  const sendPrivate = (extra: string[]) =>
    lingding([
      'send',
      REGISTRY,
      'payloadCommitment() returns (bytes32)',
      '--key-file',
      keyFile,
      '--private',
      recordFile,
      '--json',
      ...extra,
    ]);

  beforeAll(async () => {
    t = await startTestNode({
      accounts: 1,
      regulators: [
        { name: 'GD', jurisdiction: 'CN-GD', account: toHex(gd.account), supervisionKey: toHex(gd.key.publicKey) },
        { name: 'MO', jurisdiction: 'MO', account: toHex(mo.account), supervisionKey: toHex(mo.key.publicKey) },
      ],
    });
    keyFile = join(t.dir, 'institution.key');
    writeFileSync(keyFile, toHex(institution.secretKey));
    recordFile = join(t.dir, 'record.json');
    writeFileSync(recordFile, record);
    const { kind, payload } = encodeProposal({
      kind: 'registerPilot',
      spec: {
        name: 'receivables',
        institutions: [institution.address],
        contracts: [],
        jurisdictions: ['CN-GD'],
        startMs: 0,
        endMs: Date.now() + 365 * 86_400_000,
        limits: { perTxCap: 0n, dailyCap: 0n, hard: 0 },
      },
    });
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      {
        chainId: t.chain.chainId,
        height,
        to: SystemAddress.Committee,
        input: fromHex(committeeIface.encodeFunctionData('propose', [kind, payload])),
      },
      t.chain.accounts[0].secretKey,
    );
    // One committee member of weight 1: the proposal executes in its own transaction.
    const r = await t.client.call('sendTransaction', [toHex(raw), true]);
    expect(r.status, r.message).toBe(0);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('seals the record for the supervising regulator and the recipients given, sends a type-3 transaction and prints the commitment and key ids', async () => {
    const sent = await sendPrivate(['--pilot', '1', '--recipient', toHex(counterparty.publicKey)]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const out = JSON.parse(sent.stdout) as {
      status: number;
      transactionHash: string;
      decoded: string[];
      privateRecord: {
        pilotId: number;
        commitment: string;
        salt: string;
        recipients: string[];
        regulatorKeyIds: string[];
      };
    };
    expect(out.status).toBe(0);
    expect(out.privateRecord).toMatchObject({
      pilotId: 1,
      recipients: [toHex(gd.key.keyId), toHex(counterparty.keyId)],
      regulatorKeyIds: [toHex(gd.key.keyId)],
    });
    // The contract saw the same commitment through PilotRegistry.payloadCommitment().
    expect(out.decoded).toEqual([out.privateRecord.commitment]);

    const tx = await t.client.call('getTransactionByHash', [out.transactionHash]);
    expect(tx?.type).toBe(3);
    const envelope = decodeEnvelope(fromHex(tx?.privateRecord?.envelope ?? '0x'));
    const opened = openRecord(envelope, gd.key.secretKey);
    expect(Buffer.from(opened.record).equals(record)).toBe(true);
    expect(toHex(opened.salt)).toBe(out.privateRecord.salt);
    expect(Buffer.from(openRecord(envelope, counterparty.secretKey).record).equals(record)).toBe(true);
    expect(() => openRecord(envelope, mo.key.secretKey)).toThrow(/no entry for this key/);
  });

  it('prints the commitment and recipients in text too', async () => {
    const sent = await lingding([
      'send',
      REGISTRY,
      'payloadCommitment() returns (bytes32)',
      '--key-file',
      keyFile,
      '--private',
      recordFile,
      '--pilot',
      '1',
    ]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^status +0 \(success\)$/m);
    expect(sent.stdout).toMatch(/^commitment +0x[0-9a-f]{64}$/m);
    expect(sent.stdout).toMatch(new RegExp(`^recipients +${toHex(gd.key.keyId)}$`, 'm'));
  });

  it('refuses, exit 2 with one line and nothing sent: --tx-type ethereum, no --pilot, an unknown pilot, a bad recipient, a record too large or missing', async () => {
    const before = (await t.client.call('getTotalTransactionCount')).txSum;
    const big = join(t.dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(MAX_CIPHERTEXT_BYTES + 1));
    const cases: Array<[string[], RegExp]> = [
      [
        ['--pilot', '1', '--tx-type', 'ethereum'],
        /--private sends a type-3 native transaction: .*drop --tx-type ethereum/,
      ],
      [[], /--private needs --pilot <id>/],
      [['--pilot', '9'], /pilot 9 does not exist/],
      [['--pilot', '1', '--recipient', '0x1234'], /--recipient must be a 0x 33-byte compressed secp256k1 public key/],
      [
        ['--pilot', '1', '--private', big],
        new RegExp(`record file .*big\\.bin is ${MAX_CIPHERTEXT_BYTES + 1} bytes; a private record carries at most`),
      ],
      [['--pilot', '1', '--private', join(t.dir, 'nope')], /cannot read record file .*nope: ENOENT/],
    ];
    for (const [extra, message] of cases) {
      const r = await sendPrivate(extra);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: ${message.source}`));
    }
    const stray = await lingding(['send', REGISTRY, 'pilotCount()', '--key-file', keyFile, '--pilot', '1']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--pilot and --recipient go with --private <record file>/);
    expect((await t.client.call('getTotalTransactionCount')).txSum).toBe(before);
  });
});
