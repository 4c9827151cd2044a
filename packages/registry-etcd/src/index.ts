// Public API of @tsmicro/registry-etcd.
export { createEtcdRegistry, EtcdRegistry } from './etcd-registry.js';
export type { EtcdRegistryOptions } from './etcd-registry.js';
export type { BackoffOptions } from './backoff.js';
