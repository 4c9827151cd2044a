/** MetadataValue is a header value: text, or raw bytes for keys ending in "-bin". */
export type MetadataValue = string | Uint8Array;

/** MetadataInit is anything Metadata can be built from. */
export type MetadataInit =
  | Metadata
  | Record<string, MetadataValue | readonly MetadataValue[]>
  | Iterable<readonly [string, MetadataValue]>;

const validKey = /^[0-9a-z_.-]+$/;

// Up to this many keys are kept side by side in one array: most calls carry
// a header or two, and a scan of a short array costs less than a Map, which
// is also several times its size. Past it a Map takes over, so a peer
// sending thousands of keys costs no quadratic scan.
const SMALL_KEYS = 8;

// What an empty Metadata's keys() iterates: it is never written to.
const NO_ENTRIES: ReadonlyMap<string, MetadataValue[]> = new Map();

/**
 * Metadata holds the headers or trailers of a call, as gRPC defines them:
 * keys are case-insensitive (kept lower-case), a key may repeat, and keys
 * ending in "-bin" carry bytes (base64 on the wire of text protocols).
 */
export class Metadata {
  // Made on the first entry: most calls carry no metadata, and an empty
  // holder per open stream is a measurable share of what an idle stream
  // holds. It is [key, values, key, values…] up to SMALL_KEYS keys, a Map
  // past them; one field, so a Metadata is no larger than with a Map alone.
  // Each key's values list is its own.
  private held: unknown[] | Map<string, MetadataValue[]> | undefined;

  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    if (init instanceof Metadata) {
      const { small, large } = init;
      if (small !== undefined) {
        const copy = small.slice();
        for (let i = 1; i < copy.length; i += 2) copy[i] = (copy[i] as MetadataValue[]).slice();
        this.held = copy;
      } else if (large !== undefined) {
        const entries = (this.held = new Map<string, MetadataValue[]>());
        for (const [k, vs] of large) entries.set(k, [...vs]);
      }
    } else if (Symbol.iterator in init) {
      for (const [k, v] of init as Iterable<readonly [string, MetadataValue]>) this.append(k, v);
    } else {
      for (const [k, v] of Object.entries(init)) {
        if (Array.isArray(v)) for (const one of v) this.append(k, one);
        else this.append(k, v as MetadataValue);
      }
    }
  }

  /** get returns the first value of a key. */
  get(key: string): MetadataValue | undefined {
    return this.valuesOf(key.toLowerCase())?.[0];
  }

  /** getString returns the first value of a key as text (bytes are decoded as UTF-8). */
  getString(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined || typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
  }

  /** getAll returns every value of a key, in order. */
  getAll(key: string): readonly MetadataValue[] {
    return this.valuesOf(key.toLowerCase()) ?? [];
  }

  has(key: string): boolean {
    return this.valuesOf(key.toLowerCase()) !== undefined;
  }

  /** set replaces every value of a key with one value. */
  set(key: string, value: MetadataValue): this {
    const k = checkedKey(key, value);
    const small = this.small;
    if (small !== undefined) {
      const at = indexIn(small, k);
      if (at >= 0) {
        small[at + 1] = [value];
        return this;
      }
    } else if (this.large !== undefined) {
      this.large.set(k, [value]);
      return this;
    }
    this.add(k, [value]);
    return this;
  }

  /** append adds a value to a key, keeping those already there. */
  append(key: string, value: MetadataValue): this {
    const k = checkedKey(key, value);
    const list = this.valuesOf(k);
    if (list) list.push(value);
    else this.add(k, [value]);
    return this;
  }

  delete(key: string): this {
    const k = key.toLowerCase();
    const small = this.small;
    if (small !== undefined) {
      const at = indexIn(small, k);
      if (at >= 0) small.splice(at, 2);
    } else this.large?.delete(k);
    return this;
  }

  /** merge appends every entry of another Metadata. */
  merge(other: Metadata): this {
    for (const [k, v] of other) this.append(k, v);
    return this;
  }

  get size(): number {
    return this.small !== undefined ? this.small.length / 2 : (this.large?.size ?? 0);
  }

  /** Iterates [key, value] pairs, one per value. */
  *[Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    const small = this.small;
    if (small !== undefined) {
      for (let i = 0; i < small.length; i += 2) {
        const k = small[i] as string;
        for (const v of small[i + 1] as MetadataValue[]) yield [k, v];
      }
    } else if (this.large !== undefined) {
      for (const [k, vs] of this.large) for (const v of vs) yield [k, v];
    }
  }

  /** keys iterates each key once, in the order keys were first added. */
  keys(): IterableIterator<string> {
    const small = this.small;
    if (small === undefined) return (this.large ?? NO_ENTRIES).keys();
    // An array's iterator costs less than a generator's, and a header or two makes a short array.
    const keys = new Array<string>(small.length / 2);
    for (let i = 0; i < keys.length; i++) keys[i] = small[2 * i] as string;
    return keys.values();
  }

  clone(): Metadata {
    return new Metadata(this);
  }

  /** toJSON shows bytes as base64, for logs and the json codec. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const k of this.keys()) {
      out[k] = (this.valuesOf(k) as MetadataValue[]).map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
    }
    return out;
  }

  // The holder as the array of a few keys, or as the Map of many.
  private get small(): unknown[] | undefined {
    const held = this.held;
    return Array.isArray(held) ? held : undefined;
  }
  private get large(): Map<string, MetadataValue[]> | undefined {
    const held = this.held;
    return held instanceof Map ? held : undefined;
  }

  // valuesOf is the values list of a lower-case key, if it has one.
  private valuesOf(k: string): MetadataValue[] | undefined {
    const small = this.small;
    if (small === undefined) return this.large?.get(k);
    const at = indexIn(small, k);
    return at < 0 ? undefined : (small[at + 1] as MetadataValue[]);
  }

  // add adds a key this holds no values of.
  private add(k: string, values: MetadataValue[]): void {
    if (this.large !== undefined) {
      this.large.set(k, values);
      return;
    }
    const small = this.small;
    // The first key makes an array of its own two slots: an empty literal grown by push() reserves seventeen.
    if (small === undefined) this.held = [k, values];
    else if (small.length < SMALL_KEYS * 2) small.push(k, values);
    else {
      const large = new Map<string, MetadataValue[]>();
      for (let i = 0; i < small.length; i += 2) large.set(small[i] as string, small[i + 1] as MetadataValue[]);
      large.set(k, values);
      this.held = large;
    }
  }
}

// indexIn is where a key sits in a small holder, or -1.
function indexIn(small: readonly unknown[], k: string): number {
  for (let i = 0; i < small.length; i += 2) if (small[i] === k) return i;
  return -1;
}

/**
 * ReadOnlyMetadata is a Metadata that refuses every change. The framework
 * hands one shared empty instance (EMPTY_METADATA) to every call that ends
 * with no headers or trailers; were it writable, a listener that set a key
 * on one call's end would show it on every later call's.
 */
class ReadOnlyMetadata extends Metadata {
  override set(): this {
    throw readOnly();
  }
  override append(): this {
    throw readOnly();
  }
  override delete(): this {
    throw readOnly();
  }
  override merge(): this {
    throw readOnly();
  }
}

function readOnly(): TypeError {
  return new TypeError('this metadata is shared and read-only (an empty header or trailer set of a call): clone() it to change a copy');
}

/** EMPTY_METADATA is a shared, read-only, empty Metadata: clone() gives a writable copy. */
export const EMPTY_METADATA: Metadata = new ReadOnlyMetadata();
Object.freeze(EMPTY_METADATA);

/** MetadataError says a key or value cannot travel as gRPC metadata. */
export class MetadataError extends Error {
  override readonly name = 'MetadataError';
}

// Keys that passed the check, as given, with their lower-case form: a
// service sets and receives the same few keys on every call, and a lookup
// costs less than lower-casing and matching them again. Bounded, so a peer
// sending endless distinct keys makes it grow no further.
const checkedKeys = new Map<string, string>();
const MAX_CHECKED_KEYS = 256;

function checkedKey(key: string, value: MetadataValue): string {
  let k = checkedKeys.get(key);
  if (k === undefined) {
    k = key.toLowerCase();
    if (!validKey.test(k) || k.startsWith(':')) {
      throw new MetadataError(`metadata key "${key}" may only hold 0-9 a-z _ . -`);
    }
    if (checkedKeys.size < MAX_CHECKED_KEYS) checkedKeys.set(key, k);
  }
  const binary = k.endsWith('-bin');
  if (binary && typeof value === 'string') {
    throw new MetadataError(`metadata key "${key}" ends in -bin, so its value must be bytes (Uint8Array)`);
  }
  if (!binary && typeof value !== 'string') {
    throw new MetadataError(`metadata key "${key}" holds text; only keys ending in -bin may hold bytes`);
  }
  return k;
}
