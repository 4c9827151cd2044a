import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import protobuf from 'protobufjs';
import type { MessageType, MethodDefinition, MethodKind, ServiceDefinition } from './definition.js';
import { messageFromJSON } from './generated-runtime.js';
import { checkMessage, checkedEncoder, checkedLaterEncoder } from './message-check.js';
import { plainObjectConverter } from './proto-object.js';
import { readerOf } from './proto-reader.js';
import { registerDefinition } from './definition-registry.js';
import { registerRootDescriptors } from './reflection/register-root-descriptors.js';

/** ProtoLoadError says a .proto file could not be loaded, naming the file. */
export class ProtoLoadError extends Error {
  override readonly name = 'ProtoLoadError';
}

/** LoadedProto is what loadProto found: services by full name and a message lookup. */
export interface LoadedProto {
  readonly services: ReadonlyMap<string, ServiceDefinition>;
  /** service returns a definition by full name, or throws naming what exists. */
  service(typeName: string): ServiceDefinition;
  /** message returns a message type by full name. */
  message<T = Record<string, unknown>>(typeName: string): MessageType<T>;
}

// Plain objects with every field present (proto3 has no "unset" for scalars),
// int64 as decimal strings (no precision loss), enums by name.
const toObjectOptions: protobuf.IConversionOptions = { defaults: true, longs: String, enums: String, oneofs: true };
const toJsonOptions: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

/**
 * loadProto reads .proto files at run time with protobufjs and registers their
 * services, for code that does not use generated stubs. Field names become
 * lowerCamelCase, as in proto3 JSON and generated code. Their file
 * descriptors are registered too, for server reflection.
 */
export function loadProto(files: string | readonly string[], options: { includeDirs?: readonly string[] } = {}): LoadedProto {
  const includeDirs = options.includeDirs ?? [];
  const root = protoRoot(includeDirs);
  const list = typeof files === 'string' ? [files] : files;
  try {
    root.loadSync([...list], { keepCase: false });
    root.resolveAll();
  } catch (err) {
    throw new ProtoLoadError(`cannot load ${list.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  registerDescriptors(list, includeDirs);
  const loaded = protoFromRoot(root, list.join(', '));
  for (const definition of loaded.services.values()) registerDefinition(definition);
  return loaded;
}

/**
 * protoFromRoot builds service definitions and message types from a resolved
 * protobufjs Root (loaded with camelCase field names), registering nothing;
 * for protos that arrive other than as files, e.g. through server reflection.
 * label names the source in errors.
 */
export function protoFromRoot(root: protobuf.Root, label: string): LoadedProto {
  const messages = new Map<string, MessageType<unknown>>();
  const message = <T>(typeName: string): MessageType<T> => {
    let type = messages.get(typeName);
    if (!type) {
      type = messageTypeOf(root.lookupType(typeName));
      messages.set(typeName, type);
    }
    return type as MessageType<T>;
  };
  const services = new Map<string, ServiceDefinition>();
  for (const svc of allServices(root)) {
    const definition = serviceDefinitionOf(svc, message);
    services.set(definition.typeName, definition);
  }
  return {
    services,
    message,
    service(typeName) {
      const found = services.get(typeName);
      if (!found) {
        throw new ProtoLoadError(`service ${typeName} is not in ${label} (found: ${[...services.keys()].join(', ')})`);
      }
      return found;
    },
  };
}

// Server reflection serves the files as written (snake_case field names), so
// they are parsed once more with keepCase. A file protobufjs cannot describe
// only costs reflection that service; loading itself must not fail for it.
function registerDescriptors(list: readonly string[], includeDirs: readonly string[]): void {
  try {
    const root = protoRoot(includeDirs);
    root.loadSync([...list], { keepCase: true });
    root.resolveAll();
    const bases = [...includeDirs, ...list.map((f) => dirname(f))].map((d) => resolve(d));
    registerRootDescriptors(root, (filename) => importName(filename, bases));
  } catch {
    // reflection answers NOT_FOUND for these services
  }
}

function importName(filename: string, bases: readonly string[]): string {
  const absolute = resolve(filename);
  for (const base of bases) {
    const rel = relative(base, absolute);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return filename;
}

/**
 * protoRoot is an empty protobufjs Root whose imports resolve under
 * includeDirs first (as protoc's -I), then beside the importing file.
 */
export function protoRoot(includeDirs: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  return root;
}

function messageTypeOf<T>(type: protobuf.Type): MessageType<T> {
  const toPlain = plainObjectConverter(type, toObjectOptions);
  return {
    typeName: type.fullName.replace(/^\./, ''),
    encode: checkedEncoder(type),
    encodeLater: checkedLaterEncoder(type),
    decode: (bytes) => toPlain(type.decode(bytes)) as T,
    decodeIn: (bytes, start, end) => toPlain(type.decode(readerOf(bytes, start, end))) as T,
    toJSON: (m) => {
      checkMessage(type, m);
      return type.toObject(type.fromObject(m as Record<string, unknown>), toJsonOptions);
    },
    // The same strict reading as generated types, then every field present, as decode gives.
    fromJSON: (json) => type.toObject(type.fromObject(messageFromJSON(type, json)), toObjectOptions) as T,
  };
}

function serviceDefinitionOf(svc: protobuf.Service, message: <T>(n: string) => MessageType<T>): ServiceDefinition {
  const typeName = svc.fullName.replace(/^\./, '');
  const methods: Record<string, MethodDefinition> = {};
  for (const m of svc.methodsArray) {
    m.resolve();
    const localName = m.name.charAt(0).toLowerCase() + m.name.slice(1);
    const kind: MethodKind = m.requestStream
      ? m.responseStream
        ? 'bidi_streaming'
        : 'client_streaming'
      : m.responseStream
        ? 'server_streaming'
        : 'unary';
    const idempotency = m.options?.idempotency_level;
    methods[localName] = {
      name: m.name,
      localName,
      path: `/${typeName}/${m.name}`,
      kind,
      requestType: message(m.resolvedRequestType?.fullName.replace(/^\./, '') ?? m.requestType),
      responseType: message(m.resolvedResponseType?.fullName.replace(/^\./, '') ?? m.responseType),
      idempotent: idempotency === 'IDEMPOTENT' || idempotency === 'NO_SIDE_EFFECTS',
    };
  }
  return { typeName, methods };
}

function* allServices(ns: protobuf.NamespaceBase): Generator<protobuf.Service> {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Service) yield nested;
    else if (nested instanceof protobuf.Namespace) yield* allServices(nested);
  }
}
