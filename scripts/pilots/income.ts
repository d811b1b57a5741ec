/**
 * Income verification on a running devnet: deploy income, register the pilot, then a
 * Guangdong tax bureau anchors a worker's income record sent as a private record (encrypted
 * to the parties and the pilot's supervising regulators), and a Macau bank checks it before a
 * currency purchase.
 *
 *   npx tsx scripts/pilots/income.ts [--rpc http://127.0.0.1:8545] [--keystore .lingding/accounts/dev.json]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { id } from 'ethers';
import { deployExample, pilotRun, registerPilot, role, send } from './run.js';

const run = pilotRun();
const operator = role(run, 'income operator');
const taxBureau = role(run, 'Guangdong tax bureau');
const bank = role(run, 'Macau bank');

const contract = deployExample(run, 'income', operator);
const pilot = await registerPilot(
  run,
  join(fileURLToPath(new URL('.', import.meta.url)), 'income.pilot.json'),
  [operator, taxBureau, bank],
  contract.address,
);

send(run, operator, contract, 'setPilot', [pilot]);
send(run, operator, contract, 'addSource', [taxBureau.address, 'CN-GD']);

// The record travels encrypted (lingding send --private); only its commitment is anchored.
const record = join(run.work, 'income-record.json');
writeFileSync(
  record,
  JSON.stringify({ worker: 'W-0042', period: 202406, income: '23800.00 CNY', taxPaid: '1290.00 CNY' }),
);
const worker = id('W-0042, as the bureau and the worker refer to each other');
const anchored = send(
  run,
  taxBureau,
  contract,
  'anchor',
  [worker, 202406],
  ['--private', record, '--pilot', String(pilot)],
);
const commitment = String(anchored.decoded?.[0]);

// The worker hands the bank the record and its salt; the bank recomputes keccak256(salt ‖ record)
// and checks it. Here the script plays the worker and reads the commitment from the receipt.
send(run, bank, contract, 'verify', [commitment]);
