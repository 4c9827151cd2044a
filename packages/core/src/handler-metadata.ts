import 'reflect-metadata';
import type { MethodKind, ServiceDefinition } from './definition.js';
import type { InterceptorLike } from './interceptor/interceptor.js';

// The one place that reads and writes reflect-metadata for handlers.
const SERVICE_KEY = Symbol.for('tsmicro:service');
const METHODS_KEY = Symbol.for('tsmicro:methods');
const INTERCEPTORS_KEY = Symbol.for('tsmicro:interceptors');

/** ServiceTarget is what @Service names: a full proto service name or a (generated) definition. */
export type ServiceTarget = string | ServiceDefinition;

/** DeclaredMethod is one method a decorator marked, with the kind it declared. */
export interface DeclaredMethod {
  readonly propertyKey: string;
  readonly kind: MethodKind;
  /** Proto method name when it differs from the property name's PascalCase form. */
  readonly name: string | undefined;
}

/** A class or anything with a prototype chain that decorators can annotate. */
type Annotated = object;

export function recordService(target: Annotated, service: ServiceTarget): void {
  Reflect.defineMetadata(SERVICE_KEY, service, target);
}

export function readService(target: Annotated): ServiceTarget | undefined {
  return Reflect.getMetadata(SERVICE_KEY, target) as ServiceTarget | undefined;
}

export function recordMethod(prototype: Annotated, method: DeclaredMethod): void {
  const own: DeclaredMethod[] = Reflect.getOwnMetadata(METHODS_KEY, prototype) ?? [];
  Reflect.defineMetadata(METHODS_KEY, [...own, method], prototype);
}

/** readMethods returns the decorated methods of a class, its own and inherited. */
export function readMethods(ctor: Function): DeclaredMethod[] {
  const out = new Map<string, DeclaredMethod>();
  const chain: object[] = [];
  for (let p = ctor.prototype as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) chain.push(p);
  for (const proto of chain.reverse()) {
    for (const m of (Reflect.getOwnMetadata(METHODS_KEY, proto) ?? []) as DeclaredMethod[]) out.set(m.propertyKey, m);
  }
  return [...out.values()];
}

/** recordInterceptors adds @UseInterceptors entries to a class, or to one method of it. */
export function recordInterceptors(target: Annotated, propertyKey: string | undefined, list: readonly InterceptorLike[]): void {
  const own: InterceptorLike[] =
    (propertyKey === undefined ? Reflect.getOwnMetadata(INTERCEPTORS_KEY, target) : Reflect.getOwnMetadata(INTERCEPTORS_KEY, target, propertyKey)) ?? [];
  // Decorators apply bottom-up; the ones written first stay outermost.
  const merged = [...list, ...own];
  if (propertyKey === undefined) Reflect.defineMetadata(INTERCEPTORS_KEY, merged, target);
  else Reflect.defineMetadata(INTERCEPTORS_KEY, merged, target, propertyKey);
}

/** readInterceptors returns the @UseInterceptors entries of a class (inherited ones first) or of one method. */
export function readInterceptors(ctor: Function, propertyKey?: string): InterceptorLike[] {
  if (propertyKey !== undefined) return (Reflect.getMetadata(INTERCEPTORS_KEY, ctor.prototype as object, propertyKey) ?? []) as InterceptorLike[];
  const out: InterceptorLike[] = [];
  for (let c: Function | null = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) {
    out.unshift(...((Reflect.getOwnMetadata(INTERCEPTORS_KEY, c) ?? []) as InterceptorLike[]));
  }
  return out;
}

/** MethodShape is what the TypeScript compiler recorded of a method's signature. */
export interface MethodShape {
  readonly paramTypes: readonly unknown[] | undefined;
  readonly returnType: unknown;
  readonly arity: number;
}

export function readMethodShape(prototype: object, propertyKey: string): MethodShape {
  const fn = (prototype as Record<string, unknown>)[propertyKey];
  return {
    paramTypes: Reflect.getMetadata('design:paramtypes', prototype, propertyKey) as unknown[] | undefined,
    returnType: Reflect.getMetadata('design:returntype', prototype, propertyKey),
    arity: typeof fn === 'function' ? fn.length : -1,
  };
}

/** hasConstructorParams tells whether tsc recorded the constructor parameter types of a class (emitDecoratorMetadata). */
export function hasConstructorParams(ctor: Function): boolean {
  return Reflect.hasOwnMetadata('design:paramtypes', ctor);
}

/** readConstructorParams returns the constructor parameter types tsc recorded, for injection. */
export function readConstructorParams(ctor: Function): readonly unknown[] {
  return (Reflect.getMetadata('design:paramtypes', ctor) as unknown[] | undefined) ?? [];
}
