/**
 * Supply-chain receivables on a running devnet: deploy receivables, register the pilot, then
 * a core enterprise issues a receivable to its tier-1 supplier, which is split three times
 * down the chain, and a bank finances the last split: the trace a regulator follows.
 *
 *   npx tsx scripts/pilots/receivables.ts [--rpc http://127.0.0.1:8545] [--keystore .lingding/accounts/dev.json]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployExample, pilotRun, registerPilot, role, send } from './run.js';

const run = pilotRun();
const core = role(run, 'core enterprise');
const tier1 = role(run, 'tier-1 supplier');
const tier2 = role(run, 'tier-2 supplier');
const tier3 = role(run, 'tier-3 supplier');
const bank = role(run, 'Macau bank');

const contract = deployExample(run, 'receivables', core);
await registerPilot(
  run,
  join(fileURLToPath(new URL('.', import.meta.url)), 'receivables.pilot.json'),
  [core, tier1, tier2, tier3, bank],
  contract.address,
);

const due = Date.now() + 90 * 86_400_000;
send(run, core, contract, 'issue', [1, tier1.address, 1_000_000, due]);
send(run, tier1, contract, 'split', [1, 2, 600_000, 3, 400_000]);
send(run, tier1, contract, 'transfer', [3, tier2.address]);
send(run, tier2, contract, 'split', [3, 4, 250_000, 5, 150_000]);
send(run, tier2, contract, 'transfer', [5, tier3.address]);
send(run, tier3, contract, 'split', [5, 6, 100_000, 7, 50_000]);
send(run, tier3, contract, 'offerForFinancing', [6, bank.address, 97_000]);
send(run, bank, contract, 'finance', [6]);
console.log('receivable 6 came from 1 through 3 and 5; ask the regulator node: lingding regulator trace');
