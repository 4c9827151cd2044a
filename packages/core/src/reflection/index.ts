// Server reflection: the service, and the registry of file descriptors it serves.
export { reflectionService } from './reflection-service.js';
export type { ServiceRegistration } from './reflection-service.js';
export { registerFileDescriptors, lookupFileDescriptors } from './descriptor-registry.js';
export { fileDescriptorsFromRoot } from './file-descriptors.js';
export type { FileDescriptorFile } from './file-descriptors.js';
export { ReflectionV1Definition, ReflectionV1AlphaDefinition } from './reflection-proto.js';
export type { ServerReflectionRequest, ServerReflectionResponse } from './reflection-proto.js';
