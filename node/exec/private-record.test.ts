import { describe, expect, it } from 'vitest';
import { ReceiptStatus, type Receipt } from '../codec/block.js';
import { type Canonical, decodeCanonical, encodeCanonical } from '../codec/canonical.js';
import { toHex } from '../codec/hex.js';
import { encodeEnvelope, sealRecord } from '../codec/envelope.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { generateSupervisionKey } from '../crypto/envelope.js';
import { NODE_DEFAULTS } from '../config/defaults.js';
import type { StateOverlay } from '../state/overlay.js';
import { TxPool } from '../txpool/pool.js';
import { TxRejectCode, TxRejectedError } from '../txpool/errors.js';
import { governedState, propose, withRegulators } from '../../test/helpers/committee.js';
import { SystemAddress } from './addresses.js';
import { Executor } from './executor.js';
import { GasCost, intrinsicGas, txIntrinsicGas } from './gas.js';
import { privateRecordProblem } from './private-record.js';
import { type PilotSpec, pilotRegistryContract, supervisionKeyGenesisEntries } from './system/index.js';

const suite = createEcdsaSuite();
const [m1, alice, outsider] = [suite.generateKeyPair(), suite.generateKeyPair(), suite.generateKeyPair()];
const addr = () => suite.generateKeyPair().address;
const gd = { account: addr(), name: 'GD', jurisdiction: 'CN-GD' };
const hk = { account: addr(), name: 'HK', jurisdiction: 'HK' };
const mo = { account: addr(), name: 'MO', jurisdiction: 'MO' };
const [gdKey, hkKey, moKey, gdKey2] = [1, 2, 3, 4].map(() => generateSupervisionKey());
const DAY = 86_400_000;
const ex = new Executor();
const iface = pilotRegistryContract.iface;
const ok = (r: Receipt) => expect(r.status, r.message).toBe(ReceiptStatus.Success);

const spec: PilotSpec = {
  name: 'receivables',
  institutions: [alice.address],
  contracts: [],
  jurisdictions: ['CN-GD', 'HK'],
  startMs: 0,
  endMs: 100 * DAY,
  limits: { perTxCap: 0n, dailyCap: 0n, hard: 0 },
};

/** Pilot 1 (CN-GD and HK) registered; GD and HK supervise it with keys, MO (a key too) does not. */
function withPilot(): StateOverlay {
  const s = withRegulators(governedState([{ address: m1.address, weight: 1 }]), [gd, hk, mo]);
  const keys = [
    { account: gd.account, supervisionKey: gdKey.publicKey },
    { account: hk.account, supervisionKey: hkKey.publicKey },
    { account: mo.account, supervisionKey: moKey.publicKey },
  ];
  for (const [k, v] of supervisionKeyGenesisEntries(keys)) s.set(k, v);
  ok(propose(s, 1, m1.address, { kind: 'registerPilot', spec }, ex));
  return s;
}

const sealedFor = (pilotId: number, ...recipients: Uint8Array[]) =>
  sealRecord({ pilotId, record: new TextEncoder().encode('invoice 7'), recipients });

const payloadCommitmentCall = Buffer.from(iface.encodeFunctionData('payloadCommitment', []).slice(2), 'hex');

function privateTx(height: number, pilotId: number, ...recipients: Uint8Array[]) {
  const { envelope, commitment } = sealedFor(pilotId, ...recipients);
  const built = buildSignedTx(
    suite,
    {
      chainId: 'c',
      height,
      to: SystemAddress.PilotRegistry,
      input: payloadCommitmentCall,
      gasLimit: 1_000_000,
      envelope,
    },
    alice.secretKey,
  );
  return { ...built, commitment };
}

/** A pool over `s` that answers "ACCEPTED" or the refusal's code and message for a raw transaction. */
function poolRefusal(s: StateOverlay): (raw: Uint8Array) => string {
  const pool = new TxPool(
    { ...NODE_DEFAULTS.txpool, chainId: 'c', ethereumChainId: 1, blockLimitWindow: 500 },
    {
      suite,
      chain: {
        height: () => 1,
        txGasLimit: () => 3_000_000,
        blockBytesLimit: () => 4 * 1024 * 1024,
        nonceOnChain: () => false,
        txOnChain: () => false,
        admissionRefusal: () => null,
        privateRecordRefusal: (tx, sender) => privateRecordProblem(s, at(2), tx.envelope, sender),
        ethNonce: () => 0,
      },
    },
  );
  return (raw) => {
    try {
      pool.add(raw);
      return 'ACCEPTED';
    } catch (e) {
      expect(e).toBeInstanceOf(TxRejectedError);
      return `${(e as TxRejectedError).code}: ${(e as Error).message}`;
    }
  };
}

const at = (number: number, timestamp = DAY) => ({ number, timestamp });

describe('private records: the check of decision 7', () => {
  it('accepts a record of an institution wrapped for every supervising regulator, extra recipients allowed', () => {
    const s = withPilot();
    const { envelope } = sealedFor(1, gdKey.publicKey, hkKey.publicKey, moKey.publicKey);
    expect(privateRecordProblem(s, at(2), envelope, alice.address)).toBeNull();
  });

  it('names each problem: unknown pilot, outside its period, not an institution, a regulator key without an entry', () => {
    const s = withPilot();
    const both = sealedFor(1, gdKey.publicKey, hkKey.publicKey).envelope;
    expect(privateRecordProblem(s, at(2), sealedFor(9, gdKey.publicKey).envelope, alice.address)).toMatch(
      /pilot 9 does not exist/,
    );
    expect(privateRecordProblem(s, at(2, 100 * DAY), both, alice.address)).toMatch(/outside its period/);
    expect(privateRecordProblem(s, at(2), both, outsider.address)).toMatch(/is not an institution of pilot 1/);
    expect(privateRecordProblem(s, at(2), sealedFor(1, gdKey.publicKey).envelope, alice.address)).toBe(
      `private record refused: no recipient entry for regulator ${toHex(hk.account)} (supervision key id ${toHex(hkKey.keyId)}) of pilot 1`,
    );
  });

  it('gives a failed receipt, keeping nothing, for a record made invalid earlier in the same block', () => {
    const s = withPilot();
    const block = { number: 5, timestamp: DAY, suite };
    const first = privateTx(5, 1, gdKey.publicKey, hkKey.publicKey);
    const r1 = ex.runTx(block, s, { tx: first.tx, sender: alice.address, hash: first.hash });
    ok(r1);
    // The record's commitment reaches contracts through the frame (payloadCommitment()).
    expect(toHex(r1.output)).toBe(toHex(first.commitment));
    // The committee rotates GD's key in this block: a record wrapped for the old key now fails.
    ok(
      propose(s, 5, m1.address, { kind: 'setSupervisionKey', regulator: gd.account, publicKey: gdKey2.publicKey }, ex),
    );
    const stale = privateTx(5, 1, gdKey.publicKey, hkKey.publicKey);
    const r2 = ex.runTx({ ...block, number: 6 }, s, { tx: stale.tx, sender: alice.address, hash: stale.hash });
    expect(r2.status).toBe(ReceiptStatus.Reverted);
    expect(r2.message).toMatch(
      new RegExp(`^PilotRegistry: private record refused: no recipient entry for regulator ${toHex(gd.account)}`),
    );
    expect(r2.logs).toEqual([]);
    // GD suspends the pilot: the next record fails naming the suspension.
    const suspend = Buffer.from(iface.encodeFunctionData('suspendPilot', [1, 'audit']).slice(2), 'hex');
    const { tx } = buildSignedTx(
      suite,
      { chainId: 'c', height: 6, to: SystemAddress.PilotRegistry, input: suspend },
      m1.secretKey,
    );
    ok(ex.runTx({ ...block, number: 6 }, s, { tx, sender: gd.account }));
    const fresh = privateTx(6, 1, gdKey2.publicKey, hkKey.publicKey);
    const r3 = ex.runTx({ ...block, number: 6 }, s, { tx: fresh.tx, sender: alice.address, hash: fresh.hash });
    expect(r3.status).toBe(ReceiptStatus.Reverted);
    expect(r3.message).toMatch(/pilot 1 is suspended: audit/);
  });

  it('the pool refuses each problem with PRIVATE_RECORD_REFUSED, asking the same check of the head state', () => {
    const s = withPilot();
    const refusal = poolRefusal(s);
    expect(refusal(privateTx(1, 1, gdKey.publicKey).raw)).toMatch(
      new RegExp(`^${TxRejectCode.PrivateRecordRefused}: .*no recipient entry for regulator ${toHex(hk.account)}`),
    );
    expect(refusal(privateTx(1, 2, gdKey.publicKey, hkKey.publicKey).raw)).toMatch(
      /PRIVATE_RECORD_REFUSED: .*pilot 2 does not exist/,
    );
    const byOutsider = buildSignedTx(
      suite,
      {
        chainId: 'c',
        height: 1,
        to: SystemAddress.PilotRegistry,
        input: new Uint8Array(4),
        envelope: sealedFor(1, gdKey.publicKey, hkKey.publicKey).envelope,
      },
      outsider.secretKey,
    );
    expect(refusal(byOutsider.raw)).toMatch(/PRIVATE_RECORD_REFUSED: .*is not an institution of pilot 1/);
    const good = privateTx(1, 1, gdKey.publicKey, hkKey.publicKey);
    // A malformed envelope never decodes: refused as a malformed transaction.
    expect(refusal(encodeWithoutRecipients(good.raw))).toMatch(/^MALFORMED: .*1\.\.32 recipients/);
    expect(refusal(good.raw)).toBe('ACCEPTED');
    const s2 = ex.runTx({ number: 2, timestamp: DAY, suite }, s, { tx: suspendTx(), sender: gd.account });
    ok(s2);
    expect(refusal(privateTx(1, 1, gdKey.publicKey, hkKey.publicKey).raw)).toMatch(
      /PRIVATE_RECORD_REFUSED: .*pilot 1 is suspended/,
    );
  });
});

describe('private records: gas for the envelope', () => {
  // 8 KiB of record: at 16 gas a byte its envelope costs over 130 000 gas, which used to ride free.
  const record = new Uint8Array(8 * 1024).fill(7);
  const sealed = () => sealRecord({ pilotId: 1, record, recipients: [gdKey.publicKey, hkKey.publicKey] }).envelope;
  const withGas = (gasLimit: number, envelope = sealed()) =>
    buildSignedTx(
      suite,
      { chainId: 'c', height: 1, to: SystemAddress.PilotRegistry, input: payloadCommitmentCall, gasLimit, envelope },
      alice.secretKey,
    );
  const inputOnly = intrinsicGas(payloadCommitmentCall.length);

  it('the intrinsic cost counts the encoded envelope bytes like input bytes', () => {
    const envelope = sealed();
    const { tx } = withGas(1_000_000, envelope);
    const envelopeBytes = encodeEnvelope(envelope).length;
    expect(envelopeBytes).toBeGreaterThan(record.length);
    expect(txIntrinsicGas(tx)).toBe(intrinsicGas(payloadCommitmentCall.length + envelopeBytes));
    expect(txIntrinsicGas(tx) - inputOnly).toBeGreaterThan(GasCost.txInputByte * record.length);
    const native = buildSignedTx(
      suite,
      { chainId: 'c', height: 1, to: null, input: payloadCommitmentCall },
      alice.secretKey,
    );
    expect(txIntrinsicGas(native.tx)).toBe(inputOnly);
  });

  it('the pool refuses a gasLimit that covers the input but not the envelope, and admits one that covers both', () => {
    const refusal = poolRefusal(withPilot());
    const short = withGas(inputOnly + 50_000);
    expect(refusal(short.raw)).toBe(
      `${TxRejectCode.GasLimitTooLow}: gasLimit ${inputOnly + 50_000} is below the intrinsic cost ${txIntrinsicGas(short.tx)}`,
    );
    const enough = withGas(1_000_000);
    expect(refusal(enough.raw)).toBe('ACCEPTED');
  });

  it('execution charges it: gasUsed includes the envelope, and a gasLimit short of it runs out of gas keeping nothing', () => {
    const block = { number: 2, timestamp: DAY, suite };
    const s = withPilot();
    const enough = withGas(1_000_000);
    const r = ex.runTx(block, s, { tx: enough.tx, sender: alice.address, hash: enough.hash });
    ok(r);
    expect(r.gasUsed).toBeGreaterThanOrEqual(txIntrinsicGas(enough.tx));
    const short = withGas(inputOnly + 50_000);
    const r2 = ex.runTx(block, s, { tx: short.tx, sender: alice.address, hash: short.hash });
    expect(r2.status).toBe(ReceiptStatus.OutOfGas);
    expect(r2.gasUsed).toBe(inputOnly + 50_000);
  });
});

function suspendTx() {
  const input = Buffer.from(iface.encodeFunctionData('suspendPilot', [1, 'audit']).slice(2), 'hex');
  return buildSignedTx(suite, { chainId: 'c', height: 2, to: SystemAddress.PilotRegistry, input }, m1.secretKey).tx;
}

/** The same signed fields with an envelope of no recipients (the signature no longer matters: decoding refuses first). */
function encodeWithoutRecipients(raw: Uint8Array): Uint8Array {
  const v = decodeCanonical(raw) as Canonical[];
  const envelope = v[7] as Canonical[];
  return encodeCanonical([...v.slice(0, 7), [...envelope.slice(0, 5), []], v[8]]);
}
