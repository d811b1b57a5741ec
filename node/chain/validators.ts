import {
  bindSuiteToChain,
  chainTag,
  createValidatorSet,
  type PbftSuite,
  type ValidatorSet,
} from '../../consensus/index.js';
import type { BlockHeader } from '../codec/block.js';
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

const consensusSuites = new WeakMap<object, PbftSuite>();

/**
 * The chain's suite as consensus signs and checks with it: bound to this chain's id and
 * genesis hash, so votes and certificates of another chain never verify here.
 */
export function consensusSuiteOf(chain: Pick<Chain, 'suite' | 'genesis' | 'genesisHash'>): PbftSuite {
  let s = consensusSuites.get(chain);
  if (!s) {
    s = bindSuiteToChain(chain.suite, chainTag(chain.suite, chain.genesis.chainId, chain.genesisHash));
    consensusSuites.set(chain, s);
  }
  return s;
}

/**
 * The rules a block's origin fields must follow, the same on every node: the proposer is the
 * leader of (height, view) in the set in force at that height, and time never runs backwards.
 * Without them a byzantine leader could name any proposer and view, and a far-future
 * timestamp would stick, since every later block must not be earlier. (How far ahead of the
 * local clock a proposal may be is a local check at proposal time: see the PBFT engine.)
 */
export function blockOriginProblem(
  header: Pick<BlockHeader, 'number' | 'timestamp' | 'proposer' | 'view'>,
  parent: Pick<BlockHeader, 'timestamp'>,
  validators: ValidatorSet,
): string | null {
  const leader = validators.leader(header.number, header.view);
  if (header.proposer !== leader)
    return `names proposer ${header.proposer}, but the leader of view ${header.view} is validator ${leader}`;
  if (header.timestamp < parent.timestamp)
    return `has timestamp ${header.timestamp}, before its parent's ${parent.timestamp}`;
  return null;
}
