export { P2PNetwork } from './network.js';
export { P2PError, P2PErrorCode } from './errors.js';
export {
  nodeIdFromPeerId,
  nodeIdFromSecretKey,
  parseNodeId,
  peerIdFromNodeId,
  shortNodeId,
  type NodeId,
} from './identity.js';
export { CHANNELS, DEFAULT_LIMITS, protocolId, type Channel, type MessageLimits } from './protocols.js';
export { PeerPenalties, type FaultVerdict, type PeerPenaltyOptions } from './penalties.js';
export { DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.js';
export type {
  ListenAddress,
  MessageHandler,
  NodeEntry,
  P2PEvents,
  P2PLogger,
  P2PNetworkModules,
  P2PNetworkOptions,
  PeerAddress,
  PeerInfo,
  RequestHandler,
  RequestOptions,
} from './types.js';
