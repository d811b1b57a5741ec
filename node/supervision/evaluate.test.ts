import { describe, expect, it } from 'vitest';
import { evaluateBlock, type RuleHistory } from './evaluate.js';
import type { BlockFacts, PilotFacts, TransferFact, TxFact } from './facts.js';
import { parseRules } from './rules.js';

const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const BANK_A = addr(0xa);
const BANK_B = addr(0xb);
const OUTSIDER = addr(0xee);
const TOKEN = addr(0x1001);
const ROGUE = addr(0x2002);
const DAY = 86_400_000;

const pilot: PilotFacts = {
  id: 1,
  name: 'receivables',
  institutions: [BANK_A, BANK_B],
  contracts: [TOKEN],
  jurisdictions: ['CN-GD'],
  startMs: 10 * DAY,
  endMs: 20 * DAY,
  status: 'Registered',
  perTxCap: 1000n,
  dailyCap: 2500n,
};

const noHistory: RuleHistory = { dayVolume: async () => 0n, transfersFrom: async () => [] };

function transfer(from: string, to: string, value: bigint, contract = TOKEN, logIndex = 0): TransferFact {
  return { contract, from, to, value, tokenId: null, logIndex };
}

function tx(index: number, over: Partial<TxFact> = {}): TxFact {
  return {
    index,
    hash: `0x${index.toString(16).padStart(64, '0')}`,
    sender: BANK_A,
    to: TOKEN,
    success: true,
    transfers: [],
    assetEvents: [],
    contracts: [TOKEN],
    record: null,
    ...over,
  };
}

function block(txs: TxFact[], timestamp = 12 * DAY, number = 5): BlockFacts {
  return { number, hash: `0x${'ab'.repeat(32)}`, timestamp, txs };
}

async function run(rules: string, facts: BlockFacts, over: { pilot?: PilotFacts; history?: RuleHistory } = {}) {
  const p = over.pilot ?? pilot;
  return evaluateBlock(
    parseRules(`rules:\n${rules}`, 't'),
    { block: facts, pilots: [p], supervised: new Set([p.id]) },
    over.history ?? noHistory,
  );
}

describe('rule evaluation', () => {
  it('amount-above-cap: a transfer above the pilot cap or an absolute cap, naming the transaction', async () => {
    const facts = block([
      tx(0, { transfers: [transfer(BANK_A, BANK_B, 1001n)] }),
      tx(1, { transfers: [transfer(BANK_A, BANK_B, 1000n)] }),
    ]);
    const alerts = await run('  - {id: cap, kind: amount-above-cap, cap: pilot, severity: warning}', facts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: '5-0',
      rule: 'cap',
      pilot: 1,
      txHash: facts.txs[0].hash,
      sender: BANK_A,
      blockNumber: 5,
    });
    expect(alerts[0].message).toContain('above the cap 1000 of pilot 1');
    expect(await run('  - {id: cap, kind: amount-above-cap, cap: "999", severity: info}', facts)).toHaveLength(2);
    expect(
      await run('  - {id: cap, kind: amount-above-cap, cap: pilot, pilot: 2, severity: info}', facts),
    ).toHaveLength(0);
  });

  it('daily-volume-above-cap: once, at the transaction that crosses it, counting the day before the block', async () => {
    const history: RuleHistory = { ...noHistory, dayVolume: async (_p, day) => (day === 12 ? 2000n : 0n) };
    const facts = block([0, 1, 2].map((i) => tx(i, { transfers: [transfer(BANK_A, BANK_B, 300n)] })));
    const alerts = await run('  - {id: daily, kind: daily-volume-above-cap, cap: pilot, severity: warning}', facts, {
      history,
    });
    expect(alerts.map((a) => a.txHash)).toEqual([facts.txs[1].hash]);
    expect(alerts[0].message).toContain('moved 2600 on day 12');
  });

  it('participant-not-allowed: a sender or a transfer party outside the pilot; mint and burn are allowed', async () => {
    const facts = block([
      tx(0, { sender: OUTSIDER, transfers: [transfer(OUTSIDER, BANK_B, 1n)] }),
      tx(1, {
        transfers: [
          transfer(`0x${'00'.repeat(20)}`, BANK_A, 5n),
          transfer(BANK_A, `0x${'00'.repeat(20)}`, 5n, TOKEN, 1),
        ],
      }),
    ]);
    const alerts = await run('  - {id: p, kind: participant-not-allowed, severity: critical}', facts);
    expect(alerts.map((a) => a.message)).toEqual([
      `sender ${OUTSIDER} is not an institution of pilot 1 (receivables)`,
      expect.stringContaining(`${OUTSIDER} is not a participant of pilot 1`),
    ]);
  });

  it('outside-period and suspended-pilot-activity: attempts count, reverted or not', async () => {
    const early = block([tx(0, { success: false })], 9 * DAY);
    expect(await run('  - {id: o, kind: outside-period, severity: warning}', early)).toHaveLength(1);
    expect(await run('  - {id: o, kind: outside-period, severity: warning}', block([tx(0)]))).toHaveLength(0);
    const suspended = { ...pilot, status: 'Suspended' as const };
    const alerts = await run(
      '  - {id: s, kind: suspended-pilot-activity, severity: warning}',
      block([tx(0, { success: false })]),
      { pilot: suspended },
    );
    expect(alerts[0].message).toBe('activity on pilot 1 (receivables), which is suspended');
  });

  it('unregistered-contract: a contract of no pilot moving an institution’s assets', async () => {
    const facts = block([tx(0, { to: ROGUE, contracts: [ROGUE], transfers: [transfer(BANK_A, OUTSIDER, 7n, ROGUE)] })]);
    const alerts = await run('  - {id: u, kind: unregistered-contract, severity: warning}', facts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toContain(`contract ${ROGUE}, not registered to pilot 1`);
    const unrelated = block([
      tx(0, { to: ROGUE, contracts: [ROGUE], transfers: [transfer(OUTSIDER, OUTSIDER, 7n, ROGUE)] }),
    ]);
    expect(await run('  - {id: u, kind: unregistered-contract, severity: warning}', unrelated)).toHaveLength(0);
  });

  it('rapid-splitting: N near-cap transfers of one sender within W blocks summing above the cap, once', async () => {
    const rule =
      '  - {id: split, kind: rapid-splitting, cap: pilot, count: 3, windowBlocks: 10, withinPercent: 10, severity: warning}';
    const history: RuleHistory = {
      ...noHistory,
      transfersFrom: async (_p, from, fromBlock) => (from === BANK_A && fromBlock === -4 ? [950n, 100n] : []),
    };
    const facts = block([0, 1, 2].map((i) => tx(i, { transfers: [transfer(BANK_A, BANK_B, 960n)] })));
    const alerts = await run(rule, facts, { history });
    // 950 (history) + 960 + 960: the third near-cap transfer is the second of this block.
    expect(alerts.map((a) => a.txHash)).toEqual([facts.txs[1].hash]);
    expect(alerts[0].message).toContain('made 3 transfers within 10% under the cap 1000');
  });

  it('undecryptable-record: names the sender and the transaction', async () => {
    const record = {
      pilotId: 1,
      commitment: `0x${'11'.repeat(32)}`,
      record: null,
      salt: null,
      problem: 'the envelope has no entry for this key',
    };
    const facts = block([
      tx(0, { record }),
      tx(1, { record: { ...record, record: new Uint8Array([1]), salt: new Uint8Array(32), problem: null } }),
    ]);
    const alerts = await run('  - {id: u, kind: undecryptable-record, severity: critical}', facts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toBe(
      `record of pilot 1 in transaction ${facts.txs[0].hash} from ${BANK_A} cannot be opened: the envelope has no entry for this key`,
    );
  });

  it('raises nothing for a pilot this node does not supervise', async () => {
    const facts = block([tx(0, { transfers: [transfer(BANK_A, BANK_B, 5000n)] })]);
    const alerts = await evaluateBlock(
      parseRules('rules:\n  - {id: c, kind: amount-above-cap, cap: pilot, severity: info}', 't'),
      { block: facts, pilots: [pilot], supervised: new Set() },
      noHistory,
    );
    expect(alerts).toEqual([]);
  });
});
