import type { Envelope } from '../codec/envelope.js';
import { equalBytes } from '../codec/canonical.js';
import { toHex } from '../codec/hex.js';
import type { StateReader } from '../state/overlay.js';
import { pilotActivityProblem, supervisionKeysInForce } from './system/pilot-state.js';
import type { PrivatePayloadRef } from './types.js';

/**
 * Why a private record may not ride in a block (design decision 7), or null: its pilot does
 * not exist or is not active at the block's time, the sender is not one of the pilot's
 * institutions, or the envelope has no recipient entry for the key in force (at the block's
 * number) of a supervising regulator — the first one missing is named. The envelope's own
 * bounds were checked when the transaction decoded. The pool asks this of the head state and
 * refuses; execution asks it again of the block's state, because a proposal or rotation
 * earlier in the same block can change the answer, and then fails the transaction.
 * Whether a wrapped key really opens only the key holder can tell (decision 9).
 */
export function privateRecordProblem(
  state: StateReader,
  block: { readonly number: number; readonly timestamp: number },
  envelope: Envelope,
  sender: Uint8Array,
): string | null {
  const inactive = pilotActivityProblem(state, envelope.pilotId, sender, block.timestamp);
  if (inactive) return `private record refused: ${inactive}`;
  for (const key of supervisionKeysInForce(state, envelope.pilotId, block.number)) {
    if (!envelope.recipients.some((r) => equalBytes(r.keyId, key.keyId)))
      return (
        `private record refused: no recipient entry for regulator ${toHex(key.regulator)} ` +
        `(supervision key id ${toHex(key.keyId)}) of pilot ${envelope.pilotId}`
      );
  }
  return null;
}

/** What a contract may learn of a transaction's private record (decision 8): never the plaintext. */
export function privatePayloadOf(envelope: Envelope): PrivatePayloadRef {
  return { pilotId: envelope.pilotId, commitment: envelope.commitment };
}
