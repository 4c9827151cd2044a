// The run-time half of generated code: protobufjs reflection for the binary
// codec and the proto3 canonical JSON mapping. Generated modules import
// loadRoot and messageType from @tsmicro/core, so every generated file shares
// this one copy.

import type { MessageType } from './definition.js';
import protobuf from 'protobufjs';
import { checkMessage, checkedEncoder, checkedLaterEncoder } from './message-check.js';
import { readerOf } from './proto-reader.js';
import { plainObjectConverter, type ToPlainObject } from './proto-object.js';

// Binary encoding is protobufjs's own (fromObject + encode, see checkedEncoder), so bytes are
// exactly what protobufjs and @grpc/proto-loader produce for the same object.
// JSON follows the proto3 canonical mapping:
// https://protobuf.dev/programming-guides/json/

type JsonObject = { [key: string]: unknown };

/** ProtoJsonError reports JSON that does not fit a message's canonical JSON form. */
export class ProtoJsonError extends Error {
  override readonly name = 'ProtoJsonError';
}

// Every generated message type, by full name, so Any can unpack types from
// other generated files that are loaded in the same process.
const registry = new Map<string, protobuf.Type>();

const decodeOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/** loadRoot builds a protobufjs Root from an embedded descriptor and resolves it once. */
export function loadRoot(descriptor: object): protobuf.Root {
  const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  root.resolveAll();
  return root;
}

/** messageType binds a message of root to the MessageType contract of @tsmicro/core. */
export function messageType<T extends object>(root: protobuf.Root, typeName: string): MessageType<T> {
  const type = root.lookupType(typeName);
  if (!registry.has(typeName)) registry.set(typeName, type);
  const toPlain = converterOf(type);
  return {
    typeName,
    encode: checkedEncoder(type),
    encodeLater: checkedLaterEncoder(type),
    decode: (bytes: Uint8Array): T => decodeMessage(type, bytes, toPlain) as T,
    decodeIn: (bytes: Uint8Array, start: number, end: number): T => decodeMessage(type, readerOf(bytes, start, end), toPlain) as T,
    toJSON: (message: T): unknown => {
      checkMessage(type, message);
      return messageToJSON(type, message as JsonObject);
    },
    fromJSON: (json: unknown): T => messageFromJSON(type, json) as T,
  };
}

/** lookupMessageType returns the MessageType of a message whose generated code (or loaded .proto) is loaded, by full name. */
export function lookupMessageType<T extends object>(typeName: string): MessageType<T> | undefined {
  const type = registry.get(typeName);
  return type ? messageType<T>(type.root, typeName) : undefined;
}

function encodeMessage(type: protobuf.Type, message: object): Uint8Array {
  return type.encode(type.fromObject(message as JsonObject)).finish();
}

const converters = new WeakMap<protobuf.Type, ToPlainObject>();

function converterOf(type: protobuf.Type): ToPlainObject {
  let converter = converters.get(type);
  if (!converter) {
    converter = plainObjectConverter(type, decodeOptions);
    converters.set(type, converter);
  }
  return converter;
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array | protobuf.Reader, toPlain = converterOf(type)): JsonObject {
  const object = toPlain(type.decode(bytes)) as JsonObject;
  dropNullMessages(type, object);
  return object;
}

// toObject with defaults sets absent message fields to null; the generated
// interfaces say "absent", so those nulls are removed.
function dropNullMessages(type: protobuf.Type, object: JsonObject): void {
  for (const field of type.fieldsArray) {
    const child = field.resolvedType;
    if (!(child instanceof protobuf.Type)) continue;
    const value = object[field.name];
    if (value === null || value === undefined) {
      delete object[field.name];
    } else if (field.map) {
      for (const item of Object.values(value as JsonObject)) dropNullMessages(child, item as JsonObject);
    } else if (field.repeated) {
      for (const item of value as JsonObject[]) dropNullMessages(child, item);
    } else {
      dropNullMessages(child, value as JsonObject);
    }
  }
}

const longTypes = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const int32Types = new Set(['int32', 'sint32', 'sfixed32']);
const uint32Types = new Set(['uint32', 'fixed32']);

const specialJSON = new Set([
  'Timestamp', 'Duration', 'Struct', 'ListValue', 'Value', 'FieldMask', 'Any',
  'DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue',
]);

// wkt names the well-known type whose JSON form is not the plain object form.
function wkt(type: protobuf.Type): string | undefined {
  if (!type.fullName.startsWith('.google.protobuf.')) return undefined;
  const name = type.fullName.slice(17);
  return specialJSON.has(name) ? name : undefined;
}

function messageToJSON(type: protobuf.Type, message: JsonObject): unknown {
  const special = wktToJSON(type, message);
  if (special !== undefined) return special;
  const json: JsonObject = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const key = jsonName(field);
    if (field.map) {
      const entries = Object.entries(value as JsonObject);
      if (entries.length === 0) continue;
      const out: JsonObject = {};
      for (const [k, v] of entries) out[k] = valueToJSON(field, v);
      json[key] = out;
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      json[key] = items.map((v) => valueToJSON(field, v));
    } else {
      if (!field.hasPresence && isDefault(field, value)) continue;
      json[key] = valueToJSON(field, value);
    }
  }
  return json;
}

function jsonName(field: protobuf.Field): string {
  const explicit = field.options?.json_name;
  return typeof explicit === 'string' ? explicit : field.name;
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return value === 0 || resolved.values[value as string] === 0;
  if (field.type === 'bytes') return (value as Uint8Array).length === 0;
  if (longTypes.has(field.type)) return String(value) === '0';
  return value === '' || value === false || value === 0;
}

function valueToJSON(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJSON(resolved, value as JsonObject);
  if (resolved instanceof protobuf.Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return null;
    return typeof value === 'number' ? (resolved.valuesById[value] ?? value) : value;
  }
  if (longTypes.has(field.type)) return String(value);
  if (field.type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (field.type === 'double' || field.type === 'float') {
    return Number.isFinite(value) ? value : String(value);
  }
  return value;
}

/**
 * messageFromJSON reads a message's proto3 canonical JSON form strictly into
 * its plain object form: unknown fields, wrong types and unknown enum names
 * are ProtoJsonErrors. Generated types and loadProto's share it.
 */
export function messageFromJSON(type: protobuf.Type, json: unknown): JsonObject {
  const special = wktFromJSON(type, json);
  if (special !== undefined) return special;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtoJsonError(`${type.fullName.slice(1)}: expected a JSON object`);
  }
  const message: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByJsonName(type, key);
    if (field === undefined) throw new ProtoJsonError(`${type.fullName.slice(1)}: unknown field "${key}"`);
    if (value === null && !isNullValue(field)) continue;
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) throw fieldError(field, 'expected a JSON object');
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value as JsonObject)) out[k] = valueFromJSON(field, v);
      message[field.name] = out;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw fieldError(field, 'expected a JSON array');
      message[field.name] = value.map((v: unknown) => valueFromJSON(field, v));
    } else {
      message[field.name] = valueFromJSON(field, value);
    }
  }
  return message;
}

const jsonNames = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldByJsonName(type: protobuf.Type, key: string): protobuf.Field | undefined {
  let names = jsonNames.get(type);
  if (names === undefined) {
    names = new Map();
    for (const field of type.fieldsArray) {
      // Parsers take the JSON name and the name as written in the .proto;
      // fields here carry lowerCamelCase names, so the written one is rebuilt.
      names.set(field.name, field);
      names.set(jsonName(field), field);
      const written = field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (!names.has(written)) names.set(written, field);
    }
    jsonNames.set(type, names);
  }
  return names.get(key);
}

function isNullValue(field: protobuf.Field): boolean {
  const name = field.resolvedType?.fullName;
  return name === '.google.protobuf.Value' || name === '.google.protobuf.NullValue';
}

function fieldError(field: protobuf.Field, message: string): ProtoJsonError {
  return new ProtoJsonError(`${field.parent?.fullName.slice(1) ?? ''}.${field.name}: ${message}`);
}

function valueFromJSON(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageFromJSON(resolved, value);
  if (resolved instanceof protobuf.Enum) return enumFromJSON(field, resolved, value);
  if (longTypes.has(field.type)) return longFromJSON(field, value);
  if (int32Types.has(field.type) || uint32Types.has(field.type)) return int32FromJSON(field, value);
  switch (field.type) {
    case 'double':
    case 'float':
      return floatFromJSON(field, value);
    case 'bool':
      if (typeof value !== 'boolean') throw fieldError(field, 'expected true or false');
      return value;
    case 'string':
      if (typeof value !== 'string') throw fieldError(field, 'expected a string');
      return value;
    case 'bytes':
      if (typeof value !== 'string') throw fieldError(field, 'expected a base64 string');
      // Buffer accepts both the standard and the URL-safe alphabet, as the spec asks.
      return new Uint8Array(Buffer.from(value, 'base64'));
    default:
      throw fieldError(field, `unsupported type ${field.type}`);
  }
}

function enumFromJSON(field: protobuf.Field, type: protobuf.Enum, value: unknown): unknown {
  if (value === null && type.fullName === '.google.protobuf.NullValue') return 'NULL_VALUE';
  if (typeof value === 'string' && value in type.values) return value;
  if (typeof value === 'number' && Number.isInteger(value)) return type.valuesById[value] ?? value;
  throw fieldError(field, `unknown enum value ${JSON.stringify(value)}`);
}

function longFromJSON(field: protobuf.Field, value: unknown): string {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw fieldError(field, `expected an integer (${field.type})`);
  const big = BigInt(text);
  const unsigned = field.type === 'uint64' || field.type === 'fixed64';
  const [min, max] = unsigned ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (big < min || big > max) throw fieldError(field, 'integer out of range');
  return big.toString();
}

function int32FromJSON(field: protobuf.Field, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw fieldError(field, `expected an integer (${field.type})`);
  const [min, max] = uint32Types.has(field.type) ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
  if (n < min || n > max) throw fieldError(field, 'integer out of range');
  return n;
}

function floatFromJSON(field: protobuf.Field, value: unknown): number {
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) throw fieldError(field, 'expected a number');
  return n;
}

// Well-known types with their own JSON forms. undefined means "not special".

function wktToJSON(type: protobuf.Type, m: JsonObject): unknown {
  switch (wkt(type)) {
    case 'Timestamp':
      return timestampToJSON(m);
    case 'Duration':
      return durationToJSON(m);
    case 'Struct':
      return structToJSON(type, m);
    case 'ListValue':
      return ((m.values as JsonObject[] | undefined) ?? []).map((v) => messageToJSON(type.lookupType('Value'), v));
    case 'Value':
      return valueMessageToJSON(type, m);
    case 'FieldMask':
      return ((m.paths as string[] | undefined) ?? []).map((p) => p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())).join(',');
    case 'Any':
      return anyToJSON(type, m);
    case 'DoubleValue':
    case 'FloatValue':
    case 'Int64Value':
    case 'UInt64Value':
    case 'Int32Value':
    case 'UInt32Value':
    case 'BoolValue':
    case 'StringValue':
    case 'BytesValue': {
      const field = type.fields.value as protobuf.Field;
      return valueToJSON(field, m.value ?? defaultScalar(field));
    }
    default:
      return undefined;
  }
}

function defaultScalar(field: protobuf.Field): unknown {
  if (longTypes.has(field.type)) return '0';
  if (field.type === 'bool') return false;
  if (field.type === 'string') return '';
  if (field.type === 'bytes') return new Uint8Array(0);
  return 0;
}

function wktFromJSON(type: protobuf.Type, json: unknown): JsonObject | undefined {
  switch (wkt(type)) {
    case 'Timestamp':
      return timestampFromJSON(json);
    case 'Duration':
      return durationFromJSON(json);
    case 'Struct':
      return structFromJSON(type, json);
    case 'ListValue':
      if (!Array.isArray(json)) throw new ProtoJsonError('google.protobuf.ListValue: expected a JSON array');
      return { values: json.map((v: unknown) => valueMessageFromJSON(type.lookupType('Value'), v)) };
    case 'Value':
      return valueMessageFromJSON(type, json);
    case 'FieldMask':
      if (typeof json !== 'string') throw new ProtoJsonError('google.protobuf.FieldMask: expected a string');
      return { paths: json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
    case 'Any':
      return anyFromJSON(type, json);
    case 'DoubleValue':
    case 'FloatValue':
    case 'Int64Value':
    case 'UInt64Value':
    case 'Int32Value':
    case 'UInt32Value':
    case 'BoolValue':
    case 'StringValue':
    case 'BytesValue':
      return { value: valueFromJSON(type.fields.value as protobuf.Field, json) };
    default:
      return undefined;
  }
}

const maxSeconds = 253402300799; // 9999-12-31T23:59:59Z
const minSeconds = -62135596800; // 0001-01-01T00:00:00Z

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

function timestampToJSON(m: JsonObject): string {
  const seconds = Number(m.seconds ?? 0);
  const nanos = Number(m.nanos ?? 0);
  if (seconds < minSeconds || seconds > maxSeconds || nanos < 0 || nanos > 999_999_999) {
    throw new ProtoJsonError('google.protobuf.Timestamp: out of range');
  }
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

function timestampFromJSON(json: unknown): JsonObject {
  const match =
    typeof json === 'string'
      ? /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(json)
      : null;
  if (match === null) throw new ProtoJsonError('google.protobuf.Timestamp: expected an RFC 3339 string');
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  const seconds = date.getTime() / 1000 - offset;
  if (seconds < minSeconds || seconds > maxSeconds) throw new ProtoJsonError('google.protobuf.Timestamp: out of range');
  return { seconds: String(seconds), nanos: Number((frac ?? '').padEnd(9, '0')) };
}

function durationToJSON(m: JsonObject): string {
  const seconds = BigInt(String(m.seconds ?? 0));
  const nanos = Number(m.nanos ?? 0);
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`;
}

function durationFromJSON(json: unknown): JsonObject {
  const match = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
  if (match === null) throw new ProtoJsonError('google.protobuf.Duration: expected a string like "1.5s"');
  const [, minus, secs, frac] = match;
  const sign = minus === undefined ? 1 : -1;
  const seconds = BigInt(secs ?? '0') * BigInt(sign);
  const nanos = Number((frac ?? '').padEnd(9, '0')) * sign;
  return { seconds: seconds.toString(), nanos: nanos === 0 ? 0 : nanos };
}

function structToJSON(type: protobuf.Type, m: JsonObject): JsonObject {
  const value = type.lookupType('Value');
  const out: JsonObject = {};
  for (const [k, v] of Object.entries((m.fields as JsonObject | undefined) ?? {})) out[k] = messageToJSON(value, v as JsonObject);
  return out;
}

function structFromJSON(type: protobuf.Type, json: unknown): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtoJsonError('google.protobuf.Struct: expected a JSON object');
  }
  const value = type.lookupType('Value');
  const fields: JsonObject = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueMessageFromJSON(value, v);
  return { fields };
}

function valueMessageToJSON(type: protobuf.Type, m: JsonObject): unknown {
  if (m.numberValue !== undefined && m.numberValue !== null) return m.numberValue;
  if (m.stringValue !== undefined && m.stringValue !== null) return m.stringValue;
  if (m.boolValue !== undefined && m.boolValue !== null) return m.boolValue;
  if (m.structValue) return structToJSON(type.lookupType('Struct'), m.structValue as JsonObject);
  if (m.listValue) return wktToJSON(type.lookupType('ListValue'), m.listValue as JsonObject);
  return null;
}

function valueMessageFromJSON(type: protobuf.Type, json: unknown): JsonObject {
  if (json === null) return { nullValue: 'NULL_VALUE' };
  if (typeof json === 'number') return { numberValue: json };
  if (typeof json === 'string') return { stringValue: json };
  if (typeof json === 'boolean') return { boolValue: json };
  if (Array.isArray(json)) return { listValue: wktFromJSON(type.lookupType('ListValue'), json) };
  if (typeof json === 'object') return { structValue: structFromJSON(type.lookupType('Struct'), json) };
  throw new ProtoJsonError('google.protobuf.Value: expected a JSON value');
}

function anyTarget(type: protobuf.Type, typeUrl: string): protobuf.Type {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const target = registry.get(name) ?? (type.root.lookup(name) as protobuf.ReflectionObject | null);
  if (!(target instanceof protobuf.Type)) {
    throw new ProtoJsonError(`google.protobuf.Any: type ${name} is not loaded; import its generated module`);
  }
  return target;
}

function anyToJSON(type: protobuf.Type, m: JsonObject): JsonObject {
  const typeUrl = m.type_url;
  if (typeof typeUrl !== 'string' || typeUrl === '') return {};
  const target = anyTarget(type, typeUrl);
  const inner = decodeMessage(target, (m.value as Uint8Array | undefined) ?? new Uint8Array(0));
  const json = messageToJSON(target, inner);
  if (wkt(target) !== undefined) return { '@type': typeUrl, value: json };
  return { '@type': typeUrl, ...(json as JsonObject) };
}

function anyFromJSON(type: protobuf.Type, json: unknown): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtoJsonError('google.protobuf.Any: expected a JSON object');
  }
  const { '@type': typeUrl, ...rest } = json as JsonObject;
  if (typeUrl === undefined && Object.keys(rest).length === 0) return {};
  if (typeof typeUrl !== 'string') throw new ProtoJsonError('google.protobuf.Any: missing "@type"');
  const target = anyTarget(type, typeUrl);
  const inner = wkt(target) !== undefined ? messageFromJSON(target, rest.value) : messageFromJSON(target, rest);
  return { type_url: typeUrl, value: encodeMessage(target, inner) };
}
