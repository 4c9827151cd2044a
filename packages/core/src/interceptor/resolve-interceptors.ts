import { type HandlerContainer, resolveInstance } from '../container.js';
import type { Interceptor, InterceptorClass, InterceptorLike, InterceptorObject } from './interceptor.js';

/**
 * resolveInterceptors turns an interceptor list into plain functions, once:
 * classes are built through the typedi container (their dependencies
 * injected), objects lend their intercept method. Anything else is a
 * TypeError naming `where` and the position.
 */
export function resolveInterceptors(list: readonly InterceptorLike[] | undefined, container: HandlerContainer, where: string): Interceptor[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError(`${where}: interceptors must be an array, got ${typeof list}`);
  return list.map((item, i) => resolveOne(item, container, `${where}: interceptor ${i + 1} of ${list.length}`));
}

function resolveOne(item: InterceptorLike, container: HandlerContainer, where: string): Interceptor {
  if (typeof item === 'function') {
    if (isInterceptorClass(item)) {
      const instance = resolveInstance(item, container);
      if (typeof instance.intercept !== 'function') throw new TypeError(`${where}: class ${item.name} has no intercept(next) method`);
      return instance.intercept.bind(instance);
    }
    return item as Interceptor;
  }
  if (item !== null && typeof item === 'object' && typeof (item as InterceptorObject).intercept === 'function') {
    return (item as InterceptorObject).intercept.bind(item);
  }
  throw new TypeError(`${where} is ${item === null ? 'null' : typeof item}: expected a function (next) => next, a class with intercept(next), or an object with intercept(next)`);
}

// A class either has intercept on its prototype or sets it in its constructor (an arrow property).
function isInterceptorClass(fn: Function): fn is InterceptorClass {
  return (
    typeof (fn.prototype as { intercept?: unknown } | undefined)?.intercept === 'function' ||
    Function.prototype.toString.call(fn).startsWith('class')
  );
}
