// Public API of @tsmicro/transport: what a transport is, then the implementations.
export type {
  Transport,
  Connection,
  ConnectionState,
  Listener,
  ClientStream,
  ServerStream,
  AbortListener,
  EncodedMessage,
  ReadIn,
  ReadWith,
  EndListener,
  DialOptions,
  ListenOptions,
  StreamOptions,
  CallKind,
  MethodInfo,
  TlsOptions,
  KeepaliveOptions,
  ReconnectOptions,
} from './transport.js';
export { ACCEPTED } from './transport.js';
export { EMPTY_METADATA, Metadata, MetadataError } from './metadata.js';
export type { MetadataInit, MetadataValue } from './metadata.js';
export { Code, codeName, isCode } from './status.js';
export { DEADLINE_EXCEEDED_TEXT, TOO_MANY_REPLIES_TEXT, StatusError, isStatusError } from './status-error.js';
export type { Status } from './status-error.js';
export { createMemoryTransport } from './memory/index.js';
export { createPool, poolDefaults, type Pool, type PoolOptions, type Lease, type AcquireOptions, type PoolStats, type AddressStats, type ConnectionStats } from './pool.js';
export { createGrpcTransport, type GrpcTransportOptions, type ResetLimits } from './grpc/index.js';
export { createTcpTransport, type TcpTransportOptions } from './tcp/index.js';
export { keepaliveDefaults } from './keepalive-defaults.js';
export { SlotSet, type Slotted } from './slot-set.js';
