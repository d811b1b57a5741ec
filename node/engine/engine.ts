import type { PbftStatus } from '../../consensus/index.js';

/** The solo engine's snapshot: whether a block is being sealed and when the last one was (ms, 0 before the first). */
export interface SoloEngineStatus {
  readonly engine: 'solo';
  readonly sealing: boolean;
  readonly lastSealAt: number;
}

/** The PBFT engine's snapshot: the core's round plus who leads it and the validator set's size. */
export interface PbftEngineStatus extends PbftStatus {
  readonly engine: 'pbft';
  /** The leader's node id (hex, no prefix), null while idle. */
  readonly leaderNodeId: string | null;
  readonly role: 'sealer' | 'observer';
  readonly validators: number;
  readonly faultTolerance: number;
  /** Consensus messages dropped since start because their peer had too many waiting (a flood). */
  readonly droppedMessages: number;
}

/** The engine's status, told apart by `engine`. */
export type EngineStatus = SoloEngineStatus | PbftEngineStatus;

/** The view being agreed on (getPbftView). */
export interface PbftView {
  readonly height: number;
  readonly view: number;
  readonly phase: PbftStatus['phase'];
  readonly leader: number;
  readonly leaderNodeId: string | null;
}

/**
 * A consensus engine decides which block comes next and when it is final. The node runs
 * exactly one: `solo` (one sealer, for development) or `pbft`. Engines drive the Chain;
 * the RPC asks them for their status.
 */
export interface ConsensusEngine {
  readonly name: EngineStatus['engine'];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A transaction entered the local pool. */
  onTransactionAdmitted(): void;
  /** A snapshot for getConsensusStatus. */
  status(): EngineStatus;
  /** The PBFT view for getPbftView; null for an engine that has no views. */
  pbftView(): PbftView | null;
}
