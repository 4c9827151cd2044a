import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRegistry } from '../registry/memory-registry.js';
import type { Node } from '../registry/registry.js';
import { createSelector, type RegistrySelector } from './registry-selector.js';
import { ServiceNotFoundError } from './service-not-found-error.js';

const node = (id: string): Node => ({ id, address: `${id}:1`, metadata: {} });

let selector: RegistrySelector | undefined;
afterEach(() => {
  selector?.close();
  selector = undefined;
});

async function selectorOver(nodes: Node[]): Promise<{ selector: RegistrySelector; registry: ReturnType<typeof createMemoryRegistry> }> {
  const registry = createMemoryRegistry();
  await registry.register({ name: 'greeter', version: '1', metadata: {}, endpoints: [], nodes });
  selector = createSelector({ registry, strategy: () => (list) => list[0] as Node });
  return { selector, registry };
}

// Lets the selector's watch apply a registry event.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('RegistrySelector.selectNow', () => {
  it('has no answer before the nodes are cached, then answers as select() does, with no promise', async () => {
    const { selector } = await selectorOver([node('a'), node('b')]);
    expect(selector.selectNow('greeter')).toBeUndefined();
    const next = await selector.select('greeter');
    const now = selector.selectNow('greeter');
    expect(now?.().id).toBe(next().id);
    selector.mark(node('a'), new Error('down'));
    expect(now?.().id).toBe('b');
  });

  it('throws ServiceNotFoundError at once when no cached node fits the version or filter', async () => {
    const { selector } = await selectorOver([node('a')]);
    await selector.select('greeter');
    expect(() => selector.selectNow('greeter', { version: '2' })).toThrow(ServiceNotFoundError);
    expect(() => selector.selectNow('greeter', { filter: () => false })).toThrow(/none of its 1 nodes match/);
  });

  it('follows the registry: a deregistered service has no cached answer', async () => {
    const { selector, registry } = await selectorOver([node('a')]);
    await selector.select('greeter');
    await registry.deregister({ name: 'greeter', version: '1', metadata: {}, endpoints: [], nodes: [node('a')] });
    await settle();
    expect(selector.selectNow('greeter')).toBeUndefined();
    await expect(selector.select('greeter')).rejects.toThrow(ServiceNotFoundError);
  });

  it('throws once the selector is closed', async () => {
    const { selector } = await selectorOver([node('a')]);
    await selector.select('greeter');
    selector.close();
    expect(() => selector.selectNow('greeter')).toThrow('selector is closed');
  });
});
