/**
 * The rules, run over one committed block's facts (decision 9). Pure but for the history it
 * asks for (the day's volume and a sender's recent transfers before this block), so the same
 * block gives the same alerts whether evaluated live or on a reindex.
 */
import {
  allowedParticipants,
  type BlockFacts,
  dayOf,
  type PilotFacts,
  type TransferFact,
  type TxFact,
  ZERO_ADDRESS,
} from './facts.js';
import type { Cap, Rule, RuleKind, RuleOf, Severity } from './rules.js';

export const STARVED_CODE = 'SUPERVISION_STARVED';

export interface Alert {
  /** `<block>-<n>` for a rule's alert (n-th of its block), `starved-<ms>-<head>` for a starvation alert. */
  readonly id: string;
  /** The rule's id, or SUPERVISION_STARVED. */
  readonly rule: string;
  readonly kind: RuleKind | 'supervision-starved';
  readonly severity: Severity;
  readonly pilot: number | null;
  readonly blockNumber: number;
  readonly txHash: string | null;
  readonly sender: string | null;
  /** Block time of the block (ms); for a starvation alert, when this node noticed. */
  readonly timestamp: number;
  readonly message: string;
}

/** What the rules read from before this block (the supervision index answers it). */
export interface RuleHistory {
  /** The pilot's Transfer volume on `day` in blocks before this one. */
  dayVolume(pilot: number, day: number): Promise<bigint>;
  /** Values of the pilot's transfers from `from` in blocks [fromBlock, this block). */
  transfersFrom(pilot: number, from: string, fromBlock: number): Promise<bigint[]>;
}

export interface EvaluationInput {
  readonly block: BlockFacts;
  /** Every pilot (for which contract belongs to which); only `supervised` ones raise alerts. */
  readonly pilots: readonly PilotFacts[];
  readonly supervised: ReadonlySet<number>;
}

/** The pilots a transaction belongs to: it ran in one of their contracts or carries one of their records. */
export function pilotsOfTx(tx: TxFact, pilots: readonly PilotFacts[]): PilotFacts[] {
  return pilots.filter((p) => tx.record?.pilotId === p.id || tx.contracts.some((c) => p.contracts.includes(c)));
}

export async function evaluateBlock(
  rules: readonly Rule[],
  input: EvaluationInput,
  history: RuleHistory,
): Promise<Alert[]> {
  const { block } = input;
  const supervised = input.pilots.filter((p) => input.supervised.has(p.id));
  const alerts: Alert[] = [];
  const raise = (rule: Rule, p: PilotFacts | null, tx: TxFact | null, message: string) =>
    alerts.push({
      id: `${block.number}-${alerts.length}`,
      rule: rule.id,
      kind: rule.kind,
      severity: rule.severity,
      pilot: p ? p.id : null,
      blockNumber: block.number,
      txHash: tx ? tx.hash : null,
      sender: tx ? tx.sender : null,
      timestamp: block.timestamp,
      message,
    });
  const day = dayOf(block.timestamp);
  // Running figures within the block, on top of the history before it.
  const volume = new Map<number, bigint>();
  const splits = new Map<string, bigint[]>();
  const applies = (r: Rule, p: PilotFacts) => r.pilot === '*' || r.pilot === p.id;

  for (const tx of block.txs) {
    for (const p of pilotsOfTx(tx, supervised)) {
      const own = tx.transfers.filter((t) => p.contracts.includes(t.contract));
      const addressed = (tx.to !== null && p.contracts.includes(tx.to)) || tx.record?.pilotId === p.id;
      if (!volume.has(p.id)) volume.set(p.id, await history.dayVolume(p.id, day));
      const before = volume.get(p.id)!;
      const after = own.reduce((s, t) => s + t.value, before);
      volume.set(p.id, after);
      for (const r of rules) {
        if (!applies(r, p)) continue;
        switch (r.kind) {
          case 'amount-above-cap': {
            const cap = capOf(r.cap, p.perTxCap);
            for (const t of own)
              if (cap > 0n && t.value > cap)
                raise(r, p, tx, `${describe(t)} is above the cap ${cap} of pilot ${p.id} (${p.name})`);
            break;
          }
          case 'daily-volume-above-cap': {
            const cap = capOf(r.cap, p.dailyCap);
            if (cap > 0n && before <= cap && after > cap)
              raise(r, p, tx, `pilot ${p.id} (${p.name}) moved ${after} on day ${day}, above the daily cap ${cap}`);
            break;
          }
          case 'participant-not-allowed': {
            const allowed = allowedParticipants(p);
            if (tx.success && addressed && !p.institutions.includes(tx.sender))
              raise(r, p, tx, `sender ${tx.sender} is not an institution of pilot ${p.id} (${p.name})`);
            for (const t of own) {
              const outsider = [t.from, t.to].find((a) => !allowed.has(a));
              if (outsider)
                raise(r, p, tx, `${describe(t)}: ${outsider} is not a participant of pilot ${p.id} (${p.name})`);
            }
            break;
          }
          case 'outside-period':
            if (addressed && (block.timestamp < p.startMs || block.timestamp >= p.endMs))
              raise(
                r,
                p,
                tx,
                `activity at ${block.timestamp} outside the period [${p.startMs}, ${p.endMs}) of pilot ${p.id} (${p.name})`,
              );
            break;
          case 'suspended-pilot-activity':
            if (addressed && p.status !== 'Registered')
              raise(r, p, tx, `activity on pilot ${p.id} (${p.name}), which is ${p.status.toLowerCase()}`);
            break;
          case 'rapid-splitting':
            for (const t of own) await checkSplitting(r, p, tx, t);
            break;
          case 'undecryptable-record':
            if (tx.record?.pilotId === p.id && tx.record.record === null)
              raise(
                r,
                p,
                tx,
                `record of pilot ${p.id} in transaction ${tx.hash} from ${tx.sender} cannot be opened: ${tx.record.problem ?? 'no entry for this node'}`,
              );
            break;
          case 'unregistered-contract':
            break; // below: it is about contracts of no pilot
        }
      }
    }
    checkUnregistered(tx);
  }
  return alerts;

  async function checkSplitting(r: RuleOf<'rapid-splitting'>, p: PilotFacts, tx: TxFact, t: TransferFact) {
    const cap = capOf(r.cap, p.perTxCap);
    if (cap === 0n || t.from === ZERO_ADDRESS) return;
    const near = (v: bigint) => v <= cap && v * 100n >= cap * BigInt(100 - r.withinPercent);
    if (!near(t.value)) return;
    const key = `${r.id}/${p.id}/${t.from}`;
    if (!splits.has(key))
      splits.set(key, (await history.transfersFrom(p.id, t.from, block.number - r.windowBlocks + 1)).filter(near));
    const window = splits.get(key)!;
    const hit = (vs: bigint[]) => vs.length >= r.count && vs.reduce((s, v) => s + v, 0n) > cap;
    const was = hit(window);
    window.push(t.value);
    if (!was && hit(window))
      raise(
        r,
        p,
        tx,
        `${t.from} made ${window.length} transfers within ${r.withinPercent}% under the cap ${cap} of pilot ${p.id} (${p.name}) in ${r.windowBlocks} blocks, ${window.reduce((s, v) => s + v, 0n)} in all`,
      );
  }

  function checkUnregistered(tx: TxFact) {
    for (const t of tx.transfers) {
      const owner = input.pilots.find((q) => q.contracts.includes(t.contract));
      for (const p of supervised) {
        if (owner?.id === p.id) continue;
        const party = [t.from, t.to].find((a) => p.institutions.includes(a) && !owner?.institutions.includes(a));
        if (!party) continue;
        for (const r of rules)
          if (r.kind === 'unregistered-contract' && applies(r, p))
            raise(
              r,
              p,
              tx,
              `contract ${t.contract}, not registered to pilot ${p.id} (${p.name}), moved assets of its institution ${party}: ${describe(t)}`,
            );
      }
    }
  }
}

function capOf(cap: Cap, pilotCap: bigint): bigint {
  return cap === 'pilot' ? pilotCap : cap;
}

function describe(t: TransferFact): string {
  return t.tokenId === null
    ? `transfer of ${t.value} by ${t.contract} from ${t.from} to ${t.to}`
    : `transfer of token ${t.tokenId} of ${t.contract} from ${t.from} to ${t.to}`;
}
