import type { ResolvedConfig } from './config/index.js';
import type { Logger } from './logger/logger.js';
import { defaultMemoryRegistry } from './registry/memory-registry.js';
import type { Registry } from './registry/registry.js';
import { RegistryError } from './registry/registry-error.js';
import { importOptional } from './optional-package.js';

/** etcdRegistryPackage is the package MICRO_REGISTRY=etcd loads at start. */
export const etcdRegistryPackage = '@tsmicro/registry-etcd';

// The shape of @tsmicro/registry-etcd this loader relies on; core does not
// depend on it at build time, so dependencies keep flowing one way.
interface EtcdRegistryModule {
  createEtcdRegistry(options: { address?: readonly string[]; ttlMs?: number; logger?: Logger }): Registry & {
    ready(): Promise<void>;
  };
}

/** LoadedRegistry is a registry and whether the service made it (and so must close it). */
export interface LoadedRegistry {
  readonly registry: Registry;
  readonly owned: boolean;
}

/**
 * loadRegistry makes the registry the configuration names. etcd comes from
 * its own package, imported only when asked for, and is checked reachable
 * here so that a wrong address stops start-up with an error naming it.
 */
export async function loadRegistry(config: ResolvedConfig, logger?: Logger): Promise<LoadedRegistry> {
  if (config.registry.kind === 'memory') return { registry: defaultMemoryRegistry(), owned: false };
  const module = await importOptional<EtcdRegistryModule>(
    etcdRegistryPackage,
    (cause) =>
      new RegistryError(
        `registry "etcd" (MICRO_REGISTRY / registry.kind) needs the package ${etcdRegistryPackage}: install it, or pass registryInstance`,
        { cause },
      ),
  );
  const address = config.registry.address;
  const registry = module.createEtcdRegistry({
    ...(address.length > 0 ? { address } : {}),
    ttlMs: config.registry.ttlMs,
    ...(logger ? { logger } : {}),
  });
  try {
    await registry.ready();
  } catch (err) {
    await registry.close().catch(() => {});
    const where = address.length > 0 ? address.join(',') : 'its default 127.0.0.1:2379';
    throw new RegistryError(
      `cannot reach the etcd registry at ${where} (MICRO_REGISTRY_ADDRESS / registry.address): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return { registry, owned: true };
}
