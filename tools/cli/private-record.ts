/**
 * `lingding send … --private <record file> --pilot <id> [--recipient <public key>]…`: the
 * record is sealed (design decision 6) for the supervision key in force of every regulator
 * that supervises the pilot — asked of the node, so the sender cannot forget one and have the
 * pool refuse it (decision 7) — plus the recipients given, such as the counterparty
 * institution's key.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { MAX_CIPHERTEXT_BYTES, type SealedRecord, sealRecord } from '../../node/codec/envelope.js';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { isSupervisionPublicKey, keyIdOf } from '../../node/crypto/envelope.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { pilotRegistryContract } from '../../node/exec/system/pilot-registry.js';
import type { RpcClient } from '../client/rpc-client.js';
import { CliError } from './output.js';

export const PRIVATE_FLAG = '--private <record file>';
export const PRIVATE_HELP =
  "send the file's bytes as a private record of --pilot (a type-3 transaction): sealed for the pilot's supervising regulators and every --recipient";
export const PILOT_FLAG = '--pilot <id>';
export const PILOT_HELP = 'the pilot whose private record --private sends';
export const RECIPIENT_FLAG = '--recipient <public key>';
export const RECIPIENT_HELP =
  'another 0x 33-byte compressed secp256k1 public key the record is sealed for (repeatable), e.g. the counterparty institution';

export interface PrivateOptions {
  private?: string;
  pilot?: string;
  recipient?: string[];
}

/** commander's collector for the repeatable --recipient. */
export function collectRecipient(v: string, acc: string[] = []): string[] {
  return [...acc, v];
}

/**
 * Reads at most the envelope's bound, so a wrong file (a disk image) fails at once with a
 * clear message rather than after reading it all; the exact bound (the ciphertext holds the
 * salt and framing too) is sealRecord's.
 */
export function readRecordFile(path: string): Uint8Array {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new CliError(`cannot read record file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_CIPHERTEXT_BYTES)
    throw new CliError(
      `record file ${path} is ${size} bytes; a private record carries at most ${MAX_CIPHERTEXT_BYTES} bytes of ciphertext`,
    );
  const bytes = new Uint8Array(size);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

export function parsePilotId(v: string | undefined): number {
  if (v === undefined) throw new CliError('--private needs --pilot <id>: the pilot whose record it is');
  const id = Number(v);
  if (!Number.isSafeInteger(id) || id < 1) throw new CliError(`--pilot must be a pilot id (1, 2, …), not '${v}'`);
  return id;
}

export function parseRecipient(v: string): Uint8Array {
  const bytes = /^0x[0-9a-fA-F]{66}$/.test(v) ? fromHex(v) : null;
  if (!bytes || !isSupervisionPublicKey(bytes))
    throw new CliError(`--recipient must be a 0x 33-byte compressed secp256k1 public key, not '${v}'`);
  return bytes;
}

export interface SealedForPilot {
  readonly sealed: SealedRecord;
  /** Key ids of the supervising regulators' keys the record is sealed for. */
  readonly regulatorKeyIds: readonly string[];
}

/**
 * The supervising regulators' keys in force, from getPilot (which regulators, and the id of
 * each one's key) and PilotRegistry.supervisionKey (the key itself); each key is checked
 * against its id, so a rotation between the two answers is caught here, not by the pool.
 */
async function regulatorKeys(client: RpcClient, pilotId: number): Promise<Uint8Array[]> {
  const pilot = await client.call('getPilot', [pilotId]);
  if (!pilot) throw new CliError(`pilot ${pilotId} does not exist`);
  if (pilot.status !== 'registered')
    throw new CliError(`pilot ${pilotId} is ${pilot.status}${pilot.reason ? `: ${pilot.reason}` : ''}`);
  const iface = pilotRegistryContract.iface;
  const keys: Uint8Array[] = [];
  // A regulator with no key yet needs no entry (the chain asks none for it).
  for (const r of pilot.supervisingRegulators.filter((x) => x.keyId !== null)) {
    const res = await client.call('call', [
      { to: toHex(SystemAddress.PilotRegistry), data: iface.encodeFunctionData('supervisionKey', [r.account]) },
    ]);
    if (res.status !== 0) throw new CliError(`cannot read the supervision key of ${r.account}: ${res.message}`);
    const key = fromHex(String(iface.decodeFunctionResult('supervisionKey', res.output)[0]));
    if (toHex(keyIdOf(key)) !== r.keyId)
      throw new CliError(`the supervision key of regulator ${r.name} (${r.account}) changed while reading it; retry`);
    keys.push(key);
  }
  return keys;
}

export async function sealForPilot(
  client: RpcClient,
  o: PrivateOptions & { private: string },
): Promise<SealedForPilot> {
  const pilotId = parsePilotId(o.pilot);
  const extra = (o.recipient ?? []).map(parseRecipient);
  const record = readRecordFile(o.private);
  const regulators = await regulatorKeys(client, pilotId);
  if (regulators.length + extra.length === 0)
    throw new CliError(
      `pilot ${pilotId} has no supervision key in force and no --recipient was given: nobody could open the record`,
    );
  return {
    sealed: sealRecord({ pilotId, record, recipients: [...regulators, ...extra] }),
    regulatorKeyIds: regulators.map((k) => toHex(keyIdOf(k))),
  };
}

/** What `send --private` prints besides the receipt: the salt too, which with the record proves the commitment. */
export function privateRecordSummary(s: SealedForPilot) {
  return {
    pilotId: s.sealed.envelope.pilotId,
    commitment: toHex(s.sealed.commitment),
    salt: toHex(s.sealed.salt),
    recipients: s.sealed.envelope.recipients.map((r) => toHex(r.keyId)),
    regulatorKeyIds: s.regulatorKeyIds,
  };
}
