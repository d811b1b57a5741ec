/**
 * A consensus engine decides which block comes next and when it is final. The node runs
 * exactly one: `solo` (one sealer, for development) or `pbft`. Engines drive the Chain;
 * the RPC asks them for their status.
 */
export interface ConsensusEngine {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A transaction entered the local pool. */
  onTransactionAdmitted(): void;
  /** A snapshot for getConsensusStatus / getPbftView. */
  status(): Record<string, unknown>;
}
