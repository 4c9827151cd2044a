// @tsmicro/core/plugin: the building blocks below micro.newService, for
// authors of transports, registries, selectors and tools.

// Server and client without micro.newService.
export { createServer } from './server.js';
export type { ListenOn, Server, ServerOptions, ServerStats, TransportStats } from './server.js';
export { createClient } from './client.js';
export type { ClientOptions, ConnectionSource, ConnectionLease, AddressResolver } from './client.js';
export { composeChain } from './interceptor/compose-chain.js';
// Which transport reaches a node, and an address that names its transport.
export { nodeRoutes, routeOf } from './transport-choice.js';
export type { Route } from './transport-choice.js';
export { transportByName } from './transports.js';
export type { TransportName } from './transports.js';

// Durations as configuration and the CLI read them (`250ms`, `30s`).
export { durationForm, parseDuration } from './config/index.js';

// Codecs.
export type { Codec } from './codec/codec.js';
export { protoCodec } from './codec/proto-codec.js';
export { jsonCodec } from './codec/json-codec.js';

// Registries.
export {
  defaultMemoryRegistry,
  MemoryRegistry,
  RegistryError,
  isRegistryError,
  QueueWatcher,
  WatcherStoppedError,
  cloneNode,
  cloneServiceRecord,
  validateServiceRecord,
} from './registry/index.js';
export type {
  EndpointRecord,
  RegisterOptions,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  Watcher,
} from './registry/index.js';
export { loadRegistry, etcdRegistryPackage } from './registry-loader.js';
export type { LoadedRegistry } from './registry-loader.js';

// Selectors and retries.
export { createSelector, RegistrySelector, random, roundRobin, strategies, EjectionList } from './selector/index.js';
export type { Next, NodeFilter, Picker, SelectOptions, Selector, SelectorOptions, Strategy, StrategyName } from './selector/index.js';
export { isRetryable, retryDelay, defaultRetryBackoff } from './retry-policy.js';
export type { RetryBackoff, RetryPolicy, AttemptFailure } from './retry-policy.js';

// Health checking and server reflection, served by micro.newService on grpc.
export { healthService, HealthDefinition, healthMethods } from './health/index.js';
export type { HealthService, HealthServiceOptions, HealthStatusSetter, ServedServices, ServingStatus } from './health/index.js';
export type { HealthCheckRequest, HealthCheckResponse, HealthListResponse } from './health/index.js';
export { reflectionService, ReflectionV1Definition, ReflectionV1AlphaDefinition } from './reflection/index.js';
export type { ServiceRegistration, ServerReflectionRequest, ServerReflectionResponse } from './reflection/index.js';

// Brokers: the memory broker, and what a broker implementation shares with it.
export {
  createMemoryBroker,
  defaultMemoryBroker,
  MemoryBroker,
  HandlerQueue,
  resolveSubscribeOptions,
  subscribeDefaults,
  checkPattern,
  checkTopic,
  topicMatches,
} from './broker/index.js';
export type {
  BrokerHandler,
  OutgoingMessage,
  PublishOptions,
  MemoryBrokerOptions,
  HandlerQueueOptions,
  Outcome,
  Settle,
  ResolvedSubscribeOptions,
} from './broker/index.js';
export type { PublishFunc, EventHandlerFunc, SubscriberBinding } from './events/index.js';
export { loadBroker, natsBrokerPackage } from './broker-loader.js';
export type { LoadedBroker } from './broker-loader.js';
