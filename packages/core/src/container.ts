import { Container, type ContainerInstance } from 'typedi';
import { readConstructorParams } from './handler-metadata.js';

/** HandlerContainer is the typedi container handler classes are built from. */
export type HandlerContainer = ContainerInstance;

/** defaultContainer is typedi's global container. */
export const defaultContainer: HandlerContainer = Container.of();

/**
 * resolveInstance builds a class through typedi so its constructor
 * dependencies are injected. Classes not registered with typedi (no
 * @Injectable) are registered on first use, with their dependencies, so a
 * plain class graph works as it did in earlier typedi versions.
 */
export function resolveInstance<T>(ctor: new (...args: never[]) => T, container: HandlerContainer = defaultContainer): T {
  ensureRegistered(ctor, container, new Set());
  return container.get(ctor);
}

function ensureRegistered(ctor: Function, container: HandlerContainer, seen: Set<Function>): void {
  if (seen.has(ctor)) return;
  seen.add(ctor);
  for (const dep of readConstructorParams(ctor)) {
    if (typeof dep === 'function' && isUserClass(dep)) ensureRegistered(dep, container, seen);
  }
  if (!container.has(ctor as never)) container.set({ id: ctor, type: ctor as never });
}

// Built-ins (Object for interfaces, String, Number…) cannot be constructed as dependencies.
function isUserClass(fn: Function): boolean {
  return fn !== Object && fn !== Function && !/\{\s*\[native code\]\s*\}/.test(Function.prototype.toString.call(fn));
}
