import protobuf from 'protobufjs';
import { type LoadedProto, protoFromRoot } from '../load-proto.js';
import { registerRootDescriptors } from './register-root-descriptors.js';

/**
 * embeddedProto loads a .proto kept as text in the code (the standard
 * health and reflection protos), so it needs no file next to the compiled
 * output. Its file descriptor is registered under fileName for reflection.
 */
export function embeddedProto(fileName: string, source: string): LoadedProto {
  registerRootDescriptors(parse(fileName, source, true));
  return protoFromRoot(parse(fileName, source, false), fileName);
}

function parse(fileName: string, source: string, keepCase: boolean): protobuf.Root {
  const root = protobuf.parse(source, new protobuf.Root(), { keepCase }).root;
  root.resolveAll();
  const mark = (ns: protobuf.NamespaceBase): void => {
    for (const object of ns.nestedArray) {
      object.filename = fileName;
      if (object instanceof protobuf.Namespace) mark(object);
    }
  };
  mark(root);
  return root;
}
