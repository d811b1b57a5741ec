/**
 * The pilots as the supervisor sees them, read from PilotRegistry's state with the pilots
 * module's own readers (so the regulator node decides exactly as the chain does which
 * pilots exist and which regulators supervise them).
 */
import { toHex } from '../codec/hex.js';
import type { SupervisionKeyPair } from '../crypto/envelope.js';
import {
  keyIdOf,
  PilotStatus,
  readKeyHistory,
  readPilot,
  readPilotCount,
  supervisingRegulators,
} from '../exec/system/index.js';
import type { StateReader } from '../state/overlay.js';
import type { PilotFacts, PilotStatusName } from './facts.js';
import type { PilotSource } from './supervisor.js';

const STATUS: Record<number, PilotStatusName> = {
  [PilotStatus.Registered]: 'Registered',
  [PilotStatus.Suspended]: 'Suspended',
  [PilotStatus.Exited]: 'Exited',
};

/**
 * A pilot is supervised by this node when one of its keys (current or retired) is or was a
 * supervision key of one of the pilot's supervising regulators (decisions 2 and 5).
 */
export function pilotSourceOf(state: () => StateReader, keys: readonly SupervisionKeyPair[]): PilotSource {
  const own = new Set(keys.map((k) => toHex(k.keyId)));
  const read = () => {
    const s = state();
    const pilots: PilotFacts[] = [];
    const supervised = new Set<number>();
    for (let id = 1; id <= readPilotCount(s); id++) {
      const p = readPilot(s, id);
      if (!p) continue;
      pilots.push({
        id,
        name: p.name,
        institutions: p.institutions.map(toHex),
        contracts: p.contracts.map(toHex),
        jurisdictions: p.jurisdictions,
        startMs: p.startMs,
        endMs: p.endMs,
        status: STATUS[p.status],
        perTxCap: p.limits.perTxCap,
        dailyCap: p.limits.dailyCap,
      });
      const ours = supervisingRegulators(s, p).some((r) =>
        readKeyHistory(s, r.account).some((k) => own.has(toHex(keyIdOf(k.publicKey)))),
      );
      if (ours) supervised.add(id);
    }
    return { pilots, supervised };
  };
  return { read };
}
