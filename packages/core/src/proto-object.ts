import protobuf from 'protobufjs';

type Plain = Record<string, unknown>;

/** ToPlainObject turns a decoded protobufjs message into a plain object. */
export type ToPlainObject = (message: protobuf.Message) => Plain;

// How one message type's plain object is laid out with every field present.
interface Layout {
  readonly repeated: readonly string[];
  readonly maps: readonly string[];
  readonly singular: readonly { readonly name: string; readonly kind: 'bytes' | 'message' | 'value'; readonly fallback: unknown }[];
  readonly nested: readonly { readonly name: string; readonly type: protobuf.Type; readonly shape: 'one' | 'list' | 'map' }[];
  /** Whether set oneof members (and their group names) can follow the fields above. */
  readonly oneofs: boolean;
  /** Only singular scalar or bytes fields: a message with all of them set is complete as decoded. */
  readonly flat: boolean;
}

/**
 * plainObjectConverter returns what protobufjs's toObject with
 * `defaults: true` returns, for one type and options, the same keys in the
 * same order. protobufjs builds a fresh Buffer for the default of every bytes
 * field of every message it converts, only to overwrite it when the field
 * is set: for a message of one bytes field that was the largest cost of
 * decoding. Types with such fields, here or nested, are converted without
 * defaults and then given the missing ones; others go straight to toObject.
 */
export function plainObjectConverter(type: protobuf.Type, options: protobuf.IConversionOptions): ToPlainObject {
  if (!hasBytesDefault(type, new Set())) return (message) => type.toObject(message, { ...options, defaults: true });
  const bare: protobuf.IConversionOptions = { ...options, defaults: false, arrays: false, objects: false };
  const layouts = new Map<protobuf.Type, Layout>();
  const layoutOf = (t: protobuf.Type): Layout => {
    let layout = layouts.get(t);
    if (!layout) {
      layout = layoutFor(t, options);
      layouts.set(t, layout);
    }
    return layout;
  };
  const complete = (t: protobuf.Type, partial: Plain): Plain => {
    const layout = layoutOf(t);
    // Every field set in a flat message (the usual request or reply): toObject already
    // gave each key, in field order, so the object is returned as it is, not copied.
    if (layout.flat && allSet(layout.singular, partial)) return partial;
    // Keys go in protobufjs's order: lists, maps, singular fields, then set oneof members.
    const out: Plain = {};
    for (const name of layout.repeated) out[name] = partial[name] ?? [];
    for (const name of layout.maps) out[name] = partial[name] ?? {};
    for (const field of layout.singular) {
      const value = partial[field.name];
      if (value !== undefined) out[field.name] = value;
      else out[field.name] = field.kind === 'bytes' ? Buffer.alloc(0) : field.kind === 'message' ? null : field.fallback;
    }
    if (layout.oneofs) for (const key in partial) if (!(key in out)) out[key] = partial[key];
    for (const { name, type: child, shape } of layout.nested) {
      const value = out[name];
      if (value === null || value === undefined) continue;
      if (shape === 'one') out[name] = complete(child, value as Plain);
      else if (shape === 'list') out[name] = (value as Plain[]).map((item) => complete(child, item));
      else {
        const map = value as Record<string, Plain>;
        for (const key of Object.keys(map)) map[key] = complete(child, map[key] as Plain);
      }
    }
    return out;
  };
  // The common case, a flat message with every field set, is decided here
  // without a lookup of the layout per message.
  let top: Layout | undefined;
  return (message) => {
    const partial = type.toObject(message, bare);
    top ??= layoutOf(type);
    return top.flat && allSet(top.singular, partial) ? partial : complete(type, partial);
  };
}

function allSet(fields: Layout['singular'], partial: Plain): boolean {
  for (let i = 0; i < fields.length; i++) if (partial[(fields[i] as Layout['singular'][number]).name] === undefined) return false;
  return true;
}

function layoutFor(type: protobuf.Type, options: protobuf.IConversionOptions): Layout {
  const defaults = type.toObject(type.create(), { ...options, defaults: true });
  const repeated: string[] = [];
  const maps: string[] = [];
  const singular: Layout['singular'][number][] = [];
  const nested: Layout['nested'][number][] = [];
  let oneofs = false;
  for (const field of type.fieldsArray) {
    field.resolve();
    const child = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map) maps.push(field.name);
    else if (field.repeated) repeated.push(field.name);
    else if (field.partOf) oneofs = true;
    else {
      const kind = field.type === 'bytes' ? 'bytes' : child ? 'message' : 'value';
      singular.push({ name: field.name, kind, fallback: defaults[field.name] });
    }
    if (child) nested.push({ name: field.name, type: child, shape: field.map ? 'map' : field.repeated ? 'list' : 'one' });
  }
  const flat = repeated.length === 0 && maps.length === 0 && nested.length === 0 && !oneofs;
  return { repeated, maps, singular, nested, oneofs, flat };
}

// Whether converting this type with defaults builds a bytes default, at any depth.
function hasBytesDefault(type: protobuf.Type, seen: Set<protobuf.Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.type === 'bytes' && !field.repeated && !field.map && !field.partOf) return true;
    if (field.resolvedType instanceof protobuf.Type && hasBytesDefault(field.resolvedType, seen)) return true;
  }
  return false;
}
