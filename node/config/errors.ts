import { type CodeOf, LingdingError } from '../errors/index.js';

/** Why a config file (node.json, genesis.json, a devnet plan) cannot be used. */
export const ConfigErrorCode = {
  /** A value the schema or a cross-field rule refuses. */
  Invalid: 'INVALID',
  /** The file cannot be read. */
  Unreadable: 'UNREADABLE',
  /** The file is not JSON. */
  NotJson: 'NOT_JSON',
  /** A node id listed twice among sealers and observers. */
  DuplicateNode: 'DUPLICATE_NODE',
  /** An address listed twice among the committee members. */
  DuplicateMember: 'DUPLICATE_MEMBER',
  /** `consensus.engine: solo` but the genesis does not have exactly this node as its one sealer. */
  SoloNotSealer: 'SOLO_NOT_SEALER',
  /** `consensus.engine: pbft` without a `p2p` section. */
  PbftWithoutP2p: 'PBFT_WITHOUT_P2P',
  /** `consensus.engine` names no known engine. */
  UnknownEngine: 'UNKNOWN_ENGINE',
  /** The genesis names a crypto suite this node cannot run. */
  UnsupportedSuite: 'UNSUPPORTED_SUITE',
  /** The data directory holds a chain with another genesis block than the genesis file gives. */
  GenesisMismatch: 'GENESIS_MISMATCH',
} as const;
export type ConfigErrorCodeValue = CodeOf<typeof ConfigErrorCode>;

export class ConfigError extends LingdingError<ConfigErrorCodeValue> {
  constructor(
    message: string,
    code: ConfigErrorCodeValue = ConfigErrorCode.Invalid,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(code, message, details);
    this.name = 'ConfigError';
  }
}
