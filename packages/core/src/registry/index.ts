// Service discovery: the Registry contract and the in-process registry.
export type {
  EndpointRecord,
  Node,
  RegisterOptions,
  Registry,
  ServiceRecord,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  Watcher,
} from './registry.js';
export { createMemoryRegistry, defaultMemoryRegistry, MemoryRegistry } from './memory-registry.js';
export { isRegistryError, RegistryError } from './registry-error.js';

// For registry authors.
export { QueueWatcher, WatcherStoppedError } from './queue-watcher.js';
export { cloneNode, cloneServiceRecord, validateServiceRecord } from './service-record.js';
