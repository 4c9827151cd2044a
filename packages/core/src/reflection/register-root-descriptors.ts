import type protobuf from 'protobufjs';
import { registerFileDescriptors } from './descriptor-registry.js';
import { fileDescriptorsFromRoot } from './file-descriptors.js';

/**
 * registerRootDescriptors registers, for every service in a keepCase
 * protobufjs Root, its file and the files it imports (see
 * registerFileDescriptors). nameOf maps a loaded file's path to its import name.
 */
export function registerRootDescriptors(root: protobuf.Root, nameOf?: (filename: string) => string): void {
  const files = fileDescriptorsFromRoot(root, nameOf);
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const file of files) {
    if (file.services.length === 0) continue;
    const closure = new Set<string>();
    const add = (name: string): void => {
      if (closure.has(name)) return;
      closure.add(name);
      for (const dep of byName.get(name)?.dependencies ?? []) add(dep);
    };
    add(file.name);
    const bytes = [...closure].flatMap((name) => {
      const found = byName.get(name);
      return found ? [found.bytes] : [];
    });
    for (const service of file.services) registerFileDescriptors(service, bytes);
  }
}
