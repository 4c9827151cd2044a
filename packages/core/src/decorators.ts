import type { MethodKind } from './definition.js';
import { recordInterceptors, recordMethod, recordService, type ServiceTarget } from './handler-metadata.js';
import type { InterceptorLike } from './interceptor/interceptor.js';

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

/**
 * UseInterceptors attaches server interceptors to a handler class (every
 * method) or to one method. They run inside the service's interceptors,
 * class ones outside method ones, each list outermost first. Classes are
 * built through the service's typedi container.
 */
export function UseInterceptors(...interceptors: InterceptorLike[]): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    if (typeof propertyKey === 'symbol') throw new TypeError('tsmicro handler methods must have string names');
    recordInterceptors(target, propertyKey, interceptors);
  }) as ClassDecorator & MethodDecorator;
}

/**
 * Injectable marks a class the framework builds through typedi (an
 * interceptor class, a dependency with dependencies of its own). It records
 * nothing: a class decorator is what makes tsc emit the constructor's
 * parameter types, which typedi injects.
 */
export function Injectable(): ClassDecorator {
  return () => {};
}
