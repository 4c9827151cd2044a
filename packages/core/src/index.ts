// Public API of @tsmicro/core. User-facing symbols first.
import 'reflect-metadata';

export { Context } from './context.js';
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
