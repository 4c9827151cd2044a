import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** FileDescriptorFile is one .proto file as a serialized google.protobuf.FileDescriptorProto. */
export interface FileDescriptorFile {
  /** Import name, e.g. "greeter.proto" or "grpc/testing/empty.proto". */
  readonly name: string;
  /** Import names of the files this one needs. */
  readonly dependencies: readonly string[];
  /** Full names of the services it declares. */
  readonly services: readonly string[];
  readonly bytes: Uint8Array;
}

type Declared = protobuf.Type | protobuf.Enum | protobuf.Service;
type Plain = Record<string, unknown>;

// google.protobuf.FieldDescriptorProto.Type numbers of the scalar types.
const scalarTypes: Record<string, number> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8,
  string: 9, bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/**
 * fileDescriptorsFromRoot turns a resolved protobufjs Root into one
 * FileDescriptorProto per source file, as protoc would: fully-qualified type
 * names, map entries, proto3 optional, and the imports each file needs.
 * The Root must be loaded with keepCase so field names stay as written.
 * protobufjs' own Root#toDescriptor is not used: it groups by package rather
 * than by file, lists no dependencies and marks non-packable fields packed,
 * which strict readers (grpcurl) reject.
 */
export function fileDescriptorsFromRoot(root: protobuf.Root, nameOf: (filename: string) => string = (f) => f): FileDescriptorFile[] {
  const byFile = new Map<string, { pkg: string; objects: Declared[] }>();
  const visit = (ns: protobuf.NamespaceBase, pkg: string): void => {
    for (const object of ns.nestedArray) {
      if (object instanceof protobuf.Type || object instanceof protobuf.Enum || object instanceof protobuf.Service) {
        if (!object.filename) continue;
        let entry = byFile.get(object.filename);
        if (!entry) byFile.set(object.filename, (entry = { pkg, objects: [] }));
        entry.objects.push(object);
      } else if (object instanceof protobuf.Namespace) {
        visit(object, pkg ? `${pkg}.${object.name}` : object.name);
      }
    }
  };
  visit(root, '');
  const files: FileDescriptorFile[] = [];
  for (const [filename, { pkg, objects }] of byFile) {
    const name = nameOf(filename);
    const deps = new Set<string>();
    const use = (type: protobuf.ReflectionObject | null | undefined): string => {
      if (!type) throw new Error(`${name}: unresolved type`);
      if (type.filename && type.filename !== filename) deps.add(nameOf(type.filename));
      return type.fullName;
    };
    const file: Plain = {
      name,
      package: pkg || undefined,
      messageType: objects.filter((o) => o instanceof protobuf.Type).map((t) => messageProto(t as protobuf.Type, use)),
      enumType: objects.filter((o) => o instanceof protobuf.Enum).map((e) => enumProto(e as protobuf.Enum)),
      service: objects.filter((o) => o instanceof protobuf.Service).map((s) => serviceProto(s as protobuf.Service, use)),
      syntax: syntaxOf(objects[0]),
    };
    file.dependency = [...deps].sort();
    const message = descriptor.FileDescriptorProto.fromObject(file);
    files.push({
      name,
      dependencies: file.dependency as string[],
      services: objects.filter((o) => o instanceof protobuf.Service).map((s) => s.fullName.replace(/^\./, '')),
      bytes: descriptor.FileDescriptorProto.encode(message).finish(),
    });
  }
  return files;
}

function syntaxOf(object: Declared | undefined): string {
  const edition = (object as unknown as { _edition?: string } | undefined)?._edition;
  return edition === 'proto3' ? 'proto3' : 'proto2';
}

function messageProto(type: protobuf.Type, use: (t: protobuf.ReflectionObject | null) => string): Plain {
  // protoc lists synthetic oneofs (proto3 optional) after the real ones.
  const synthetic = (o: protobuf.OneOf) => o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.proto3_optional === true;
  const oneofs = [...type.oneofsArray.filter((o) => !synthetic(o)), ...type.oneofsArray.filter(synthetic)];
  const nestedType: Plain[] = [];
  const field = type.fieldsArray.map((f) => {
    const proto = fieldProto(f, use);
    if (f.partOf) proto.oneofIndex = oneofs.indexOf(f.partOf);
    if (f instanceof protobuf.MapField) {
      const entry = `${pascal(f.name)}Entry`;
      proto.typeName = `${type.fullName}.${entry}`;
      nestedType.push({
        name: entry,
        field: [
          { name: 'key', number: 1, label: LABEL_OPTIONAL, type: scalarTypes[f.keyType], jsonName: 'key' },
          { ...valueType(f, use), name: 'value', number: 2, label: LABEL_OPTIONAL, jsonName: 'value' },
        ],
        options: { mapEntry: true },
      });
    }
    return proto;
  });
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) nestedType.push(messageProto(nested, use));
  }
  return {
    name: type.name,
    field,
    nestedType,
    enumType: type.nestedArray.filter((n) => n instanceof protobuf.Enum).map((e) => enumProto(e as protobuf.Enum)),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    reservedName: (type.reserved ?? []).filter((r): r is string => typeof r === 'string'),
    reservedRange: (type.reserved ?? []).filter((r): r is number[] => Array.isArray(r)).map(([start, end]) => ({ start, end: (end ?? start ?? 0) + 1 })),
  };
}

function fieldProto(f: protobuf.Field, use: (t: protobuf.ReflectionObject | null) => string): Plain {
  const proto: Plain = {
    name: f.name,
    number: f.id,
    jsonName: lowerCamel(f.name),
    label: f.map || f.repeated ? LABEL_REPEATED : f.required ? LABEL_REQUIRED : LABEL_OPTIONAL,
  };
  if (f.map) {
    proto.type = TYPE_MESSAGE;
    return proto;
  }
  Object.assign(proto, valueType(f, use));
  if (f.options?.proto3_optional === true) proto.proto3Optional = true;
  // Only an explicit packed option is carried over, and only where packing is legal.
  const packed = f.options?.packed;
  if (typeof packed === 'boolean' && f.repeated && proto.type !== TYPE_MESSAGE && proto.type !== scalarTypes.string && proto.type !== scalarTypes.bytes) {
    proto.options = { packed };
  }
  if (f.options?.default !== undefined) proto.defaultValue = String(f.options.default);
  return proto;
}

function valueType(f: protobuf.Field, use: (t: protobuf.ReflectionObject | null) => string): Plain {
  const scalar = scalarTypes[f.type];
  if (scalar !== undefined) return { type: scalar };
  f.resolve();
  const resolved = f.resolvedType;
  return { type: resolved instanceof protobuf.Enum ? TYPE_ENUM : TYPE_MESSAGE, typeName: use(resolved) };
}

function enumProto(e: protobuf.Enum): Plain {
  return {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
    options: e.options?.allow_alias ? { allowAlias: true } : undefined,
  };
}

function serviceProto(s: protobuf.Service, use: (t: protobuf.ReflectionObject | null) => string): Plain {
  return {
    name: s.name,
    method: s.methodsArray.map((m) => {
      m.resolve();
      return {
        name: m.name,
        inputType: use(m.resolvedRequestType),
        outputType: use(m.resolvedResponseType),
        clientStreaming: m.requestStream === true || undefined,
        serverStreaming: m.responseStream === true || undefined,
      };
    }),
  };
}

function pascal(name: string): string {
  const camel = lowerCamel(name);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
