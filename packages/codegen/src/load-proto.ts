import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import protobuf from 'protobufjs';
import { locate, ProtoError } from './proto-error.js';

/** ProtoFile is one loaded .proto file. */
export interface ProtoFile {
  /** Path as imports name it, relative to its include dir, with "/" separators ("greeter.proto"). */
  readonly name: string;
  /** Source text; empty for well-known types that come pre-parsed with protobufjs. */
  readonly source: string;
  readonly package: string;
  /** Names of the files it imports. */
  readonly imports: readonly string[];
  /** True for google/protobuf files bundled with protobufjs. */
  readonly wellKnown: boolean;
}

/** LoadedProtos is a resolved protobufjs Root and the files that built it. */
export interface LoadedProtos {
  readonly root: protobuf.Root;
  readonly files: ReadonlyMap<string, ProtoFile>;
  /** Names of the files asked for, in the order given. */
  readonly targets: readonly string[];
}

// protobufjs ships these pre-parsed; they resolve without the user supplying them.
const bundled = protobuf.common as unknown as Record<string, protobuf.INamespace | undefined>;

/**
 * loadProtos parses paths and everything they import, searching includeDirs
 * (or each file's own directory when none are given), and resolves every type.
 * It throws ProtoError naming file:line:column for any problem.
 */
export function loadProtos(paths: readonly string[], includeDirs: readonly string[]): LoadedProtos {
  const includes = includeDirs.map((d) => resolve(d));
  const root = new protobuf.Root();
  const files = new Map<string, ProtoFile>();
  const targets: string[] = [];

  const load = (name: string, absolute: string | undefined, importedFrom?: { file: ProtoFile; spec: string }): void => {
    if (files.has(name)) return;
    const common = bundled[name];
    if (absolute === undefined && common !== undefined && name.startsWith('google/protobuf/')) {
      root.addJSON(common.nested ?? {});
      tagFilename(root, name);
      files.set(name, { name, source: '', package: 'google.protobuf', imports: [], wellKnown: true });
      return;
    }
    const path = absolute ?? includes.map((dir) => resolve(dir, name)).find((p) => existsSync(p));
    if (path === undefined) {
      const at = importedFrom ? locate(importedFrom.file.source, `"${importedFrom.spec}"`) : { line: 1, column: 1 };
      throw new ProtoError(importedFrom?.file.name ?? name, at.line, at.column, `import "${name}" not found in the include dirs`);
    }
    const source = readFileSync(path, 'utf8');
    const parsed = parseSource(name, source, root);
    const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
    const file: ProtoFile = { name, source, package: parsed.package ?? '', imports, wellKnown: false };
    files.set(name, file);
    for (const spec of imports) load(spec, undefined, { file, spec });
  };

  for (const p of paths) {
    const absolute = resolve(p);
    let dir = includes.find((d) => absolute.startsWith(d + sep));
    if (dir === undefined) {
      dir = dirname(absolute);
      includes.push(dir);
    }
    const name = relative(dir, absolute).split(sep).join('/');
    if (!existsSync(absolute)) throw new ProtoError(name, 1, 1, 'file not found');
    if (!targets.includes(name)) targets.push(name);
    load(name, absolute);
  }
  resolveTypes(root, files);
  return { root, files, targets };
}

// protobufjs records the file being parsed in this static, undeclared in its types.
const parser = protobuf.parse as typeof protobuf.parse & { filename: string | null };

function parseSource(name: string, source: string, root: protobuf.Root, keepCase = false): protobuf.IParserResult {
  parser.filename = name;
  try {
    return protobuf.parse(source, root, { keepCase, alternateCommentMode: true });
  } catch (err) {
    throw syntaxError(name, source, err);
  } finally {
    parser.filename = null;
  }
}

/**
 * rootAsWritten parses the loaded files once more into a Root that keeps field
 * names as written (snake_case), as file descriptors must carry them; the
 * Root loadProtos returns has them in lowerCamelCase for the generated code.
 */
export function rootAsWritten(protos: LoadedProtos): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of protos.files.values()) {
    if (file.wellKnown) {
      root.addJSON(fieldsAsWritten(bundled[file.name]?.nested ?? {}));
      tagFilename(root, file.name);
    } else {
      parseSource(file.name, file.source, root, true);
    }
  }
  root.resolveAll();
  return root;
}

// protobufjs bundles struct.proto's Value with camelCase field names
// ("nullValue"); every well-known field is snake_case in its .proto, so the
// names convert back exactly.
function fieldsAsWritten(nested: Record<string, protobuf.AnyNestedObject>): Record<string, protobuf.AnyNestedObject> {
  const out: Record<string, protobuf.AnyNestedObject> = {};
  for (const [name, object] of Object.entries(nested)) {
    const copy: Record<string, unknown> = { ...object };
    if ('fields' in object && object.fields !== undefined) {
      copy.fields = Object.fromEntries(Object.entries(object.fields).map(([field, value]) => [snakeCase(field), value]));
    }
    if ('oneofs' in object && object.oneofs !== undefined) {
      copy.oneofs = Object.fromEntries(
        Object.entries(object.oneofs).map(([oneof, value]) => [oneof, { ...value, oneof: value.oneof.map(snakeCase) }]),
      );
    }
    if ('nested' in object && object.nested !== undefined) copy.nested = fieldsAsWritten(object.nested);
    out[name] = copy as protobuf.AnyNestedObject;
  }
  return out;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// protobufjs reports "illegal token 'x' (file, line 3)" without a column;
// the column is that of the token on the reported line.
function syntaxError(name: string, source: string, err: unknown): ProtoError {
  const message = err instanceof Error ? err.message : String(err);
  const line = /line (\d+)\)?$/.exec(message);
  const token = /'([^']*)'/.exec(message);
  const detail = message.replace(/\s*\([^()]*line \d+\)$/, '');
  if (line !== null) {
    const lineNo = Number(line[1]);
    const text = source.split('\n')[lineNo - 1] ?? '';
    const col = token?.[1] ? text.indexOf(token[1]) : -1;
    return new ProtoError(name, lineNo, col >= 0 ? col + 1 : 1, detail, { cause: err });
  }
  const at = token?.[1] ? locate(source, token[1]) : { line: 1, column: 1 };
  return new ProtoError(name, at.line, at.column, detail, { cause: err });
}

// Bundled JSON carries no file name; mark what it just added.
function tagFilename(ns: protobuf.NamespaceBase, name: string): void {
  for (const object of ns.nestedArray) {
    if (object instanceof protobuf.Type || object instanceof protobuf.Enum || object instanceof protobuf.Service) {
      object.filename ??= name;
    }
    if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) tagFilename(object, name);
  }
}

// Resolves field and method types one by one so an unknown type is reported
// where it is used, not as protobufjs's location-less message.
function resolveTypes(root: protobuf.Root, files: ReadonlyMap<string, ProtoFile>): void {
  const fail = (object: protobuf.ReflectionObject, typeName: string, err: unknown): never => {
    const fileName = object.filename ?? object.parent?.filename ?? '';
    const source = files.get(fileName)?.source ?? '';
    const at = locate(source, typeName);
    throw new ProtoError(fileName || '<unknown>', at.line, at.column, `unknown type "${typeName}"`, { cause: err });
  };
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const object of ns.nestedArray) {
      if (object instanceof protobuf.Type) {
        for (const field of object.fieldsArray) {
          try {
            field.resolve();
          } catch (err) {
            fail(field, field.type, err);
          }
        }
      }
      if (object instanceof protobuf.Service) {
        for (const method of object.methodsArray) {
          for (const typeName of [method.requestType, method.responseType]) {
            if (object.lookup(typeName, [protobuf.Type]) === null) {
              fail(method, typeName, undefined);
            }
          }
        }
      }
      if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) visit(object);
    }
  };
  visit(root);
  try {
    root.resolveAll();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ProtoError([...files.keys()][0] ?? '<unknown>', 1, 1, message, { cause: err });
  }
}
