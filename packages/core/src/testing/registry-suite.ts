import { afterEach, describe, expect, it } from 'vitest';
import { createSelector, type SelectorOptions } from '../selector/registry-selector.js';
import type { Selector } from '../selector/selector.js';
import { ServiceNotFoundError } from '../selector/service-not-found-error.js';
import { random, roundRobin } from '../selector/strategies.js';
import type { Node, Registry, ServiceRecord, WatchEvent, Watcher } from '../registry/registry.js';
import { RegistryError } from '../registry/registry-error.js';

/** RegistryHarness is what describeRegistry needs to know about one implementation. */
export interface RegistryHarness {
  /** create returns an open registry on an empty namespace. */
  create(): Promise<Registry>;
  /**
   * abandon makes `registry` stop renewing its nodes, as if its process had
   * died, and returns a registry that sees the same namespace.
   */
  abandon(registry: Registry): Promise<Registry>;
  /** TTL the expiry tests register with; short, but at least what the backend supports. */
  readonly ttlMs: number;
}

/** sleep waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** eventually retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(stepMs);
    }
  }
}

/** nextEvent resolves the watcher's next event, failing the test after `timeoutMs`. */
export async function nextEvent(watcher: Watcher, timeoutMs = 10_000): Promise<WatchEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no watch event within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([watcher.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** nodeOf builds a test node. */
export function nodeOf(id: string, port: number): Node {
  return { id, address: `127.0.0.1:${port}`, metadata: { transport: 'grpc', codec: 'proto' } };
}

/** serviceOf builds a test service record. */
export function serviceOf(name: string, nodes: Node[], version = '1.0.0'): ServiceRecord {
  return {
    name,
    version,
    metadata: { owner: 'tests' },
    endpoints: [{ name: 'Greeter.SayHello', request: 'greeter.HelloRequest', response: 'greeter.HelloReply', metadata: {} }],
    nodes,
  };
}

const ids = (records: readonly ServiceRecord[]): string[] =>
  records.flatMap((r) => r.nodes.map((n) => n.id)).sort();

function count(picks: readonly Node[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of picks) counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
  return counts;
}

/**
 * describeRegistry runs the registry and selector behaviour every Registry
 * implementation must show, so the memory and etcd registries are held to
 * the same test.
 */
export function describeRegistry(name: string, harness: RegistryHarness): void {
  describe(`Registry contract: ${name}`, () => {
    const open: Array<{ close(): unknown }> = [];
    const create = async (): Promise<Registry> => {
      const registry = await harness.create();
      open.push(registry);
      return registry;
    };
    const selectorOf = (registry: Registry, options: Omit<SelectorOptions, 'registry'> = {}): Selector => {
      const selector = createSelector({ registry, ...options });
      open.push(selector);
      return selector;
    };

    afterEach(async () => {
      for (const item of open.splice(0).reverse()) await item.close();
    });

    it('returns registered nodes grouped by version, lists them, and forgets deregistered ones', async () => {
      const registry = await create();
      await registry.register(serviceOf('greeter', [nodeOf('g1', 1001), nodeOf('g2', 1002)]));
      await registry.register(serviceOf('greeter', [nodeOf('g3', 1003)], '2.0.0'));
      await registry.register(serviceOf('billing', [nodeOf('b1', 2001)]));

      // Read-your-writes: a lookup right after register() must see the nodes.
      const records = await registry.getService('greeter');
      expect(ids(records)).toEqual(['g1', 'g2', 'g3']);
      expect(records.map((r) => r.version).sort()).toEqual(['1.0.0', '2.0.0']);
      const v1 = records.find((r) => r.version === '1.0.0');
      expect(v1?.metadata).toEqual({ owner: 'tests' });
      expect(v1?.endpoints[0]?.name).toBe('Greeter.SayHello');
      expect(v1?.nodes.find((n) => n.id === 'g1')).toEqual(nodeOf('g1', 1001));
      const listed = await registry.listServices();
      expect([...new Set(listed.map((r) => r.name))].sort()).toEqual(['billing', 'greeter']);

      await registry.deregister(serviceOf('greeter', [nodeOf('g1', 1001)]));
      expect(ids(await registry.getService('greeter'))).toEqual(['g2', 'g3']);
      await registry.deregister(serviceOf('greeter', [nodeOf('g2', 1002)]));
      await registry.deregister(serviceOf('greeter', [nodeOf('g3', 1003)], '2.0.0'));
      expect(await registry.getService('greeter')).toEqual([]);
      expect(await registry.getService('nobody')).toEqual([]);
    });

    it('hands out copies that callers cannot use to change the registry', async () => {
      const registry = await create();
      await registry.register(serviceOf('copies', [nodeOf('c1', 1001)]));
      const [first] = await eventually(async () => {
        const records = await registry.getService('copies');
        expect(records).toHaveLength(1);
        return records;
      });
      (first?.nodes[0]?.metadata as Record<string, string>).transport = 'tcp';
      const [again] = await registry.getService('copies');
      expect(again?.nodes[0]?.metadata.transport).toBe('grpc');
    });

    it('rejects a node without a host:port address with a RegistryError naming it', async () => {
      const registry = await create();
      const bad = serviceOf('bad', [{ id: 'n1', address: 'nowhere', metadata: {} }]);
      await expect(registry.register(bad)).rejects.toThrow(RegistryError);
      await expect(registry.register(bad)).rejects.toThrow(/n1.*nowhere/);
    });

    it('drops a node within its TTL once its process stops renewing it', async () => {
      const registry = await create();
      await registry.register(serviceOf('mortal', [nodeOf('m1', 1001)]), { ttlMs: harness.ttlMs });
      const observer = await harness.abandon(registry);
      if (observer !== registry) open.push(observer);
      const watcher = observer.watch({ service: 'mortal' });
      const started = Date.now();
      await eventually(async () => expect(ids(await observer.getService('mortal'))).toEqual([]), harness.ttlMs * 4);
      // Generous bound: the node must go within its TTL plus the backend's sweep slack.
      expect(Date.now() - started).toBeLessThan(harness.ttlMs * 4);
      const event = await nextEvent(watcher);
      expect(event.type).toBe('delete');
      expect(event.service.nodes.map((n) => n.id)).toEqual(['m1']);
      watcher.stop();
    });

    it('keeps a node past its TTL while it is renewed', async () => {
      const registry = await create();
      const record = serviceOf('renewed', [nodeOf('r1', 1001)]);
      await registry.register(record, { ttlMs: harness.ttlMs });
      const until = Date.now() + harness.ttlMs * 2;
      while (Date.now() < until) {
        await sleep(harness.ttlMs / 4);
        await registry.register(record, { ttlMs: harness.ttlMs });
        expect(ids(await registry.getService('renewed'))).toEqual(['r1']);
      }
    });

    it('streams create, update and delete events to a watcher of the service', async () => {
      const registry = await create();
      const watcher = registry.watch({ service: 'watched' });
      await registry.register(serviceOf('other', [nodeOf('o1', 1000)]));
      await registry.register(serviceOf('watched', [nodeOf('w1', 1001)]));
      const created = await nextEvent(watcher);
      expect(created.type).toBe('create');
      expect(created.service.name).toBe('watched');
      expect(created.service.nodes).toEqual([nodeOf('w1', 1001)]);

      await registry.register(serviceOf('watched', [{ ...nodeOf('w1', 1001), metadata: { transport: 'tcp' } }]));
      const updated = await nextEvent(watcher);
      expect(updated.type).toBe('update');
      expect(updated.service.nodes[0]?.metadata).toEqual({ transport: 'tcp' });

      await registry.deregister(serviceOf('watched', [nodeOf('w1', 1001)]));
      const deleted = await nextEvent(watcher);
      expect(deleted.type).toBe('delete');
      expect(deleted.service.nodes.map((n) => n.id)).toEqual(['w1']);

      watcher.stop();
      await expect(watcher.next()).rejects.toThrow(/stopped/);
    });

    it('ends watcher iteration cleanly when the watcher is stopped', async () => {
      const registry = await create();
      const watcher = registry.watch();
      const seen: string[] = [];
      const done = (async () => {
        for await (const event of watcher) {
          seen.push(event.type);
          watcher.stop();
        }
      })();
      await registry.register(serviceOf('iterated', [nodeOf('i1', 1001)]));
      await done;
      expect(seen).toEqual(['create']);
    });

    describe('Selector', () => {
      const three = [nodeOf('s1', 1001), nodeOf('s2', 1002), nodeOf('s3', 1003)];

      it('rejects with ServiceNotFoundError naming the service when it has no nodes', async () => {
        const selector = selectorOf(await create());
        const err = await selector.select('ghost').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ServiceNotFoundError);
        expect((err as ServiceNotFoundError).service).toBe('ghost');
        expect((err as Error).message).toMatch(/ghost/);
      });

      it('spreads 3,000 round-robin picks over 3 nodes within 10% of even', async () => {
        const registry = await create();
        await registry.register(serviceOf('rr', three));
        const selector = selectorOf(registry, { strategy: roundRobin });
        await eventually(async () => expect((await registry.getService('rr'))[0]?.nodes).toHaveLength(3));
        const picks: Node[] = [];
        // One select per call, as a client does: the position must survive between selects.
        for (let i = 0; i < 3000; i++) picks.push(await selector.pick('rr'));
        for (const id of ['s1', 's2', 's3']) {
          expect(count(picks).get(id)).toBeGreaterThanOrEqual(900);
          expect(count(picks).get(id)).toBeLessThanOrEqual(1100);
        }
      });

      it('spreads random picks roughly evenly', async () => {
        const registry = await create();
        await registry.register(serviceOf('rand', three));
        const selector = selectorOf(registry, { strategy: random });
        await eventually(async () => expect((await registry.getService('rand'))[0]?.nodes).toHaveLength(3));
        const next = await selector.select('rand');
        const counts = count(Array.from({ length: 3000 }, () => next()));
        // Expected 1000 each, standard deviation about 26: 750 is far outside chance.
        for (const id of ['s1', 's2', 's3']) expect(counts.get(id)).toBeGreaterThan(750);
      });

      it('skips a node marked as failed for the cool-down, then picks it again', async () => {
        const registry = await create();
        await registry.register(serviceOf('eject', three));
        const selector = selectorOf(registry, { strategy: roundRobin, ejectMs: 500 });
        await eventually(async () => expect((await registry.getService('eject'))[0]?.nodes).toHaveLength(3));
        const next = await selector.select('eject');
        selector.mark(three[0] as Node, new Error('connection refused'));
        const during = Array.from({ length: 300 }, () => next());
        expect(count(during).get('s1')).toBeUndefined();
        expect(count(await Promise.all(Array.from({ length: 30 }, () => selector.pick('eject')))).get('s1')).toBeUndefined();
        await sleep(700);
        expect(count(Array.from({ length: 30 }, () => next())).get('s1')).toBe(10);
      });

      it('falls back to every node when all are marked, and trusts a node again after a success', async () => {
        const registry = await create();
        await registry.register(serviceOf('allbad', three));
        const selector = selectorOf(registry, { strategy: roundRobin, ejectMs: 60_000 });
        await eventually(async () => expect((await registry.getService('allbad'))[0]?.nodes).toHaveLength(3));
        const next = await selector.select('allbad');
        for (const node of three) selector.mark(node, new Error('down'));
        expect(count(Array.from({ length: 30 }, () => next())).size).toBe(3);
        selector.mark(three[1] as Node);
        expect(count(Array.from({ length: 30 }, () => next()))).toEqual(new Map([['s2', 30]]));
      });

      it('follows registrations and removals through the registry watch', async () => {
        const registry = await create();
        await registry.register(serviceOf('moving', [nodeOf('a', 1001)]));
        const selector = selectorOf(registry, { strategy: roundRobin });
        await eventually(async () => expect((await selector.pick('moving')).id).toBe('a'));

        await registry.register(serviceOf('moving', [nodeOf('b', 1002)]));
        await eventually(async () => {
          const next = await selector.select('moving');
          expect(new Set([next().id, next().id])).toEqual(new Set(['a', 'b']));
        });

        await registry.deregister(serviceOf('moving', [nodeOf('a', 1001)]));
        await eventually(async () => {
          const next = await selector.select('moving');
          expect(new Set(Array.from({ length: 10 }, () => next().id))).toEqual(new Set(['b']));
        });

        await registry.deregister(serviceOf('moving', [nodeOf('b', 1002)]));
        await eventually(() => expect(selector.select('moving')).rejects.toThrow(ServiceNotFoundError));
      });

      it('chooses only nodes of the requested version and filter', async () => {
        const registry = await create();
        await registry.register(serviceOf('versions', [nodeOf('v1', 1001)], '1'));
        await registry.register(
          serviceOf('versions', [{ id: 'v2', address: '127.0.0.1:1002', metadata: { transport: 'tcp' } }], '2'),
        );
        const selector = selectorOf(registry);
        await eventually(async () => expect(await registry.getService('versions')).toHaveLength(2));
        expect((await selector.pick('versions', { version: '2' })).id).toBe('v2');
        expect((await selector.pick('versions', { filter: (n) => n.metadata.transport === 'grpc' })).id).toBe('v1');
        await expect(selector.select('versions', { version: '3' })).rejects.toThrow(/none of its 2 nodes match/);
      });
    });
  });
}
