import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRegistry, defaultMemoryRegistry } from './memory-registry.js';
import { RegistryError } from './registry-error.js';
import { describeRegistry, nodeOf, serviceOf } from '../testing/registry-suite.js';

describeRegistry('memory', {
  create: async () => createMemoryRegistry(),
  // Nothing renews a memory registration but register() itself.
  abandon: async (registry) => registry,
  ttlMs: 300,
});

describe('MemoryRegistry', () => {
  const registry = createMemoryRegistry();
  afterEach(() => registry.close());

  it('rejects calls with a RegistryError once closed', async () => {
    await registry.close();
    await expect(registry.register(serviceOf('late', [nodeOf('l1', 1)]))).rejects.toThrow(RegistryError);
    expect(() => registry.watch()).toThrow(/closed/);
  });

  it('ends open watchers when closed', async () => {
    const own = createMemoryRegistry();
    const watcher = own.watch();
    await own.close();
    await expect(watcher.next()).rejects.toThrow(/stopped/);
    expect(watcher.stopped).toBe(true);
  });
});

describe('defaultMemoryRegistry', () => {
  it('returns the same registry to every caller in the process', () => {
    expect(defaultMemoryRegistry()).toBe(defaultMemoryRegistry());
  });
});
