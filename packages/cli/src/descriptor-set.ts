import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** FieldShape is the part of a FieldDescriptorProto the CLI reads. */
export interface FieldShape {
  name: string;
  number: number;
  label?: number;
  type?: number;
  typeName?: string;
  jsonName?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
}

/** MessageShape is the part of a DescriptorProto the CLI reads. */
export interface MessageShape {
  name: string;
  field?: FieldShape[];
  nestedType?: MessageShape[];
  enumType?: EnumShape[];
  oneofDecl?: { name: string }[];
  options?: { mapEntry?: boolean };
}

/** EnumShape is the part of an EnumDescriptorProto the CLI reads. */
export interface EnumShape {
  name: string;
  value?: { name: string; number: number }[];
}

/** MethodShape is the part of a MethodDescriptorProto the CLI reads. */
export interface MethodShape {
  name: string;
  inputType: string;
  outputType: string;
  clientStreaming?: boolean;
  serverStreaming?: boolean;
}

/** ServiceShape is the part of a ServiceDescriptorProto the CLI reads. */
export interface ServiceShape {
  name: string;
  method?: MethodShape[];
}

/** FileShape is a decoded FileDescriptorProto. */
export interface FileShape {
  name: string;
  package?: string;
  dependency?: string[];
  messageType?: MessageShape[];
  enumType?: EnumShape[];
  service?: ServiceShape[];
  syntax?: string;
}

/** DescriptorSet is a set of decoded .proto files, as reflection or a local .proto gives them. */
export class DescriptorSet {
  readonly files: readonly FileShape[];

  constructor(serialized: readonly Uint8Array[]) {
    const seen = new Set<string>();
    const files: FileShape[] = [];
    for (const bytes of serialized) {
      const file = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(bytes), { arrays: true }) as FileShape;
      if (seen.has(file.name)) continue;
      seen.add(file.name);
      files.push(file);
    }
    this.files = files;
  }

  /**
   * root builds a protobufjs Root whose field names are the proto3 JSON
   * names (lowerCamelCase, as loadProto gives them), with map fields as maps:
   * protobufjs' Root.fromDescriptor keeps a map as repeated entries.
   */
  root(): protobuf.Root {
    const mapEntries = new Set<string>();
    const files = this.files.map((file) => {
      const prefix = file.package ? `.${file.package}.` : '.';
      return { ...file, messageType: (file.messageType ?? []).map((m) => camelFields(m, prefix, mapEntries)) };
    });
    const set = descriptor.FileDescriptorSet.fromObject({ file: files });
    const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(s: protobuf.Message): protobuf.Root }).fromDescriptor;
    const root = fromDescriptor(set);
    root.resolveAll();
    restoreMaps(root, mapEntries);
    root.resolveAll();
    return root;
  }
}

function camelFields(message: MessageShape, scope: string, mapEntries: Set<string>): MessageShape {
  const full = `${scope}${message.name}`;
  if (message.options?.mapEntry) mapEntries.add(full);
  return {
    ...message,
    field: (message.field ?? []).map((f) => ({ ...f, name: f.jsonName || lowerCamel(f.name) })),
    nestedType: (message.nestedType ?? []).map((n) => camelFields(n, `${full}.`, mapEntries)),
  };
}

function restoreMaps(ns: protobuf.NamespaceBase, mapEntries: ReadonlySet<string>): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) {
      for (const field of [...nested.fieldsArray]) {
        const entry = field.resolvedType;
        if (!field.repeated || !(entry instanceof protobuf.Type) || !mapEntries.has(entry.fullName)) continue;
        const key = entry.fields.key;
        const value = entry.fields.value;
        if (!key || !value) continue;
        nested.remove(field);
        nested.add(new protobuf.MapField(field.name, field.id, key.type, value.resolvedType?.fullName ?? value.type));
      }
    }
    if (nested instanceof protobuf.Namespace) restoreMaps(nested, mapEntries);
  }
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
