import protobuf from 'protobufjs';
import { isIdentifier, protoName, typeIdentifier } from './names.js';
import type { Printer } from './printer.js';

/** TypeRef turns a message or enum into the name to write in the current file, importing it when needed. */
export type TypeRef = (type: protobuf.Type | protobuf.Enum) => string;

const scalarTypes: Readonly<Record<string, string>> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  // 64-bit integers are decimal strings: exact, JSON-safe, and what
  // protobufjs and @grpc/proto-loader give with { longs: String }.
  int64: 'string',
  uint64: 'string',
  sint64: 'string',
  fixed64: 'string',
  sfixed64: 'string',
  bool: 'boolean',
  string: 'string',
};

/** collectTypes lists the messages and enums declared in a namespace, nested ones after their parent. */
export function collectTypes(ns: protobuf.NamespaceBase, out: Array<protobuf.Type | protobuf.Enum> = []): Array<protobuf.Type | protobuf.Enum> {
  for (const object of ns.nestedArray) {
    if (object instanceof protobuf.Type || object instanceof protobuf.Enum) out.push(object);
    if (object instanceof protobuf.Type) collectTypes(object, out);
  }
  return out;
}

/** printEnum writes an enum as a union of its value names. */
export function printEnum(p: Printer, type: protobuf.Enum): void {
  const name = typeIdentifier(type);
  p.jsDoc(docWithDefault(type.comment, `${name} is the enum ${protoName(type)}. Values travel as their names.`));
  p.print(`export type ${name} =`);
  const entries = Object.entries(type.values);
  entries.forEach(([value, number], i) => {
    const comment = type.comments[value];
    const note = comment ? ` ${comment.replace(/\s+/g, ' ').trim()}` : '';
    p.print(`  | '${value}'${i === entries.length - 1 ? ';' : ''} // ${number}${note ? `:${note}` : ''}`);
  });
  p.print('');
}

/** printMessage writes a message as an interface whose fields are all optional on input. */
export function printMessage(p: Printer, type: protobuf.Type, ref: TypeRef): void {
  const name = typeIdentifier(type);
  p.jsDoc(docWithDefault(type.comment, `${name} is the message ${protoName(type)}.`));
  if (type.fieldsArray.length === 0) {
    p.print(`export interface ${name} {}`);
    p.print('');
    return;
  }
  p.print(`export interface ${name} {`);
  for (const field of type.fieldsArray) {
    p.jsDoc(fieldDoc(field), '  ');
    const key = isIdentifier(field.name) ? field.name : `'${field.name}'`;
    p.print(`  ${key}?: ${fieldType(p, field, ref)};`);
  }
  p.print('}');
  p.print('');
}

function fieldType(p: Printer, field: protobuf.Field, ref: TypeRef): string {
  const resolved = field.resolvedType;
  const scalar = field.type === 'bytes' ? p.global('Uint8Array') : (scalarTypes[field.type] ?? 'unknown');
  const base = resolved instanceof protobuf.Type || resolved instanceof protobuf.Enum ? ref(resolved) : scalar;
  if (field.map) return `{ [key: string]: ${base} }`;
  if (field.repeated) return `${base}[]`;
  return base;
}

function fieldDoc(field: protobuf.Field): string {
  const lines: string[] = [];
  if (field.comment) lines.push(field.comment.trim());
  const oneof = field.partOf;
  if (oneof !== null && !isSyntheticOneof(oneof)) {
    const members = oneof.fieldsArray.map((f) => `\`${f.name}\``).join(', ');
    lines.push(`Oneof \`${oneof.name}\`: set at most one of ${members}.`);
  } else if (oneof !== null) {
    lines.push('Optional: absent unless set (proto3 `optional`).');
  }
  return lines.join('\n');
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0]?.options?.proto3_optional === true;
}

/** docWithDefault is the proto comment, or a fallback line naming the element when there is none. */
export function docWithDefault(comment: string | null, fallback: string): string {
  const text = (comment ?? '').trim();
  return text === '' ? fallback : `${fallback}\n\n${text}`;
}

/** printMessageTypes writes the MessageType const of every message: encode, decode and JSON, bound to root. */
export function printMessageTypes(p: Printer, types: ReadonlyArray<protobuf.Type | protobuf.Enum>, rootName: string, messageTypeFn: string, messageTypeType: string): void {
  for (const type of types) {
    if (!(type instanceof protobuf.Type)) continue;
    const name = typeIdentifier(type);
    p.jsDoc(`${name} encodes, decodes and converts ${protoName(type)} to and from canonical JSON.`);
    p.print(`export const ${name}: ${messageTypeType}<${name}> = ${messageTypeFn}(${rootName}, '${protoName(type)}');`);
  }
}
