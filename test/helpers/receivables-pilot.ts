/**
 * A regulator node (in-process, with supervision keys and a rules file) on which the
 * committee registered the AssemblyScript receivables contract as a CN-GD pilot (id 1) with
 * a soft per-transaction cap of 500: what the supervision tests of the receivables run on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { expect } from 'vitest';
import { asExample } from '../../contracts/testing/examples.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { generateSupervisionKey, writeSupervisionKeyFile } from '../../node/crypto/envelope.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal, type ProposalAction } from '../../node/exec/system/index.js';
import { HardLimit } from '../../node/exec/system/pilot-state.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { committeeIface } from './committee.js';
import { fromHex, startTestNode, suite, type TestNode, toHex } from './in-process.js';

export const RECEIVABLES_RULES = 'rules:\n  - {id: per-tx, kind: amount-above-cap, cap: pilot, severity: warning}\n';

export interface ReceivablesPilot {
  readonly t: TestNode;
  /** The core enterprise: the debtor, and the committee's one member. */
  readonly core: KeyPair;
  readonly tier1: KeyPair;
  readonly tier2: KeyPair;
  readonly tier3: KeyPair;
  readonly bank: KeyPair;
  /** The receivables contract's address (0x-hex). */
  readonly address: string;
  /** Calls the contract as `by`; the receipt must be a success. */
  call(by: KeyPair, fn: string, args: unknown[]): Promise<Receipt>;
  cleanup(): Promise<void>;
}

export async function startReceivablesPilot(): Promise<ReceivablesPilot> {
  const keyDir = mkdtempSync(join(tmpdir(), 'receivables-pilot-'));
  const keyFile = join(keyDir, 'supervision.key.json');
  const supervision = generateSupervisionKey();
  writeSupervisionKeyFile(keyFile, supervision);
  const rulesFile = join(keyDir, 'rules.yaml');
  writeFileSync(rulesFile, RECEIVABLES_RULES);
  const t = await startTestNode({
    accounts: 1,
    regulators: [
      {
        name: 'Guangdong regulator',
        jurisdiction: 'CN-GD',
        account: toHex(suite.generateKeyPair().address),
        supervisionKey: toHex(supervision.publicKey),
      },
    ],
    node: { supervision: { keyFiles: [keyFile], rulesFile } },
  });
  const core = t.chain.accounts[0];
  const [tier1, tier2, tier3, bank] = [0, 1, 2, 3].map(() => suite.generateKeyPair());

  async function send(account: KeyPair, to: string | null, input: string | Uint8Array): Promise<Receipt> {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      {
        chainId: t.chain.chainId,
        height,
        to: to === null ? null : fromHex(to),
        input: typeof input === 'string' ? fromHex(input) : input,
        gasLimit: 50_000_000,
      },
      account.secretKey,
    );
    const r = (await t.client.call('sendTransaction', [toHex(raw), true])) as Receipt;
    expect(r.status, r.message).toBe(0);
    return r;
  }
  const govern = (action: ProposalAction) => {
    const { kind, payload } = encodeProposal(action);
    return send(core, toHex(SystemAddress.Committee), committeeIface.encodeFunctionData('propose', [kind, payload]));
  };

  const build = await asExample('receivables');
  const iface = new Interface(build.abi as never);
  const deployed = await send(
    core,
    null,
    encodeDeployInput(build.wasm, fromHex(iface.encodeDeploy([])), JSON.stringify(build.abi)),
  );
  const address = deployed.contractAddress!;
  await govern({
    kind: 'registerPilot',
    spec: {
      name: 'GBA receivables',
      institutions: [core, tier1, tier2, tier3, bank].map((k) => k.address),
      contracts: [fromHex(address)],
      jurisdictions: ['CN-GD'],
      startMs: 0,
      endMs: Date.UTC(2100, 0, 1),
      // Soft: the chain lets an issue above it through and the regulator's rule raises an alert.
      limits: { perTxCap: 500n, dailyCap: 0n, hard: HardLimit.Participants },
    },
  });
  return {
    t,
    core,
    tier1,
    tier2,
    tier3,
    bank,
    address,
    call: (by, fn, args) => send(by, address, iface.encodeFunctionData(fn, args)),
    async cleanup() {
      await t.cleanup();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/**
 * Receivable #1 (1000, issued to tier 1) split three times down the chain — 1 → 2 + 3, 3 to
 * tier 2, 3 → 4 + 5, 5 to tier 3, 5 → 6 + 7 — and #6 financed by the bank; the receipts in order.
 */
export async function splitThreeTimes(p: ReceivablesPilot): Promise<Receipt[]> {
  const { call, tier1, tier2, tier3, bank } = p;
  return [
    await call(tier1, 'split', [1n, 2n, 600n, 3n, 400n]),
    await call(tier1, 'transfer', [3n, toHex(tier2.address)]),
    await call(tier2, 'split', [3n, 4n, 250n, 5n, 150n]),
    await call(tier2, 'transfer', [5n, toHex(tier3.address)]),
    await call(tier3, 'split', [5n, 6n, 100n, 7n, 50n]),
    await call(tier3, 'offerForFinancing', [6n, toHex(bank.address), 97n]),
    await call(bank, 'finance', [6n]),
  ];
}
