/**
 * ContextKey names one typed value carried on a call's context. Keys are
 * compared by identity: two keys made with the same description are
 * different keys, so libraries never collide.
 */
export interface ContextKey<T> {
  readonly id: symbol;
  /** What get() returns while no value is set. */
  readonly defaultValue: T;
  readonly description: string;
}

/** createContextKey makes a key for a typed context value with its default. */
export function createContextKey<T>(defaultValue: T, options: { description?: string } = {}): ContextKey<T> {
  const description = options.description ?? 'context value';
  return { id: Symbol(description), defaultValue, description };
}

/**
 * ContextValues is a typed key/value carrier for what an interceptor learns
 * about a call (a principal, a span, a logger) and the handler reads. A set
 * made on a downstream call's values shadows the parent's without changing
 * it: values flow down a call chain, never back up.
 */
export class ContextValues {
  // Key ids and values side by side, made on the first set(): a call
  // carries few values, and a scan of a short array costs less than a Map.
  private own: unknown[] | undefined;

  constructor(private readonly parent?: ContextValues) {}

  /** get returns the key's value here or in a parent, else the key's default. */
  get<T>(key: ContextKey<T>): T {
    for (let v: ContextValues | undefined = this; v; v = v.parent) {
      const at = v.indexOf(key.id);
      if (at >= 0) return (v.own as unknown[])[at + 1] as T;
    }
    return key.defaultValue;
  }

  /** has tells whether the key is set here or in a parent. */
  has(key: ContextKey<unknown>): boolean {
    for (let v: ContextValues | undefined = this; v; v = v.parent) if (v.indexOf(key.id) >= 0) return true;
    return false;
  }

  /** set sets the key's value for this call and the calls made from it. */
  set<T>(key: ContextKey<T>, value: T): this {
    const at = this.indexOf(key.id);
    if (at >= 0) (this.own as unknown[])[at + 1] = value;
    // The first value makes an array of its own two slots: an empty literal
    // grown by push() would reserve room for seventeen.
    else if (this.own === undefined) this.own = [key.id, value];
    else this.own.push(key.id, value);
    return this;
  }

  /** delete removes this call's own value; a parent's value shows again. */
  delete(key: ContextKey<unknown>): this {
    const at = this.indexOf(key.id);
    if (at >= 0) (this.own as unknown[]).splice(at, 2);
    return this;
  }

  private indexOf(id: symbol): number {
    const own = this.own;
    if (own === undefined) return -1;
    for (let i = 0; i < own.length; i += 2) if (own[i] === id) return i;
    return -1;
  }
}

/** createContextValues makes an empty carrier, or one reading through to `parent`. */
export function createContextValues(parent?: ContextValues): ContextValues {
  return new ContextValues(parent);
}
