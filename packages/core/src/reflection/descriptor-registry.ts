// Serialized FileDescriptorProtos known to this process, by full service name.
// loadProto() and generated code add theirs; server reflection reads them.
const known = new Map<string, readonly Uint8Array[]>();

/**
 * registerFileDescriptors records the FileDescriptorProtos a service needs:
 * the file declaring it and every file that file imports, directly or not.
 * Each entry is the serialized google.protobuf.FileDescriptorProto, as bytes
 * or as base64 (what generated code embeds). A later call for the same
 * service replaces the earlier one.
 */
export function registerFileDescriptors(serviceName: string, files: readonly (Uint8Array | string)[]): void {
  known.set(
    serviceName,
    files.map((f) => (typeof f === 'string' ? new Uint8Array(Buffer.from(f, 'base64')) : f)),
  );
}

/** lookupFileDescriptors returns what registerFileDescriptors recorded for a service, if anything. */
export function lookupFileDescriptors(serviceName: string): readonly Uint8Array[] | undefined {
  return known.get(serviceName);
}
