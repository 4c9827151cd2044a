import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { LoadedProto } from '@tsmicro/core';
import { fileDescriptorsFromRoot, protoFromRoot, protoRoot } from '@tsmicro/core/codegen';
import { DescriptorSet } from './descriptor-set.js';
import type { ReflectionClient } from './reflection-client.js';

/** Schema is what the CLI knows of a service's types: runtime definitions and the descriptors to describe them. */
export interface Schema {
  readonly proto: LoadedProto;
  readonly descriptors: DescriptorSet;
}

/** schemaFromDescriptors builds a Schema from serialized FileDescriptorProtos. */
export function schemaFromDescriptors(files: readonly Uint8Array[], label: string): Schema {
  const descriptors = new DescriptorSet(files);
  return { descriptors, proto: protoFromRoot(descriptors.root(), label) };
}

/** schemaFromReflection asks the server for the file that declares a symbol, and its imports. */
export async function schemaFromReflection(reflection: ReflectionClient, symbol: string): Promise<Schema> {
  return schemaFromDescriptors(await reflection.filesContaining(symbol), `the server's reflection of ${symbol}`);
}

/**
 * schemaFromProtoFiles reads local .proto files, for servers with reflection
 * off; they go through the same descriptors reflection would give.
 */
export function schemaFromProtoFiles(files: readonly string[], includeDirs: readonly string[]): Schema {
  const root = protoRoot(includeDirs);
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  const bases = [...includeDirs, ...files.map((f) => dirname(f))].map((d) => resolve(d));
  const nameOf = (filename: string) => {
    for (const base of bases) {
      const rel = relative(base, resolve(filename));
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
    }
    return filename;
  };
  return schemaFromDescriptors(
    fileDescriptorsFromRoot(root, nameOf).map((f) => f.bytes),
    files.join(', '),
  );
}
