import { fileDescriptorsFromRoot } from '@tsmicro/core/codegen';
import { rootAsWritten, type LoadedProtos } from './load-proto.js';

/**
 * ServiceDescriptors gives, for a .proto file, the base64
 * FileDescriptorProtos server reflection needs for its services: the file
 * itself first, then every file it imports, directly or not.
 */
export type ServiceDescriptors = (fileName: string) => readonly string[];

/**
 * serviceDescriptors builds the FileDescriptorProtos of every loaded file at
 * once, from the files parsed again as written, so field names stay
 * snake_case and json_name is derived from them as protoc derives it.
 */
export function serviceDescriptors(protos: LoadedProtos): ServiceDescriptors {
  const files = new Map(fileDescriptorsFromRoot(rootAsWritten(protos)).map((f) => [f.name, f]));
  return (fileName) => {
    const closure = new Set<string>();
    const add = (name: string): void => {
      if (closure.has(name)) return;
      closure.add(name);
      for (const dep of files.get(name)?.dependencies ?? []) add(dep);
    };
    add(fileName);
    return [...closure].flatMap((name) => {
      const file = files.get(name);
      return file === undefined ? [] : [Buffer.from(file.bytes).toString('base64')];
    });
  };
}
