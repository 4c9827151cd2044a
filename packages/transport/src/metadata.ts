/** MetadataValue is a header value: text, or raw bytes for keys ending in "-bin". */
export type MetadataValue = string | Uint8Array;

/** MetadataInit is anything Metadata can be built from. */
export type MetadataInit =
  | Metadata
  | Record<string, MetadataValue | readonly MetadataValue[]>
  | Iterable<readonly [string, MetadataValue]>;

const validKey = /^[0-9a-z_.-]+$/;

// What an empty Metadata iterates: it is never written to.
const NO_ENTRIES: ReadonlyMap<string, MetadataValue[]> = new Map();

/**
 * Metadata holds the headers or trailers of a call, as gRPC defines them:
 * keys are case-insensitive (kept lower-case), a key may repeat, and keys
 * ending in "-bin" carry bytes (base64 on the wire of text protocols).
 */
export class Metadata {
  // Made on the first entry: most calls carry no metadata, and an empty Map
  // per open stream is a measurable share of what an idle stream holds.
  private entries_: Map<string, MetadataValue[]> | undefined;

  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    if (init instanceof Metadata) {
      if (init.entries_ === undefined) return;
      const entries = (this.entries_ = new Map());
      for (const [k, vs] of init.entries_) entries.set(k, [...vs]);
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
    return this.entries_?.get(key.toLowerCase())?.[0];
  }

  /** getString returns the first value of a key as text (bytes are decoded as UTF-8). */
  getString(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined || typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
  }

  /** getAll returns every value of a key, in order. */
  getAll(key: string): readonly MetadataValue[] {
    return this.entries_?.get(key.toLowerCase()) ?? [];
  }

  has(key: string): boolean {
    return this.entries_?.has(key.toLowerCase()) ?? false;
  }

  /** set replaces every value of a key with one value. */
  set(key: string, value: MetadataValue): this {
    const k = checkedKey(key, value);
    (this.entries_ ??= new Map()).set(k, [value]);
    return this;
  }

  /** append adds a value to a key, keeping those already there. */
  append(key: string, value: MetadataValue): this {
    const k = checkedKey(key, value);
    const entries = (this.entries_ ??= new Map());
    const list = entries.get(k);
    if (list) list.push(value);
    else entries.set(k, [value]);
    return this;
  }

  delete(key: string): this {
    this.entries_?.delete(key.toLowerCase());
    return this;
  }

  /** merge appends every entry of another Metadata. */
  merge(other: Metadata): this {
    for (const [k, v] of other) this.append(k, v);
    return this;
  }

  get size(): number {
    return this.entries_?.size ?? 0;
  }

  /** Iterates [key, value] pairs, one per value. */
  *[Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    if (this.entries_ === undefined) return;
    for (const [k, vs] of this.entries_) for (const v of vs) yield [k, v];
  }

  keys(): IterableIterator<string> {
    return (this.entries_ ?? NO_ENTRIES).keys();
  }

  clone(): Metadata {
    return new Metadata(this);
  }

  /** toJSON shows bytes as base64, for logs and the json codec. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, vs] of this.entries_ ?? NO_ENTRIES) {
      out[k] = vs.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
    }
    return out;
  }
}

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
