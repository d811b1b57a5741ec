import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadGenesisFile } from '../../../node/config/genesis.js';
import { RpcClient } from '../../client/rpc-client.js';
import {
  REPORT_CSV,
  REPORT_JSON,
  ReportError,
  ReportErrorCode,
  reportCsv,
  serializeReport,
} from '../../regulator/format.js';
import { buildReport, fetchPilot, regulatorSource, resolveBound } from '../../regulator/report.js';
import { verifyReport } from '../../regulator/verify.js';
import { kv, print } from '../output.js';
import { DEFAULT_RPC } from '../send-options.js';
import { uintArg } from './gov.js';

/** `regulator report|verify-report`, added to the shared `regulator` group (command-table.ts). */
export function addReportRegulatorCommands(regulator: Command): void {
  regulator
    .command('report')
    .description(
      'write an audit report of a pilot over a range of blocks or dates: report.json (verifiable) and report.csv',
    )
    .requiredOption('--pilot <id>', 'pilot id')
    .requiredOption('--from <blockOrDate>', 'first block, or an ISO date (the first block at or after it)')
    .requiredOption('--to <blockOrDate>', 'last block, or an ISO date (the last block before it)')
    .requiredOption('--out <dir>', 'directory to write report.json and report.csv into')
    .option('--rpc <url>', "node RPC URL (a regulator node's, for records and alerts)", DEFAULT_RPC)
    .option('--json', 'print JSON')
    .action(async (o: { pilot: string; from: string; to: string; out: string; rpc: string; json?: boolean }) => {
      const client = new RpcClient(o.rpc);
      const pilot = await fetchPilot(client, uintArg('--pilot', o.pilot));
      const fromBlock = await resolveBound(client, o.from, 'from');
      const toBlock = await resolveBound(client, o.to, 'to');
      const report = await buildReport(client, {
        pilot,
        fromBlock,
        toBlock,
        supervision: await regulatorSource(client, pilot.id, fromBlock, o.rpc),
      });
      mkdirSync(o.out, { recursive: true });
      const files = { json: join(o.out, REPORT_JSON), csv: join(o.out, REPORT_CSV) };
      writeFileSync(files.json, serializeReport(report));
      writeFileSync(files.csv, reportCsv(report));
      const out = {
        ...files,
        fromBlock,
        toBlock,
        transactions: report.transactions.length,
        alerts: report.alerts.length,
      };
      print(o, out, () => kv(Object.entries(out)));
    });

  regulator
    .command('verify-report <path>')
    .description('verify an audit report offline against the genesis file: exit 0 VALID, 1 INVALID, 2 bad input')
    .requiredOption('--genesis <file>', "the chain's genesis file (the validators every certificate is checked from)")
    .option('--json', 'print JSON')
    .action((path: string, o: { genesis: string; json?: boolean }) => {
      const { json, csv } = reportFiles(path);
      const genesis = loadGenesisFile(o.genesis);
      const v = verifyReport(read(json), csv === null ? null : read(csv), genesis);
      print(o, { ...v, report: json, csv }, () => (v.valid ? `VALID: ${v.summary}` : `INVALID: ${v.reason}`));
      if (!v.valid) process.exitCode = 1;
    });
}

/** A directory holds report.json and report.csv; a file is the JSON, with its CSV beside it if there is one. */
function reportFiles(path: string): { json: string; csv: string | null } {
  if (!existsSync(path)) throw new ReportError(ReportErrorCode.Malformed, `${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const csv = join(path, REPORT_CSV);
    if (!existsSync(csv)) throw new ReportError(ReportErrorCode.Malformed, `${path} has no ${REPORT_CSV}`);
    return { json: join(path, REPORT_JSON), csv };
  }
  const csv = join(dirname(path), `${basename(path, '.json')}.csv`);
  return { json: path, csv: existsSync(csv) ? csv : null };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError(ReportErrorCode.Malformed, `cannot read ${file}: ${(e as Error).message}`);
  }
}
