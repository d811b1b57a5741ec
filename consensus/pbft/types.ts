import type { CommitCertificate } from '../../node/codec/block.js';
import type { PbftMessage } from './messages.js';
import type { SafetyState } from './safety.js';

/** The header fields consensus needs from a proposal; everything else stays opaque. */
export interface ProposalHeader {
  readonly height: number;
  readonly parentHash: Uint8Array;
  /** The post-state root the proposer claims; a validator prepares only if its own execution agrees. */
  readonly stateRoot: Uint8Array;
  /** The block hash: what prepares, commits and certificates sign. */
  readonly hash: Uint8Array;
}

export interface Proposal {
  readonly header: ProposalHeader;
  /** The encoded block, as carried in pre-prepares and view changes. */
  readonly payload: Uint8Array;
}

/**
 * Reads a proposal's header from its payload and computes its hash: a pure function the
 * node supplies (for Lingding blocks: decodeBlock + blockHash). Throws on malformed
 * bytes. Deriving the hash here, never taking it from the wire, is what binds a payload
 * to the hash validators sign.
 */
export interface ProposalInspector {
  inspect(payload: Uint8Array): ProposalHeader;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What the core asks of its environment. The adapter must carry out the actions of one
 * call in order; in particular a `persistSafety` must be durable before any later
 * `broadcast`/`send` of the same batch leaves the node.
 */
export type Action =
  /** Send to every other validator (the sender has already counted its own message). */
  | { readonly type: 'broadcast'; readonly msg: PbftMessage }
  /** Send to one peer, named as in onMessage's `from`. */
  | { readonly type: 'send'; readonly to: string; readonly msg: PbftMessage }
  /** (Re)arm timer `id`: a later setTimer with the same id replaces it. Stale timeouts are ignored by the core, so there is no cancel. */
  | { readonly type: 'setTimer'; readonly id: string; readonly delayMs: number }
  /** Execute this proposal on top of the chain head and report with onBlockExecuted / onBlockRejected. */
  | { readonly type: 'execute'; readonly proposal: Proposal }
  /** This node leads (height, view): build and execute a block on the chain head, then call onProposalReady. */
  | { readonly type: 'propose'; readonly height: number; readonly view: number }
  /** The proposal is final: store block + certificate (and its executed state), then call startHeight(height + 1). */
  | { readonly type: 'commit'; readonly proposal: Proposal; readonly certificate: CommitCertificate }
  /** Write the safety state durably (see encodeSafetyState); hand it back to the constructor after a restart. */
  | { readonly type: 'persistSafety'; readonly state: SafetyState }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly msg: string;
      readonly ctx: Readonly<Record<string, unknown>>;
      /**
       * Set when the message logged is proof that peer `faultOf` sent something no honest
       * node sends (a bad signature, a signer outside the validator set): the adapter may
       * penalise that peer, and rate-limits these lines so a flood is not a log flood.
       */
      readonly faultOf?: string;
    };
