import { createValidatorSet, type ValidatorSet } from '../../consensus/index.js';
import type { Chain } from './chain.js';

/**
 * The validators in force for blocks built on the current head: the sealers of the
 * chain's state, in state order. Consensus votes with this set and block sync checks
 * commit certificates against it, so both take it from here.
 */
export function validatorSetOf(chain: Pick<Chain, 'consensusNodes'>): ValidatorSet {
  return createValidatorSet(
    chain
      .consensusNodes()
      .filter((n) => n.role === 'sealer')
      .map((n) => n.nodeId),
  );
}
