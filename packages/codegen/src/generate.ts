import { generateFile, importClosure } from './generate-file.js';
import { loadProtos } from './load-proto.js';
import { outputPath } from './names.js';
import { serviceDescriptors } from './service-descriptors.js';

/** GenerateOptions tune generate. */
export interface GenerateOptions {
  /** Directories searched for imports ("-I"); when empty, each file's own directory. */
  readonly includeDirs?: readonly string[];
}

/**
 * generate turns .proto files into TypeScript modules, keyed by output path
 * relative to the output directory ("greeter.ts", "google/protobuf/timestamp.ts"),
 * sorted by path. Well-known types that the files
 * import are generated too. Throws ProtoError on a bad .proto; nothing is
 * returned in part.
 */
export function generate(files: readonly string[], options: GenerateOptions = {}): Map<string, string> {
  const protos = loadProtos(files, options.includeDirs ?? []);
  const names = new Set<string>();
  for (const target of protos.targets) {
    names.add(target);
    for (const dep of importClosure(protos, target)) if (protos.files.get(dep)?.wellKnown) names.add(dep);
  }
  const descriptors = serviceDescriptors(protos);
  const out = new Map<string, string>();
  for (const name of [...names].sort()) {
    const file = protos.files.get(name);
    if (file !== undefined) out.set(outputPath(name), generateFile(protos, file, descriptors));
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
