import { type ConfigSource, dotted, type Provenance } from './config-source.js';

/** isPlainObject tells a key/value object (from JSON, YAML or an object literal) from arrays and class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * mergeLayer deep-merges one configuration layer over target, in place, and
 * records which layer set each key. Objects merge key by key; arrays and
 * scalars replace; undefined means "not set here".
 */
export function mergeLayer(
  target: Record<string, unknown>,
  layer: Record<string, unknown>,
  source: (path: readonly string[]) => ConfigSource,
  provenance: Provenance,
  prefix: readonly string[] = [],
): void {
  for (const key of Object.keys(layer)) {
    const value = layer[key];
    if (value === undefined) continue;
    const path = [...prefix, key];
    provenance.set(dotted(path), source(path));
    if (isPlainObject(value)) {
      const existing = target[key];
      const into = isPlainObject(existing) && Object.hasOwn(target, key) ? existing : {};
      mergeLayer(into, value, source, provenance, path);
      setOwn(target, key, into);
    } else {
      setOwn(target, key, Array.isArray(value) ? [...value] : value);
    }
  }
}

// A key named "__proto__" (JSON.parse makes it an own property) must stay a plain
// key, to be reported as unknown, instead of replacing the target's prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
