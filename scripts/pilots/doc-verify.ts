/**
 * Cross-border data verification on a running devnet: deploy doc-verify, register the pilot,
 * then a Guangdong credit bureau anchors a credit report, a Hong Kong bank verifies the file
 * the customer carries, the bureau revokes it, and the bank's second check records that.
 *
 *   npx tsx scripts/pilots/doc-verify.ts [--rpc http://127.0.0.1:8545] [--keystore .lingding/accounts/dev.json]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak256, toUtf8Bytes } from 'ethers';
import { deployExample, pilotRun, registerPilot, role, send } from './run.js';

const run = pilotRun();
const operator = role(run, 'doc-verify operator');
const bureau = role(run, 'Guangdong credit bureau');
const bank = role(run, 'Hong Kong bank');

const contract = deployExample(run, 'doc-verify', operator);
await registerPilot(
  run,
  join(fileURLToPath(new URL('.', import.meta.url)), 'doc-verify.pilot.json'),
  [operator, bureau, bank],
  contract.address,
);

// The report never leaves Guangdong: only its digest is anchored, and the bank hashes the copy it is shown.
const report = keccak256(toUtf8Bytes('credit report of a customer moving to Hong Kong, 2024-06'));
const CREDIT_REPORT = 1;
send(run, operator, contract, 'addIssuer', [bureau.address, 'CN-GD']);
send(run, bureau, contract, 'anchor', [report, CREDIT_REPORT, Date.now() + 30 * 86_400_000]);
send(run, bank, contract, 'verify', [report]);
send(run, bureau, contract, 'revoke', [report, 'superseded by the July report']);
send(run, bank, contract, 'verify', [report]);
