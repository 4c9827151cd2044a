import protobuf from 'protobufjs';

type Sample = { [key: string]: unknown };

const int64Samples: Record<string, string> = {
  int64: '-9007199254740993',
  sint64: '-9007199254740995',
  sfixed64: '-4611686018427387904',
  uint64: '18446744073709551615',
  fixed64: '9007199254740993',
};

function scalar(type: string, name: string): unknown {
  if (type in int64Samples) return int64Samples[type];
  switch (type) {
    case 'string':
      return `${name}-ü✓`;
    case 'bool':
      return true;
    case 'bytes':
      return new Uint8Array([0, 1, 254, 255]);
    case 'double':
      return 1.25e300;
    case 'float':
      return -0.5;
    case 'sint32':
    case 'sfixed32':
    case 'int32':
      return -123456;
    default:
      return 4000000000;
  }
}

const mapKeys: Record<string, string> = { string: 'key', bool: 'true' };

// Well-known types get samples their canonical JSON form can carry.
function wellKnown(type: protobuf.Type, root: protobuf.Root): Sample | undefined {
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return { seconds: '1700000000', nanos: 123000000 };
    case '.google.protobuf.Duration':
      return { seconds: '-5', nanos: -500000000 };
    case '.google.protobuf.Struct':
      return {
        fields: {
          n: { numberValue: 1.5 },
          l: { listValue: { values: [{ stringValue: 's' }, { boolValue: true }, { nullValue: 'NULL_VALUE' }] } },
          o: { structValue: { fields: {} } },
        },
      };
    case '.google.protobuf.Value':
      return { structValue: { fields: { k: { stringValue: 'v' } } } };
    case '.google.protobuf.Any': {
      const target = root.lookupType('google.protobuf.Duration');
      return {
        type_url: 'type.googleapis.com/google.protobuf.Duration',
        value: target.encode(target.fromObject({ seconds: '3', nanos: 0 })).finish(),
      };
    }
    default:
      return undefined;
  }
}

/**
 * sampleMessage fills every field of type with a non-default value (the
 * first member of each oneof only), nesting messages up to depth levels.
 */
export function sampleMessage(type: protobuf.Type, depth = 2): Sample {
  const special = wellKnown(type, type.root as protobuf.Root);
  if (special !== undefined) return special;
  const out: Sample = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const oneof = field.partOf;
    if (oneof !== null && oneof.fieldsArray[0] !== field) continue;
    const resolved = field.resolvedType;
    let value: () => unknown;
    if (resolved instanceof protobuf.Type) {
      if (depth === 0) continue;
      value = () => sampleMessage(resolved, depth - 1);
    } else if (resolved instanceof protobuf.Enum) {
      const names = Object.keys(resolved.values);
      value = () => names[names.length - 1];
    } else {
      value = () => scalar(field.type, field.name);
    }
    if (field.map) {
      const keyType = field instanceof protobuf.MapField ? field.keyType : 'string';
      const key = mapKeys[keyType] ?? (keyType in int64Samples ? '-5' : '7');
      out[field.name] = { [key]: value() };
    } else if (field.repeated) {
      out[field.name] = [value(), value()];
    } else {
      out[field.name] = value();
    }
  }
  return out;
}

/** allMessages lists every message type under a namespace. */
export function allMessages(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const object of ns.nestedArray) {
    if (object instanceof protobuf.Type) out.push(object);
    if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) allMessages(object, out);
  }
  return out;
}
