import { Container, type ContainerInstance } from 'typedi';
import { HandlerError } from './handler-error.js';
import { hasConstructorParams, readConstructorParams } from './handler-metadata.js';

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
  ensureRegistered(ctor, container, new Set(), undefined);
  return container.get(ctor);
}

function ensureRegistered(ctor: Function, container: HandlerContainer, seen: Set<Function>, dependent: string | undefined): void {
  if (seen.has(ctor)) return;
  seen.add(ctor);
  // What the container already holds (Container.set(Store, fake), typedi's
  // own @Service()) is the user's to build; only its dependencies are added.
  const registered = container.has(ctor as never);
  if (!registered) assertInjectable(ctor, dependent);
  for (const dep of readConstructorParams(ctor)) {
    if (typeof dep === 'function' && isUserClass(dep)) ensureRegistered(dep, container, seen, ctor.name);
  }
  if (!registered) container.set({ id: ctor, type: ctor as never });
}

// Without design:paramtypes typedi cannot know what to inject and calls the
// constructor with its container instead, so the first call fails far from
// the cause. Say so at handle(), with the fix.
function assertInjectable(ctor: Function, dependent: string | undefined): void {
  if (ctor.length === 0 || hasConstructorParams(ctor)) return;
  const name = ctor.name || 'anonymous class';
  const what = dependent ? `${name} (a constructor parameter of ${dependent})` : name;
  const decorate = dependent ? `; tsc records them only for a decorated class, so mark ${name} with typedi's @Service()` : '';
  throw new HandlerError(
    `${what} takes ${ctor.length} constructor parameter(s) but has no design:paramtypes metadata, so they cannot be injected: ` +
      `compile with "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json${decorate} ` +
      '(esbuild and tsx do not emit this metadata), or register the class in the container yourself',
  );
}

// Built-ins (Object for interfaces, String, Number…) cannot be constructed as dependencies.
function isUserClass(fn: Function): boolean {
  return fn !== Object && fn !== Function && !/\{\s*\[native code\]\s*\}/.test(Function.prototype.toString.call(fn));
}
