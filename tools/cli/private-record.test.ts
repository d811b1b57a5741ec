import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../node/codec/envelope.js';
import { toHex } from '../../node/codec/hex.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import { pilotRegistryContract } from '../../node/exec/system/pilot-registry.js';
import type { RpcClient } from '../client/rpc-client.js';
import { parsePilotId, parseRecipient, sealForPilot } from './private-record.js';

const dir = mkdtempSync(join(tmpdir(), 'lingding-private-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recordFile = join(dir, 'record.txt');
writeFileSync(recordFile, 'invoice 7');

const gd = { account: `0x${'11'.repeat(20)}`, key: generateSupervisionKey() };
const hk = { account: `0x${'22'.repeat(20)}`, key: generateSupervisionKey() };
const iface = pilotRegistryContract.iface;

/**
 * A node that answers getPilot with these regulators (key id as given) and
 * PilotRegistry.supervisionKey with `served` — only the two calls sealForPilot makes.
 */
function fakeNode(regulators: Array<{ account: string; keyId: string | null }>, served: Map<string, Uint8Array>) {
  const call = async (method: string, params: unknown[]) => {
    if (method === 'getPilot')
      return {
        status: 'registered',
        reason: '',
        supervisingRegulators: regulators.map((r) => ({ ...r, name: r.account.slice(0, 6), jurisdiction: 'X' })),
      };
    const { data } = params[0] as { data: string };
    const [account] = iface.decodeFunctionData('supervisionKey', data);
    const key = served.get(String(account).toLowerCase()) ?? new Uint8Array();
    return { status: 0, message: '', output: iface.encodeFunctionResult('supervisionKey', [key]) };
  };
  return { call } as unknown as RpcClient;
}

describe('send --private: sealing for the pilot', () => {
  it('seals for each supervising regulator with a key in force and the recipients given, skipping one without a key', async () => {
    const counterparty = generateSupervisionKey();
    const node = fakeNode(
      [
        { account: gd.account, keyId: toHex(gd.key.keyId) },
        { account: hk.account, keyId: null },
      ],
      new Map([[gd.account, gd.key.publicKey]]),
    );
    const { sealed, regulatorKeyIds } = await sealForPilot(node, {
      private: recordFile,
      pilot: '4',
      recipient: [toHex(counterparty.publicKey)],
    });
    expect(regulatorKeyIds).toEqual([toHex(gd.key.keyId)]);
    expect(sealed.envelope.pilotId).toBe(4);
    expect(sealed.envelope.recipients.map((r) => toHex(r.keyId))).toEqual([
      toHex(gd.key.keyId),
      toHex(counterparty.keyId),
    ]);
    expect(new TextDecoder().decode(openRecord(sealed.envelope, gd.key.secretKey).record)).toBe('invoice 7');
  });

  it('refuses a key that does not match the id getPilot gave (rotated in between), and a record nobody could open', async () => {
    const rotated = fakeNode(
      [{ account: gd.account, keyId: toHex(gd.key.keyId) }],
      new Map([[gd.account, hk.key.publicKey]]),
    );
    await expect(sealForPilot(rotated, { private: recordFile, pilot: '1' })).rejects.toThrow(
      /supervision key of regulator .* changed while reading it; retry/,
    );
    const keyless = fakeNode([{ account: hk.account, keyId: null }], new Map());
    await expect(sealForPilot(keyless, { private: recordFile, pilot: '1' })).rejects.toThrow(
      /pilot 1 has no supervision key in force and no --recipient was given/,
    );
  });

  it('parses --pilot and --recipient strictly', () => {
    expect(parsePilotId('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => parsePilotId(bad)).toThrow(/--pilot must be a pilot id/);
    expect(parseRecipient(toHex(gd.key.publicKey))).toEqual(gd.key.publicKey);
    // An uncompressed-prefix byte, and 33 bytes that are no point on the curve.
    for (const bad of [`0x04${'11'.repeat(32)}`, `0x02${'ff'.repeat(32)}`, toHex(gd.key.keyId)])
      expect(() => parseRecipient(bad)).toThrow(/--recipient must be a 0x 33-byte compressed secp256k1 public key/);
  });
});
