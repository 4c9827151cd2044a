import type { MethodInfo } from '@tsmicro/transport';
import { type HandlerContainer, resolveInstance } from './container.js';
import type { MethodDefinition, ServiceDefinition } from './definition.js';
import { closestName } from './closest-name.js';
import { definitionNames, lookupDefinition } from './definition-registry.js';
import { HandlerError } from './handler-error.js';
import { type DeclaredMethod, readInterceptors, readMethods, readMethodShape, readService } from './handler-metadata.js';
import type { Interceptor, InterceptorLike, NextCall } from './interceptor/interceptor.js';
import { resolveInterceptors } from './interceptor/resolve-interceptors.js';
import { type HandlerInvoke, routeChain } from './route-chain.js';
import { checkHandlerShape } from './handler-shape.js';
import { startupWarning } from './startup-warning.js';

/** Route binds one gRPC path to a handler method. */
export interface Route {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  /** Handler name for messages, "Greeter.sayHello". */
  readonly handlerName: string;
  /** go-micro endpoint name, "Greeter.SayHello". */
  readonly endpointName: string;
  readonly invoke: HandlerInvoke;
  /** The route's interceptors composed around invoke, once; undefined without any. */
  readonly chain: NextCall | undefined;
}

/** HandleOptions choose how a handler is registered. */
export interface HandleOptions {
  /** The service's definition, when the class carries no @Service or the handler is an instance. */
  readonly definition?: ServiceDefinition;
  /** The typedi container to build the class from (the server's by default). */
  readonly container?: HandlerContainer;
  /** Interceptors for this handler only, inside the service's (as @UseInterceptors on the class). */
  readonly interceptors?: readonly InterceptorLike[];
  /** false leaves this handler out of the service's interceptors (health and reflection are). */
  readonly serviceInterceptors?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: handler classes take any constructor arguments
type HandlerClass = new (...args: any[]) => object;

/**
 * Router maps gRPC paths ("/greeter.Greeter/SayHello") and go-micro endpoint
 * names ("Greeter.SayHello") to handler methods found by reflection.
 */
export class Router {
  private readonly byPath = new Map<string, Route>();
  private readonly aliases = new Map<string, Route>();

  /** add registers a handler class (built through typedi) or instance; it returns the methods added. */
  add(
    handler: HandlerClass | object,
    options: HandleOptions,
    container: HandlerContainer,
    serviceInterceptors: readonly Interceptor[] = [],
  ): MethodInfo[] {
    const ctor = (typeof handler === 'function' ? handler : handler.constructor) as HandlerClass;
    const className = ctor === Object ? 'handler object' : ctor.name || 'anonymous class';
    const definition = this.definitionOf(ctor, className, options);
    // Methods are looked up on the prototype of a class, or on an instance itself
    // (which may be a plain object implementing the generated handler interface).
    const holder = (typeof handler === 'function' ? ctor.prototype : handler) as Record<string, unknown>;
    const declared = readMethods(ctor);
    const bindings =
      declared.length > 0 ? this.declaredBindings(className, definition, declared) : this.implicitBindings(holder, definition);
    if (bindings.length === 0) {
      throw new HandlerError(`${className} implements no method of ${definition.typeName}`);
    }
    if (declared.length > 0) checkNoneUndecorated(className, holder, definition, bindings);
    const unserved = Object.values(definition.methods).filter((m) => !bindings.some(([, bound]) => bound === m));
    if (unserved.length > 0) {
      startupWarning(
        `${className} does not serve ${unserved.map((m) => `${definition.typeName}.${m.name}`).join(', ')}: calls to it get UNIMPLEMENTED`,
      );
    }
    for (const [propertyKey, method] of bindings) {
      const where = `${className}.${propertyKey}`;
      checkHandlerShape(where, method.kind, readMethodShape(holder, propertyKey));
      const existing = this.byPath.get(method.path);
      if (existing) throw new HandlerError(`${where}: ${method.path} is already served by ${existing.handlerName}`);
    }
    const from = options.container ?? container;
    // Interceptor classes are built before the handler, so a bad one stops handle() with nothing registered.
    const outer = [
      ...(options.serviceInterceptors === false ? [] : serviceInterceptors),
      ...resolveInterceptors(options.interceptors, from, `${className} handle() options`),
      ...resolveInterceptors(readInterceptors(ctor), from, `@UseInterceptors on ${className}`),
    ];
    const perMethod = bindings.map(([propertyKey]) =>
      resolveInterceptors(readInterceptors(ctor, propertyKey), from, `@UseInterceptors on ${className}.${propertyKey}`),
    );
    const instance = typeof handler === 'function' ? resolveInstance(handler as HandlerClass, from) : handler;
    const added: MethodInfo[] = [];
    for (const [i, [propertyKey, method]] of bindings.entries()) {
      const fn = (instance as Record<string, HandlerInvoke>)[propertyKey] as HandlerInvoke;
      const shortService = definition.typeName.split('.').pop() ?? definition.typeName;
      const invoke = fn.bind(instance);
      const route: Route = {
        service: definition,
        method,
        handlerName: `${className}.${propertyKey}`,
        endpointName: `${shortService}.${method.name}`,
        invoke,
        chain: routeChain(method.kind, invoke, [...outer, ...(perMethod[i] as Interceptor[])]),
      };
      this.byPath.set(method.path, route);
      this.aliases.set(route.endpointName, route);
      added.push({ path: method.path, kind: method.kind });
    }
    return added;
  }

  /** lookup finds the route of a gRPC path or a go-micro endpoint name. */
  lookup(path: string): Route | undefined {
    return this.byPath.get(path) ?? this.aliases.get(path);
  }

  /** routes lists every route, in registration order. */
  routes(): Route[] {
    return [...this.byPath.values()];
  }

  /** methods lists every served gRPC path with its kind. */
  methods(): MethodInfo[] {
    return this.routes().map(({ method }) => ({ path: method.path, kind: method.kind }));
  }

  /** services lists the definitions that have at least one route. */
  services(): ServiceDefinition[] {
    return [...new Set([...this.byPath.values()].map((r) => r.service))];
  }

  private definitionOf(ctor: HandlerClass, className: string, options: HandleOptions): ServiceDefinition {
    const target = options.definition ?? readService(ctor);
    if (target === undefined) {
      throw new HandlerError(`${className} has no @Service(...) decorator and no definition was given to handle()`);
    }
    if (typeof target !== 'string') return target;
    const found = lookupDefinition(target);
    if (!found) {
      const near = closestName(target, definitionNames());
      const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
      throw new HandlerError(
        `${className}: service ${target} is unknown${hint}; import its generated code or load its .proto with loadProto() before handle()`,
      );
    }
    return found;
  }

  private declaredBindings(className: string, definition: ServiceDefinition, declared: DeclaredMethod[]): [string, MethodDefinition][] {
    const methods = Object.values(definition.methods);
    return declared.map((d) => {
      const protoName = d.name ?? d.propertyKey.charAt(0).toUpperCase() + d.propertyKey.slice(1);
      const method = methods.find((m) => m.name === protoName || (d.name === undefined && m.localName === d.propertyKey));
      if (!method) {
        throw new HandlerError(
          `${className}.${d.propertyKey}: ${definition.typeName} has no method ${protoName} (it has ${methods.map((m) => m.name).join(', ') || 'none'})`,
        );
      }
      if (method.kind !== d.kind) {
        throw new HandlerError(
          `${className}.${d.propertyKey}: ${definition.typeName}.${method.name} is ${method.kind} in the proto but is decorated as ${d.kind}`,
        );
      }
      return [d.propertyKey, method];
    });
  }

  private implicitBindings(holder: Record<string, unknown>, definition: ServiceDefinition): [string, MethodDefinition][] {
    return Object.values(definition.methods)
      .filter((m) => typeof holder[m.localName] === 'function')
      .map((m) => [m.localName, m]);
  }
}

// A class that decorates some of its methods has chosen what it serves by
// decorators: a method of the proto's it also has, undecorated, is one
// decorator forgotten, not a method meant to stay unserved.
function checkNoneUndecorated(
  className: string,
  holder: Record<string, unknown>,
  definition: ServiceDefinition,
  bindings: readonly [string, MethodDefinition][],
): void {
  const forgotten = Object.values(definition.methods).filter(
    (m) => typeof holder[m.localName] === 'function' && !bindings.some(([key, bound]) => key === m.localName || bound === m),
  );
  if (forgotten.length === 0) return;
  const names = forgotten.map((m) => `${className}.${m.localName} (${decoratorOf[m.kind]})`).join(', ');
  throw new HandlerError(
    `${className} decorates ${bindings.map(([key]) => key).join(', ')} but not ${names}, which ${definition.typeName} also declares: decorate ${forgotten.length === 1 ? 'it' : 'them'} too, or rename ${forgotten.length === 1 ? 'it' : 'them'} if not meant to be served`,
  );
}

const decoratorOf: Record<MethodDefinition['kind'], string> = {
  unary: '@Endpoint()',
  server_streaming: '@ServerStream()',
  client_streaming: '@ClientStream()',
  bidi_streaming: '@BidiStream()',
};
