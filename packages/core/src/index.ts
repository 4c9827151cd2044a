// Public API of @tsmicro/core. User-facing symbols first.
import 'reflect-metadata';

export { Context } from './context.js';
export { createContextKey, createContextValues, ContextValues } from './interceptor/context-values.js';
export type { ContextKey } from './interceptor/context-values.js';
export type {
  Interceptor,
  NextCall,
  InterceptedCall,
  ServerInterceptedCall,
  ClientInterceptedCall,
  CallBase,
  CallEnd,
  MessageHook,
  InterceptorLike,
  InterceptorClass,
  InterceptorObject,
} from './interceptor/interceptor.js';
export { composeChain } from './interceptor/compose-chain.js';
export { EOF, isEOF } from './eof.js';
export { MicroError, isMicroError, badRequest, notFound, internalError, unavailable } from './errors.js';
export type { CallOptions, Client } from './client-types.js';
export type {
  ServerStreamClient,
  ClientStreamClient,
  BidiStreamClient,
  ServerStreamServer,
  ClientStreamServer,
  BidiStreamServer,
  StreamMeta,
} from './stream-types.js';
export { Code, codeName, Metadata } from '@tsmicro/transport';
export type { MetadataInit } from '@tsmicro/transport';

// For transport and codegen authors.
export type { MessageType, MethodDefinition, MethodKind, ServiceDefinition } from './definition.js';
export { Service, Endpoint, ServerStream, ClientStream, BidiStream, UseInterceptors, Injectable } from './decorators.js';
export { createServer } from './server.js';
export type { ListenOn, Server, ServerOptions, ServerStats, TransportStats } from './server.js';
export { createClient } from './client.js';
export { nodeRoutes, routeOf } from './transport-choice.js';
export type { Route } from './transport-choice.js';
export type { ClientOptions, ConnectionSource, ConnectionLease, AddressResolver } from './client.js';
export { loadProto, ProtoLoadError } from './load-proto.js';
export type { LoadedProto } from './load-proto.js';
export { registerDefinition, lookupDefinition } from './definition-registry.js';
export { HandlerError } from './handler-error.js';
export type { HandleOptions } from './router.js';
export type { Codec } from './codec/codec.js';
export { protoCodec } from './codec/proto-codec.js';
export { jsonCodec } from './codec/json-codec.js';
export {
  createMemoryRegistry,
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
  Node,
  RegisterOptions,
  Registry,
  ServiceRecord,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  Watcher,
} from './registry/index.js';
export {
  createSelector,
  RegistrySelector,
  random,
  roundRobin,
  strategies,
  ServiceNotFoundError,
  isServiceNotFoundError,
  EjectionList,
} from './selector/index.js';
export type { Next, NodeFilter, Picker, SelectOptions, Selector, SelectorOptions, Strategy, StrategyName } from './selector/index.js';
export { loadConfig, ConfigError, defaults, durationForm, parseDuration } from './config/index.js'; export type { MicroOptionsInput, ResolvedConfig, LoadConfigOptions, ConfigProblem } from './config/index.js';
export { micro, newService } from './micro.js';
export type { Service as MicroService, ServiceOptions, ServiceSelectorOptions, RunOptions } from './micro.js';
export { isRetryable, retryDelay, defaultRetryBackoff } from './retry-policy.js';
export type { RetryBackoff, RetryPolicy, AttemptFailure } from './retry-policy.js';
export { loadRegistry, etcdRegistryPackage } from './registry-loader.js';
export type { LoadedRegistry } from './registry-loader.js';
export { transportByName } from './transports.js';
export type { TransportName } from './transports.js';
export { healthService, HealthDefinition, healthMethods } from './health/index.js';
export type { HealthService, HealthServiceOptions, HealthStatusSetter, ServedServices, ServingStatus } from './health/index.js';
export type { HealthCheckRequest, HealthCheckResponse, HealthListResponse } from './health/index.js';
export { reflectionService, registerFileDescriptors, lookupFileDescriptors, fileDescriptorsFromRoot } from './reflection/index.js';
export { ReflectionV1Definition, ReflectionV1AlphaDefinition } from './reflection/index.js';
export type { ServiceRegistration, FileDescriptorFile, ServerReflectionRequest, ServerReflectionResponse } from './reflection/index.js';
export { protoFromRoot, protoRoot } from './load-proto.js';
export { loadRoot, messageType, ProtoJsonError } from './generated-runtime.js';
export { InvalidMessageError } from './message-check.js';
