import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { Interface } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addReportRegulatorCommands } from '../../tools/cli/commands/reports.js';
import { exitCodeOf } from '../../tools/cli/output.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { type GenesisConfig, type GenesisInput, loadGenesisFile, parseGenesis } from '../../node/config/genesis.js';
import { writeGenesisFile } from '../../node/config/writer.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { committeeContract } from '../../node/exec/system/committee.js';
import { encodeProposal, type ProposalAction } from '../../node/exec/system/proposal-kinds.js';
import { type Envelope, sealRecord } from '../../node/codec/envelope.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import { asExample } from '../../contracts/testing/examples.js';
import {
  type Alert,
  REPORT_CSV,
  REPORT_JSON,
  type Report,
  ReportError,
  reportCsv,
  serializeReport,
} from '../../tools/regulator/format.js';
import { buildReport, contentHashOf, type PilotSpec, type SupervisionSource } from '../../tools/regulator/report.js';
import { parseReport, type Verdict, verifyReport } from '../../tools/regulator/verify.js';
import { type InProcessCluster, inProcessCluster } from '../helpers/in-process-cluster.js';
import { fromHex, kvIface, suite, toHex } from '../helpers/in-process.js';
import { utf8 } from '../../node/codec/hex.js';

/**
 * Audit reports from a real node: a token as the pilot's contract, transfers between its two
 * institutions, a transaction that does not concern the pilot, and a node-list change
 * (an observer admitted by proposal) that the report must prove.
 */
describe('audit reports: built from a node, verified offline', () => {
  let c: InProcessCluster;
  let genesis: GenesisConfig;
  let report: Report;
  let json: string;
  let csv: string;
  let pilot: PilotSpec;
  const transfers: string[] = [];
  const records = new Map<string, { salt: string; data: string }>();
  const party = generateSupervisionKey();

  const verify = (text = json, c: string | null = csv, g = genesis): Verdict => verifyReport(text, c, g);
  /** The report after `edit`, written as the writer writes it (content hash recomputed unless `keepHash`). */
  const edited = (edit: (r: Report) => void, keepHash = false): string => {
    const r = structuredClone(report);
    edit(r);
    return serializeReport(keepHash ? r : { ...r, contentHash: contentHashOf(suite, r) });
  };
  const reasonOf = (v: Verdict) => (v.valid ? 'VALID' : v.reason);

  beforeAll(async () => {
    // PBFT with one validator: its certificates are the chain-bound commit certificates a
    // regulator's chain has (the solo sealer signs the bare block hash).
    c = await inProcessCluster(1, 0);
    // A Guangdong regulator, so that pilot 1 (CN-GD) has someone to supervise it.
    const genesisFile = join(c.dir, 'genesis.json');
    writeGenesisFile(genesisFile, {
      ...(JSON.parse(readFileSync(genesisFile, 'utf8')) as GenesisInput),
      regulators: [
        {
          name: 'GD regulator',
          jurisdiction: 'CN-GD',
          account: toHex(suite.generateKeyPair().address),
        },
      ],
    });
    await c.start(0);
    const client = c.nodes[0].client;
    genesis = loadGenesisFile(join(c.dir, 'genesis.json'));
    const me = c.accounts[0];
    const other = suite.generateKeyPair();
    const send = async (to: Uint8Array | null, input: Uint8Array, who = me, envelope?: Envelope) => {
      const height = await client.call('getBlockNumber');
      const { raw } = buildSignedTx(
        suite,
        { chainId: c.chainId, height, to, input, gasLimit: 100_000_000, envelope },
        who.secretKey,
      );
      const r = await client.call('sendTransaction', [toHex(raw), true]);
      if (!('status' in r) || r.status !== 0) throw new Error(`transaction failed: ${JSON.stringify(r)}`);
      return r;
    };
    const token = await asExample('token');
    const iface = new Interface(token.abi as never);
    const deployed = await send(
      null,
      encodeDeployInput(
        token.wasm,
        fromHex(iface.encodeDeploy(['Receivable', 'RCV', 0, 1_000_000n])),
        JSON.stringify(token.abi),
      ),
    );
    const address = fromHex(deployed.contractAddress!);
    const committee = committeeContract.iface;
    const propose = (action: ProposalAction) => {
      const { kind, payload } = encodeProposal(action);
      return send(SystemAddress.Committee, fromHex(committee.encodeFunctionData('propose', [kind, payload])));
    };
    // Pilot 1, supervised by the GD regulator.
    await propose({
      kind: 'registerPilot',
      spec: {
        name: 'supply-chain receivables',
        institutions: [me.address, other.address],
        contracts: [address],
        jurisdictions: ['CN-GD', 'HK'],
        startMs: 0,
        endMs: 2 ** 52,
        limits: { perTxCap: 0n, dailyCap: 0n, hard: 0 },
      },
    });
    const from = await client.call('getBlockNumber');
    for (const [who, to, value] of [
      [me, other, 700n],
      [other, me, 300n],
      [me, other, 5n],
    ] as const) {
      const r = await send(address, fromHex(iface.encodeFunctionData('transfer', [toHex(to.address), value])), who);
      transfers.push(r.transactionHash);
    }
    // A private record riding on the next transfer: the regulator's node would decrypt it.
    const sealed = sealRecord({
      pilotId: 1,
      record: utf8('invoice 7: 5 RCV to supplier B'),
      recipients: [party.publicKey],
    });
    const withRecord = await send(
      address,
      fromHex(iface.encodeFunctionData('transfer', [toHex(other.address), 2n])),
      me,
      sealed.envelope,
    );
    transfers.push(withRecord.transactionHash);
    records.set(withRecord.transactionHash, {
      salt: toHex(sealed.salt),
      data: toHex(utf8('invoice 7: 5 RCV to supplier B')),
    });
    await send(SystemAddress.KVStore, fromHex(kvIface.encodeFunctionData('set', ['unrelated', 'x'])));
    // An observer admitted by the committee (the proposer's vote alone passes it under the default rules).
    const observer = suite.generateKeyPair();
    await propose({ kind: 'addObserver', nodeId: observer.publicKey });
    const afterChange = await send(address, fromHex(iface.encodeFunctionData('transfer', [toHex(other.address), 1n])));
    transfers.push(afterChange.transactionHash);
    const to = await client.call('getBlockNumber');

    pilot = {
      id: 1,
      name: 'supply-chain receivables',
      institutions: [toHex(me.address), toHex(other.address)],
      contracts: [toHex(address)],
      jurisdictions: ['CN-GD', 'HK'],
    };
    const alerts: Alert[] = [
      { id: 7, rule: 'amount-above-cap', transactionHash: transfers[0], blockNumber: from + 1, message: '700 > 500' },
    ];
    const supervision: SupervisionSource = {
      description: 'test regulator',
      record: async (hash) => records.get(hash) ?? null,
      alerts: async () => alerts,
    };
    report = await buildReport(client, { pilot, fromBlock: from + 1, toBlock: to, supervision });
    json = serializeReport(report);
    csv = reportCsv(report);
  });
  afterAll(async () => {
    await c?.close();
  });

  it('lists the transactions that concern the pilot, with amounts and alerts, and verifies', () => {
    expect(report.transactions.map((x) => x.hash)).toEqual(transfers);
    expect(report.transactions.map((x) => x.summary.transfers.map((y) => y.value))).toEqual([
      ['700'],
      ['300'],
      ['5'],
      ['2'],
      ['1'],
    ]);
    expect(report.transactions[3].record).toEqual(records.get(transfers[3]));
    expect(report.transactions[3].summary.record).toBe('30 bytes: invoice 7: 5 RCV to supplier B');
    expect(report.transactions[0].summary.alerts).toEqual(['amount-above-cap#7']);
    expect(report.nodeListChanges).toHaveLength(1);
    expect(report.nodeListChanges[0].action).toBe('addObserver');
    expect(report.governance).toHaveLength(1); // the registration changed no node
    expect(csv.split('\r\n')[0]).toBe(
      'time,block,tx,sender,institution,contract,method selector,amounts,record,alerts',
    );
    expect(csv.split('\r\n')[1]).toContain(',700,');
    expect(verify()).toEqual({
      valid: true,
      summary: expect.stringMatching(/5 transaction\(s\), 1 record\(s\), 1 alert/),
    });
    expect(parseReport(json)).toEqual(report);
  });

  it('any single changed byte of the JSON makes it INVALID or unreadable, with a reason', () => {
    const bytes = Buffer.from(json, 'utf8');
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const changed = Buffer.from(bytes);
        changed[at] ^= mask;
        let outcome: string;
        try {
          const v = verify(changed.toString('utf8'));
          outcome = v.valid ? 'VALID' : v.reason;
        } catch (e) {
          expect(e).toBeInstanceOf(ReportError);
          outcome = (e as Error).message;
        }
        expect(outcome).not.toBe('VALID');
        expect(outcome.length).toBeGreaterThan(10);
      }),
      { numRuns: 300 },
    );
  });

  it('a forged transaction or receipt proof is INVALID, naming the proof', () => {
    // One transaction per block: the proof has no siblings, so a forger adds one or moves the leaf.
    const zero = `0x${'00'.repeat(32)}`;
    expect(
      reasonOf(
        verify(
          edited((r) => r.transactions[0].transactionProof.siblings.push(zero)),
          null,
        ),
      ),
    ).toMatch(/transaction proof fails against block \d+'s txRoot/);
    expect(
      reasonOf(
        verify(
          edited((r) => (r.transactions[0].receiptProof.leafCount = 2)),
          null,
        ),
      ),
    ).toMatch(/receipt proof fails against block \d+'s receiptRoot/);
    // The receipt claims other logs: its leaf no longer hashes up to the receipt root.
    expect(reasonOf(verify(edited((r) => (r.transactions[1].receipt = r.transactions[0].receipt))))).toMatch(
      /receipt leaf names another transaction|receipt proof fails/,
    );
  });

  it('a forged certificate signature or header is INVALID, naming the block', () => {
    expect(
      reasonOf(
        verify(
          edited((r) => {
            const s = r.blocks[0].certificate.signatures[0];
            s.signature = `0x${s.signature[2] === 'a' ? 'b' : 'a'}${s.signature.slice(3)}`;
          }),
        ),
      ),
    ).toMatch(/block \d+: the commit certificate does not verify .*signature of validator 0 is invalid/);
    expect(reasonOf(verify(edited((r) => (r.blocks[0].header.timestamp += 1))))).toMatch(
      /block \d+: the header does not hash to the block hash/,
    );
  });

  it('a summary or alert that its bytes do not support is INVALID', () => {
    expect(
      reasonOf(
        verify(
          edited((r) => (r.transactions[0].summary.transfers[0].value = '70')),
          null,
        ),
      ),
    ).toMatch(/summary's transfers says .*"70".* its bytes say .*"700"/);
    expect(
      reasonOf(
        verify(
          edited((r) => (r.alerts[0].message = '7 > 5'), true),
          null,
        ),
      ),
    ).toMatch(/content hash/);
  });

  it('a record that does not match its commitment, or without an envelope, is INVALID', () => {
    const salt = toHex(new Uint8Array(32).fill(1));
    expect(
      reasonOf(
        verify(
          edited((r) => (r.transactions[3].record!.salt = salt)),
          null,
        ),
      ),
    ).toMatch(/transaction 0x[0-9a-f]+: the record does not match its commitment \(keccak256\(salt ‖ record\) is 0x/);
    expect(
      reasonOf(
        verify(
          edited((r) => (r.transactions[0].record = { salt, data: '0x01' })),
          null,
        ),
      ),
    ).toMatch(/the report gives a record, but the transaction carries no private record/);
  });

  it('against the wrong genesis, or with a node-list change it does not prove, it is INVALID', () => {
    const other = parseGenesis({ ...structuredClone(genesis), chainId: 'another-chain' });
    expect(reasonOf(verify(json, csv, other))).toMatch(
      /the report is of chain pbft-test .* the genesis file given is chain another-chain/,
    );
    // A change the report claims but its governance transactions do not carry.
    expect(
      reasonOf(
        verify(
          edited((r) => (r.nodeListChanges[0].action = 'addValidator')),
          null,
        ),
      ),
    ).toMatch(/node-list change \(proposal 2\): the report says addValidator .* the proposal is addObserver/);
    expect(
      reasonOf(
        verify(
          edited((r) => (r.nodeListChanges[0].executedIn = r.transactions[0].hash)),
          null,
        ),
      ),
    ).toMatch(/transaction 0x[0-9a-f]+ is not in the report|carries no such committee event/);
  });

  it('a CSV that does not say what the JSON says is INVALID, naming the row', () => {
    const lines = csv.split('\r\n');
    lines[2] = lines[2].replace(',300,', ',3000,');
    expect(reasonOf(verify(json, lines.join('\r\n')))).toMatch(/the CSV does not match the JSON at row 2 \(0x/);
    expect(reasonOf(verify(json, csv.split('\r\n').slice(0, -2).join('\r\n') + '\r\n'))).toMatch(/CSV does not match/);
  });

  it('`lingding regulator verify-report` prints VALID or INVALID with the reason and exits 0 or 1; bad input exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-report-'));
    const run = async (args: string[]) => {
      const program = new Command('lingding').exitOverride();
      addReportRegulatorCommands(program.command('regulator'));
      const out: string[] = [];
      const log = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
      process.exitCode = undefined;
      try {
        await program.parseAsync(['node', 'lingding', 'regulator', ...args]);
        return { code: process.exitCode ?? 0, out: out.join('') };
      } catch (e) {
        return { code: exitCodeOf(e), out: (e as Error).message };
      } finally {
        log.mockRestore();
        process.exitCode = undefined;
      }
    };
    try {
      const genesisFile = join(c.dir, 'genesis.json');
      writeFileSync(join(dir, REPORT_JSON), json);
      writeFileSync(join(dir, REPORT_CSV), csv);
      expect(await run(['verify-report', dir, '--genesis', genesisFile])).toEqual({
        code: 0,
        out: expect.stringMatching(/^VALID: pilot 1, /),
      });
      writeFileSync(join(dir, REPORT_CSV), csv.replace(',700,', ',701,'));
      expect(await run(['verify-report', dir, '--genesis', genesisFile])).toEqual({
        code: 1,
        out: expect.stringMatching(/^INVALID: the CSV does not match the JSON at row 1/),
      });
      writeFileSync(join(dir, REPORT_JSON), '{"format": 1}');
      expect(await run(['verify-report', join(dir, REPORT_JSON), '--genesis', genesisFile])).toEqual({
        code: 2,
        out: expect.stringMatching(/the report is malformed at format/),
      });
      // A pilot the registry does not hold is bad input.
      expect(
        await run([
          'report',
          '--pilot',
          '99',
          '--from',
          '1',
          '--to',
          '2',
          '--out',
          dir,
          '--rpc',
          c.nodes[0].client.url,
        ]),
      ).toEqual({ code: 2, out: expect.stringMatching(/there is no pilot 99/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
