/**
 * `lingding regulator records|trace|alerts|reindex`: the regulator node's supervision index
 * (docs/regulator-guide.md), through the regulator-only JSON-RPC methods.
 */
import type { Command } from 'commander';
import { RpcClient } from '../../client/rpc-client.js';
import { print } from '../output.js';
import { DEFAULT_RPC } from '../send-options.js';
import { uintArg } from './gov.js';

const withRpc = (c: Command) =>
  c.option('--rpc <url>', 'the regulator node’s RPC URL', DEFAULT_RPC).option('--json', 'print JSON');

export function addSupervisionRegulatorCommands(regulator: Command): void {
  withRpc(
    regulator
      .command('records')
      .description('indexed records of the supervised pilots, by pilot, contract or account (getSupervisedRecords)')
      .option('--pilot <id>', 'of this pilot')
      .option('--contract <address>', 'that ran in this contract')
      .option('--account <address>', 'that this account sent or took part in')
      .option('--institution <address>', 'of this institution of --pilot')
      .option('--day <n>', 'of this UTC day (ms / 86400000) of --pilot')
      .option('--from <block>', 'from this block on')
      .option('--limit <n>', 'at most this many')
      .option('--cursor <next>', 'the next page (from a previous answer)'),
  ).action(
    async (o: {
      pilot?: string;
      contract?: string;
      account?: string;
      institution?: string;
      day?: string;
      from?: string;
      limit?: string;
      cursor?: string;
      rpc: string;
      json?: boolean;
    }) => {
      const page = await new RpcClient(o.rpc).call('getSupervisedRecords', [
        {
          ...(o.pilot ? { pilot: uintArg('--pilot', o.pilot) } : {}),
          ...(o.contract ? { contract: o.contract } : {}),
          ...(o.account ? { account: o.account } : {}),
          ...(o.institution ? { institution: o.institution } : {}),
          ...(o.day ? { day: uintArg('--day', o.day) } : {}),
          ...(o.from ? { fromBlock: uintArg('--from', o.from) } : {}),
          ...(o.limit ? { limit: uintArg('--limit', o.limit) } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        },
      ]);
      print(o, page, () =>
        [
          ...(page.records.length ? page.records.map(recordLine) : ['no records']),
          ...(page.next ? [`more: --cursor ${page.next}`] : []),
        ].join('\n'),
      );
    },
  );

  withRpc(
    regulator
      .command('trace <contract> <holderOrId>')
      .description(
        'who holds an asset now and through which hops: a holder account, or an id followed through its splits (traceAsset)',
      ),
  ).action(async (contract: string, subject: string, o: { rpc: string; json?: boolean }) => {
    const t = await new RpcClient(o.rpc).call('traceAsset', [contract, subject]);
    print(o, t, () =>
      [
        ...t.hops.map((h) =>
          h.kind === 'split'
            ? `block ${h.blockNumber}  split ${h.parent} -> ${h.tokenId}  held by ${h.from}  ${h.value}  ${h.txHash}`
            : `block ${h.blockNumber}  ${h.from} -> ${h.to}  ${h.value}${h.tokenId ? ` (id ${h.tokenId})` : ''}  ${h.txHash}`,
        ),
        t.hops.length ? '' : 'no hops',
        'holds it now:',
        ...(t.holders.length
          ? t.holders.map((h) => `  ${h.account}  ${h.balance}${h.tokenId ? ` (id ${h.tokenId})` : ''}`)
          : ['  nobody indexed']),
        ...(t.truncated ? ['(truncated: supervision.maxTraceTransfers or maxItemsPerResponse)'] : []),
      ].join('\n'),
    );
  });

  withRpc(
    regulator
      .command('alerts')
      .description('alerts of the rules and of the starvation watch (getAlerts)')
      .option('--from <block>', 'from this block')
      .option('--to <block>', 'up to this block')
      .option('--limit <n>', 'at most this many'),
  ).action(async (o: { from?: string; to?: string; limit?: string; rpc: string; json?: boolean }) => {
    const { alerts } = await new RpcClient(o.rpc).call('getAlerts', [
      {
        ...(o.from ? { fromBlock: uintArg('--from', o.from) } : {}),
        ...(o.to ? { toBlock: uintArg('--to', o.to) } : {}),
        ...(o.limit ? { limit: uintArg('--limit', o.limit) } : {}),
      },
    ]);
    print(o, { alerts }, () =>
      alerts.length
        ? alerts
            .map(
              (a) =>
                `${a.severity.toUpperCase()}  block ${a.blockNumber}  ${a.rule}${a.pilot ? `  pilot ${a.pilot}` : ''}  ${a.message}`,
            )
            .join('\n')
        : 'no alerts',
    );
  });

  withRpc(
    regulator
      .command('reindex')
      .description('drop the supervision index and rebuild it from the chain (reindexSupervision)'),
  ).action(async (o: { rpc: string; json?: boolean }) => {
    const r = await new RpcClient(o.rpc).call('reindexSupervision', []);
    print(o, r, () => `reindexed blocks ${r.fromBlock}..${r.toBlock}`);
  });
}

function recordLine(r: {
  blockNumber: number;
  hash: string;
  sender: string;
  pilots: number[];
  record: { data: string | null; problem: string | null } | null;
}): string {
  const rec = !r.record
    ? 'no record'
    : r.record.data
      ? `record ${readable(r.record.data)}`
      : `UNREADABLE: ${r.record.problem}`;
  return `block ${r.blockNumber}  ${r.hash}  from ${r.sender}  pilots ${r.pilots.join(',')}  ${rec}`;
}

/** A record as text when it is printable UTF-8 (JSON, CSV, a note), else its hex. */
function readable(hex: string): string {
  const text = Buffer.from(hex.slice(2), 'hex').toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  return !text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text) ? JSON.stringify(text) : hex;
}
