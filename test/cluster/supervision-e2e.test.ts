/**
 * Penetrating supervision end to end, on real processes: 4 validators, the Guangdong
 * regulator's observer (supervising the pilot) and the Hong Kong regulator's observer (an
 * unrelated jurisdiction). A pilot is registered through the committee; institutions run
 * the receivables business with private records; the supervising regulator's node shows the
 * decrypted records and the trace of a receivable split three times, while the other
 * institution and the Hong Kong regulator cannot open them; a soft cap raises an alert in the
 * block of the transfer, a hard one fails on chain; the regulator suspends the pilot and the
 * next transaction is refused; the exported audit report verifies offline and fails with one
 * byte changed.
 *
 * Skipped when LINGDING_CLUSTER_TESTS=0.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asExample } from '../../contracts/testing/examples.js';
import { openRecord, sealRecord } from '../../node/codec/envelope.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { decodeTx, TxType } from '../../node/codec/tx.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal } from '../../node/exec/system/index.js';
import { pilotRegistryContract } from '../../node/exec/system/pilot-registry.js';
import { HardLimit } from '../../node/exec/system/pilot-state.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { createCluster, type RunningCluster, startCluster, stopCluster, waitFor } from '../../tools/devnet/cluster.js';
import { runCli } from '../helpers/cli-process.js';
import { committeeIface } from '../helpers/committee.js';
import { fromHex, suite, toHex } from '../helpers/in-process.js';

const enabled = process.env.LINGDING_CLUSTER_TESTS !== '0';
const GD = 'regulator0';
const HK = 'regulator1';

describe
  .skipIf(!enabled)
  .sequential('penetrating supervision on a 4+2 cluster of processes', { timeout: 600_000 }, () => {
    let rc: RunningCluster;
    let dir = '';
    let member: KeyPair;
    // The receivables business: a core enterprise (the debtor), two suppliers and a bank.
    const core = suite.generateKeyPair();
    const supplierA = suite.generateKeyPair();
    const supplierB = suite.generateKeyPair();
    const bank = suite.generateKeyPair();
    // Institutions' own record keys: supplier A is a counterparty of the records, the bank is not.
    const supplierAKey = generateSupervisionKey();
    const bankKey = generateSupervisionKey();
    let receivables: { iface: Interface; address: string };
    let pilotId = 0;
    const sentPrivate: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lingding-supervision-'));
      const cluster = await createCluster(dir, {
        validators: 4,
        observers: 2,
        accounts: 1,
        chainId: 'supervision-e2e',
        supervision: { jurisdictions: ['CN-GD', 'HK'] },
        node: { consensus: { viewTimeoutMs: 1000 }, storage: { syncWrites: false }, log: { level: 'warn' } },
      });
      rc = await startCluster(cluster);
      member = cluster.accounts[0];
      const build = await asExample('receivables');
      const iface = new Interface(build.abi as never);
      const d = await send(core, null, encodeDeployInput(build.wasm, new Uint8Array(), JSON.stringify(build.abi)));
      expect(d.status, d.message).toBe(0);
      receivables = { iface, address: d.contractAddress! };
    });
    afterAll(async () => {
      if (rc) await stopCluster(rc, { graceMs: 5000 });
      rmSync(dir, { recursive: true, force: true });
    });

    const regulator = (jurisdiction: string) => rc.cluster.regulators.find((r) => r.jurisdiction === jurisdiction)!;

    async function send(
      from: KeyPair,
      to: Uint8Array | string | null,
      input: Uint8Array | string,
      record?: string,
    ): Promise<Receipt> {
      const client = rc.client('validator0');
      const height = await client.call('getBlockNumber');
      const sealed = record
        ? sealRecord({
            pilotId,
            record: new TextEncoder().encode(record),
            // The supervising regulator's key in force, and the counterparty's own key.
            recipients: [regulator('CN-GD').supervisionKey.publicKey, supplierAKey.publicKey],
          })
        : undefined;
      const { raw, hash } = buildSignedTx(
        suite,
        {
          chainId: rc.cluster.chainId,
          height,
          to: typeof to === 'string' ? fromHex(to) : to,
          input: typeof input === 'string' ? fromHex(input) : input,
          gasLimit: 50_000_000,
          ...(sealed ? { envelope: sealed.envelope } : {}),
        },
        from.secretKey,
      );
      if (sealed) sentPrivate.push(toHex(hash));
      return client.call('sendTransaction', [toHex(raw), true]) as Promise<Receipt>;
    }
    const call = (from: KeyPair, method: string, args: unknown[], record?: string) =>
      send(from, receivables.address, receivables.iface.encodeFunctionData(method, args), record);

    /** Waits until the regulator node has indexed block `n` (its head is there and its index caught up). */
    async function indexedAt(name: string, n: number) {
      await waitFor(`${name} at block ${n}`, async () => (await rc.client(name).call('getBlockNumber')) >= n, {
        timeoutMs: 120_000,
      });
    }

    it('the committee registers the receivables pilot under the Guangdong regulator', async () => {
      const spec = {
        name: 'GBA supply-chain receivables',
        institutions: [core.address, supplierA.address, supplierB.address, bank.address],
        contracts: [fromHex(receivables.address)],
        jurisdictions: ['CN-GD'],
        startMs: 0,
        endMs: Date.UTC(2100, 0, 1),
        // A soft per-transaction cap (an alert) and a hard daily cap (the chain refuses).
        limits: { perTxCap: 1_000n, dailyCap: 10_000n, hard: HardLimit.DailyCap | HardLimit.Participants },
      };
      const { kind, payload } = encodeProposal({ kind: 'registerPilot', spec });
      const r = await send(
        member,
        SystemAddress.Committee,
        committeeIface.encodeFunctionData('propose', [kind, payload]),
      );
      expect(r.status, r.message).toBe(0);
      // Committed through validator0: the regulator's observer reads it once it has the block.
      await indexedAt(GD, r.blockNumber);
      const { pilots } = await rc.client(GD).call('getPilots', [{}]);
      expect(pilots.map((p) => p.name)).toEqual([spec.name]);
      pilotId = pilots[0]!.id;
    });

    it('institutions transact with private records; the Guangdong regulator reads them and traces three splits', async () => {
      const due = Date.UTC(2030, 0, 1);
      const steps: Array<[KeyPair, string, unknown[], string]> = [
        [
          core,
          'issue',
          [1n, toHex(supplierA.address), 1_000n, due],
          'invoice INV-1: 1000 CNY of steel, due 2030-01-01',
        ],
        [supplierA, 'split', [1n, 2n, 600n, 3n, 400n], 'split of INV-1 for two sub-suppliers'],
        [supplierA, 'transfer', [2n, toHex(supplierB.address)], 'assignment of 600 to supplier B'],
        [supplierB, 'split', [2n, 4n, 350n, 5n, 250n], 'split of the 600 part'],
        [supplierB, 'split', [4n, 6n, 200n, 7n, 150n], 'split of the 350 part'],
        [supplierB, 'offerForFinancing', [6n, toHex(bank.address), 190n], 'financing offer for 200 at 190'],
        [bank, 'finance', [6n], 'bank finances part 6'],
      ];
      let last = 0;
      for (const [from, method, args, record] of steps) {
        const r = await call(from, method, args, record);
        expect(r.status, `${method}: ${r.message}`).toBe(0);
        last = r.blockNumber;
      }
      await indexedAt(GD, last);

      const { records } = await rc.client(GD).call('getSupervisedRecords', [{ pilot: pilotId }]);
      const opened = records.filter((r) => r.record?.data);
      expect(opened.map((r) => r.hash).sort()).toEqual([...sentPrivate].sort());
      expect(opened.map((r) => new TextDecoder().decode(fromHex(r.record!.data!)))).toContain(
        'invoice INV-1: 1000 CNY of steel, due 2030-01-01',
      );

      // Receivable 1 through its three splits: every live piece, who holds it now, and the hops.
      const trace = await rc.client(GD).call('traceAsset', [receivables.address, '1']);
      expect(trace.hops.filter((h) => h.kind === 'split')).toHaveLength(6); // three splits, two pieces each
      expect(trace.hops.filter((h) => h.kind === 'move').map((h) => [h.tokenId, h.to])).toEqual([
        ['1', toHex(supplierA.address)],
        ['2', toHex(supplierB.address)],
        ['6', toHex(bank.address)],
      ]);
      const pieces = trace.holders.map((h) => [h.tokenId, h.account, h.balance].join(' '));
      expect(pieces.sort()).toEqual(
        [
          ['3', toHex(supplierA.address), '400'],
          ['5', toHex(supplierB.address), '250'],
          ['6', toHex(bank.address), '200'],
          ['7', toHex(supplierB.address), '150'],
        ]
          .map((x) => x.join(' '))
          .sort(),
      );
    });

    it('the other institution and the unrelated regulator cannot open a record; the counterparty can', async () => {
      const proof = (await rc.client('validator0').call('getTransactionProof', [sentPrivate[0]]))!;
      const tx = decodeTx(fromHex(proof.transaction!));
      expect(tx.type).toBe(TxType.Private);
      const envelope = (tx as { envelope: Parameters<typeof openRecord>[0] }).envelope;
      expect(new TextDecoder().decode(openRecord(envelope, supplierAKey.secretKey).record)).toMatch(/^invoice INV-1/);
      expect(() => openRecord(envelope, bankKey.secretKey)).toThrow(/no entry for this key/);
      expect(() => openRecord(envelope, regulator('HK').supervisionKey.secretKey)).toThrow(/no entry for this key/);
      // The Hong Kong regulator's node supervises nothing of this pilot.
      const hk = await rc.client(HK).call('getSupervisedRecords', [{ pilot: pilotId }]);
      expect(hk.records.filter((r) => r.record?.data)).toEqual([]);
    });

    it('a transfer above the soft cap raises an alert in its block; past the hard daily cap the chain refuses', async () => {
      const over = await call(core, 'issue', [10n, toHex(supplierA.address), 1_500n, Date.UTC(2030, 0, 1)], 'INV-10');
      expect(over.status, over.message).toBe(0);
      await indexedAt(GD, over.blockNumber);
      await waitFor(
        'the cap alert',
        async () => {
          const { alerts } = await rc.client(GD).call('getAlerts', [{ fromBlock: over.blockNumber }]);
          return alerts.some((a) => a.txHash === over.transactionHash && a.blockNumber === over.blockNumber);
        },
        { timeoutMs: 60_000 },
      );
      const hard = await call(core, 'issue', [11n, toHex(supplierA.address), 9_000n, Date.UTC(2030, 0, 1)], 'INV-11');
      expect(hard.status).not.toBe(0);
      expect(hard.message).toMatch(new RegExp(`hard limit: pilot ${pilotId} dailyCap`));
    });

    it('the Guangdong regulator suspends the pilot and the next transaction is refused', async () => {
      const gd = regulator('CN-GD');
      const registry = pilotRegistryContract.iface;
      const r = await send(
        gd.account,
        SystemAddress.PilotRegistry,
        registry.encodeFunctionData('suspendPilot', [pilotId, 'on-site inspection']),
      );
      expect(r.status, r.message).toBe(0);
      await expect(call(supplierA, 'transfer', [3n, toHex(supplierB.address)])).rejects.toThrow(
        /PILOT_INACTIVE|suspended/,
      );
    });

    it('the exported audit report verifies offline, and not with one byte changed', async () => {
      const out = join(dir, 'report');
      const head = await rc.client(GD).call('getBlockNumber');
      const made = await runCli([
        'regulator',
        'report',
        '--pilot',
        String(pilotId),
        '--from',
        '0',
        '--to',
        String(head),
        '--out',
        out,
        '--rpc',
        rc.client(GD).url,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const ok = await runCli(['regulator', 'verify-report', out, '--genesis', rc.cluster.genesisFile]);
      expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/^VALID/)]);
      // The report carries the decrypted records (checked against their commitments) and the alerts.
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        transactions: Array<{ record: unknown }>;
        alerts: unknown[];
      };
      expect(report.transactions.filter((t) => t.record).length).toBeGreaterThanOrEqual(sentPrivate.length);
      expect(report.alerts.length).toBeGreaterThanOrEqual(1);
      const file = join(out, 'report.json');
      const bytes = readFileSync(file);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      writeFileSync(file, bytes);
      const bad = await runCli(['regulator', 'verify-report', out, '--genesis', rc.cluster.genesisFile]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/INVALID|malformed|cannot read/i);
    });
  });
