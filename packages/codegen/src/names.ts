import { posix } from 'node:path';
import protobuf from 'protobufjs';

// Words that cannot name a type, const or function in TypeScript, plus the
// primitive type names that cannot name an interface.
const reserved = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await async of type ' +
    'any boolean number string symbol bigint never unknown object undefined arguments eval constructor'
  ).split(' '),
);

/** safeIdentifier escapes a name that TypeScript reserves by appending "$" (proto names never contain "$"). */
export function safeIdentifier(name: string): string {
  return reserved.has(name) ? `${name}$` : name;
}

/** typeIdentifier names a message or enum in its file: nested types join with "_" (Outer_Inner). */
export function typeIdentifier(type: protobuf.ReflectionObject): string {
  const parts = [type.name];
  for (let parent = type.parent; parent instanceof protobuf.Type; parent = parent.parent) parts.unshift(parent.name);
  return safeIdentifier(parts.join('_'));
}

/** protoName is a full name without protobufjs's leading dot ("greeter.HelloRequest"). */
export function protoName(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

/** localMethodName is the stub and handler method name of an rpc: lower camel case (SayHello → sayHello). */
export function localMethodName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** outputPath is the generated file's path for a .proto path (a/b.proto → a/b.ts). */
export function outputPath(protoPath: string): string {
  return `${protoPath.replace(/\.proto$/, '')}.ts`;
}

/** importPath is the ESM specifier from one generated file to another (both paths relative to the output root). */
export function importPath(fromFile: string, toFile: string): string {
  const rel = posix.relative(posix.dirname(fromFile), toFile).replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** isIdentifier tells whether a property name can be written without quotes. */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name);
}
