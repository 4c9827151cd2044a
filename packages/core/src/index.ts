// Public API of @tsmicro/core, in the order the README introduces it.
// Codegen runtime helpers: @tsmicro/core/codegen. Transport, registry and
// lower-level building blocks: @tsmicro/core/plugin. Test helpers: @tsmicro/core/testing.
import 'reflect-metadata';

// A service: options from code, environment, config file and defaults.
export { micro, newService } from './micro.js';
export type { Service as MicroService, ServiceOptions, ServiceSelectorOptions, RunOptions } from './micro.js';

// Handlers: decorators record metadata; shapes are checked at handle().
export { Service, Endpoint, ServerStream, ClientStream, BidiStream, UseInterceptors, Injectable } from './decorators.js';
export type { HandleOptions } from './router.js';
export { Context } from './context.js';

// Middleware: interceptors on both sides, and typed context values.
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
export { createContextKey, createContextValues, ContextValues } from './interceptor/context-values.js';
export type { ContextKey } from './interceptor/context-values.js';

// Errors.
export { MicroError, isMicroError, badRequest, notFound, internalError, unavailable } from './errors.js';
export { Code, codeName } from '@tsmicro/transport';
export { HandlerError } from './handler-error.js';
export { InvalidMessageError } from './message-check.js';
export { ProtoJsonError } from './generated-runtime.js';
export { ConfigError } from './config/index.js';
export type { ConfigProblem } from './config/index.js';
export { ServiceNotFoundError, isServiceNotFoundError } from './selector/index.js';

// Streams.
export type {
  ServerStreamClient,
  ClientStreamClient,
  BidiStreamClient,
  ServerStreamServer,
  ClientStreamServer,
  BidiStreamServer,
  StreamMeta,
} from './stream-types.js';
export { EOF, isEOF } from './eof.js';

// Calls, metadata, definitions.
export type { CallOptions, Client } from './client-types.js';
export { Metadata } from '@tsmicro/transport';
export type { MetadataInit } from '@tsmicro/transport';
export type { MessageType, MethodDefinition, MethodKind, ServiceDefinition } from './definition.js';
export { loadProto, ProtoLoadError } from './load-proto.js';
export type { LoadedProto } from './load-proto.js';

// Configuration.
export { loadConfig, defaults } from './config/index.js';
export type { MicroOptionsInput, ResolvedConfig, LoadConfigOptions } from './config/index.js';

// Discovery, as a service sees it.
export { createMemoryRegistry } from './registry/index.js';
export type { Node, Registry, ServiceRecord } from './registry/index.js';
