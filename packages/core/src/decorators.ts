import type { MethodKind } from './definition.js';
import { recordMethod, recordService, type ServiceTarget } from './handler-metadata.js';

// Decorators only record metadata; the router reads it at handle() time.

/**
 * Service marks a handler class as serving a protobuf service, named in full
 * ("greeter.Greeter") or by its generated definition (GreeterDefinition).
 */
export function Service(service: ServiceTarget): ClassDecorator {
  return (target) => recordService(target, service);
}

function methodDecorator(kind: MethodKind) {
  return (name?: string): MethodDecorator =>
    (prototype, propertyKey) => {
      if (typeof propertyKey !== 'string') throw new TypeError('tsmicro handler methods must have string names');
      recordMethod(prototype, { propertyKey, kind, name });
    };
}

/** Endpoint marks a unary method: (ctx, request) => Promise<reply>. */
export const Endpoint = methodDecorator('unary');
/** ServerStream marks a server-streaming method: (ctx, request, stream) => Promise<void>. */
export const ServerStream = methodDecorator('server_streaming');
/** ClientStream marks a client-streaming method: (ctx, stream) => Promise<reply>. */
export const ClientStream = methodDecorator('client_streaming');
/** BidiStream marks a bidirectional method: (ctx, stream) => Promise<void>. */
export const BidiStream = methodDecorator('bidi_streaming');
