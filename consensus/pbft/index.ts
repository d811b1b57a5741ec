export { bindSuiteToChain, chainTag, type PbftSuite } from './chain-binding.js';
export { PbftCore, type PbftCoreOptions, type HeightContext, type PbftStatus } from './core.js';
export type { Action, LogLevel, Proposal, ProposalHeader, ProposalInspector } from './types.js';
export {
  createValidatorSet,
  faultTolerance,
  MAX_VALIDATORS,
  quorumSize,
  type ValidatorSet,
} from './validators.js';
export {
  MsgType,
  encodeMessage,
  decodeMessage,
  commitDigest,
  prepareDigest,
  prePrepareDigest,
  viewChangeDigest,
  type PbftMessage,
  type PrePrepareMsg,
  type PrepareMsg,
  type CommitMsg,
  type ViewChangeMsg,
  type DecisionMsg,
  type PreparedCertificate,
  type Signer,
} from './messages.js';
export { verifyCommitCertificate, verifyPreparedCertificate, type Check } from './certificates.js';
export { encodeSafetyState, decodeSafetyState, initialSafetyState, type SafetyState } from './safety.js';
export { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type PbftLimits, type PbftTimeouts } from './config.js';
