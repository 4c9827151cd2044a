import net from 'node:net';
import type { Registry } from '@tsmicro/core';
import { RegistryError } from '@tsmicro/core/plugin';
import { Etcd3, type IRangeResponse } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRegistry,
  eventually,
  nextEvent,
  nodeOf,
  serverAvailable,
  serviceOf,
  sleep,
} from '@tsmicro/core/testing';
import { createEtcdRegistry, type EtcdRegistry, type EtcdRegistryOptions } from './etcd-registry.js';
import { TestEtcd } from './test-etcd.js';

const hasEtcd = serverAvailable('etcd');
let etcd: TestEtcd;
let admin: Etcd3;
const warnings: string[] = [];
const logger = { warn: (message: string) => warnings.push(message) };

beforeAll(async () => {
  if (!hasEtcd) return;
  etcd = await TestEtcd.launch();
  admin = new Etcd3({ hosts: etcd.address });
});

afterAll(async () => {
  admin?.close();
  await etcd?.destroy();
});

let namespaces = 0;
const prefixes = new WeakMap<Registry, string>();

async function connect(prefix: string, options: Partial<EtcdRegistryOptions> = {}): Promise<EtcdRegistry> {
  const registry = createEtcdRegistry({
    address: etcd.address,
    prefix,
    dialTimeoutMs: 2_000,
    retry: { minMs: 100, maxMs: 500 },
    logger,
    ...options,
  });
  prefixes.set(registry, prefix);
  await registry.ready();
  return registry;
}

describe.skipIf(!hasEtcd)('etcd', () => {
  describeRegistry('etcd', {
    create: () => connect(`/suite-${namespaces++}/registry/`),
    abandon: async (registry) => {
      // Closing stops the keep-alives without deleting anything, as a crash would.
      await registry.close();
      return connect(prefixes.get(registry) as string);
    },
    ttlMs: 2_000,
  });
});

async function range(key: string): Promise<IRangeResponse> {
  return admin.get(key).exec();
}

describe.skipIf(!hasEtcd)('EtcdRegistry', () => {
  const open: Registry[] = [];
  const track = <T extends Registry>(registry: T): T => {
    open.push(registry);
    return registry;
  };

  afterEach(async () => {
    for (const registry of open.splice(0)) await registry.close();
    // A test that stopped etcd must not leave the next one without it.
    await etcd.start();
  });

  it('fails ready() and register() with a RegistryError naming an unreachable address', async () => {
    const registry = track(
      createEtcdRegistry({ address: '127.0.0.1:1', dialTimeoutMs: 1_000, retry: { minMs: 1_000, maxMs: 1_000 }, logger }),
    );
    await expect(registry.ready()).rejects.toThrow(RegistryError);
    await expect(registry.ready()).rejects.toThrow(/127\.0\.0\.1:1/);
    await expect(registry.register(serviceOf('x', [nodeOf('x1', 1)]))).rejects.toThrow(/127\.0\.0\.1:1.*unreachable/);
  });

  it('closes its connections to etcd when closed, while etcd is up and while it is down', async () => {
    const etcdSockets = () =>
      new Set(
        (process as unknown as { _getActiveHandles(): unknown[] })
          ._getActiveHandles()
          .filter((h): h is net.Socket => h instanceof net.Socket && h.remotePort === etcd.clientPort),
      );
    for (const stopEtcd of [false, true]) {
      const before = etcdSockets();
      const registry = await connect('/closing/registry/');
      await registry.register(serviceOf('closing', [nodeOf('c1', 1001)]), { ttlMs: 2_000 });
      const watcher = registry.watch({ service: 'closing' });
      const opened = [...etcdSockets()].filter((socket) => !before.has(socket));
      expect(opened.length).toBeGreaterThan(0);
      if (stopEtcd) await etcd.stop();
      await registry.close();
      watcher.stop();
      await eventually(() => expect(opened.filter((socket) => !socket.destroyed)).toEqual([]));
      await etcd.start();
    }
  });

  it('rejects a malformed address when created', () => {
    expect(() => createEtcdRegistry({ address: 'https://127.0.0.1:2379' })).toThrow(/https:\/\/127\.0\.0\.1:2379/);
    expect(() => createEtcdRegistry({ address: 'no-port' })).toThrow(/"no-port"/);
  });

  it('stores each node as JSON under /tsmicro/registry/<service>/<nodeId> with a lease, and deregister revokes it', async () => {
    const registry = track(await connect('/tsmicro/registry/'));
    await registry.register(serviceOf('layout', [nodeOf('l1', 1001)]), { ttlMs: 2_000 });
    const [kv] = (await range('/tsmicro/registry/layout/l1')).kvs ?? [];
    expect(JSON.parse(String(kv?.value)).nodes).toEqual([nodeOf('l1', 1001)]);
    const lease = kv?.lease as string;
    expect(Number(lease)).toBeGreaterThan(0);

    await registry.deregister(serviceOf('layout', [nodeOf('l1', 1001)]));
    expect((await range('/tsmicro/registry/layout/l1')).kvs ?? []).toEqual([]);
    const ttl = await admin.leaseClient.leaseTimeToLive({ ID: lease });
    expect(Number(ttl.TTL ?? -1)).toBe(-1);
  });

  it('keeps a node registered past its TTL through keep-alive alone', async () => {
    const registry = track(await connect('/keepalive/registry/'));
    await registry.register(serviceOf('steady', [nodeOf('s1', 1001)]), { ttlMs: 2_000 });
    await sleep(4_000);
    const observer = track(await connect('/keepalive/registry/'));
    expect((await observer.getService('steady'))[0]?.nodes.map((n) => n.id)).toEqual(['s1']);
  });

  it('registers a node again when its lease is lost, and watchers see it go and come back', async () => {
    const registry = track(await connect('/lost/registry/'));
    await registry.register(serviceOf('phoenix', [nodeOf('p1', 1001)]), { ttlMs: 2_000 });
    await eventually(async () => expect(await registry.getService('phoenix')).toHaveLength(1));
    const watcher = registry.watch({ service: 'phoenix' });
    const [kv] = (await range('/lost/registry/phoenix/p1')).kvs ?? [];
    await admin.leaseClient.leaseRevoke({ ID: kv?.lease as string });

    expect((await nextEvent(watcher)).type).toBe('delete');
    const back = await nextEvent(watcher);
    expect(back.type).toBe('create');
    expect(back.service.nodes.map((n) => n.id)).toEqual(['p1']);
    const [again] = (await range('/lost/registry/phoenix/p1')).kvs ?? [];
    expect(again?.lease).not.toBe(kv?.lease);
    expect(warnings.some((w) => /lease of \/lost\/registry\/phoenix\/p1 was lost/.test(w))).toBe(true);
    watcher.stop();
  });

  it('answers from its cache while etcd is down, and resumes leases and watches when it restarts', async () => {
    const registry = track(await connect('/restart/registry/'));
    await registry.register(serviceOf('durable', [nodeOf('d1', 1001)]), { ttlMs: 2_000 });
    const watcher = registry.watch({ service: 'late' });
    await eventually(async () => expect(await registry.getService('durable')).toHaveLength(1));

    const before = warnings.length;
    await etcd.stop();
    await eventually(() => expect(warnings.slice(before).join('\n')).toMatch(/lost the watch/));
    expect((await registry.getService('durable'))[0]?.nodes.map((n) => n.id)).toEqual(['d1']);
    expect(warnings.slice(before).join('\n')).toMatch(/unreachable; answering from the cache, which may be stale/);

    await etcd.start();
    // Past a full TTL after the restart, the node is there only if keep-alive resumed.
    await sleep(3_000);
    const observer = track(await connect('/restart/registry/'));
    expect((await observer.getService('durable'))[0]?.nodes.map((n) => n.id)).toEqual(['d1']);

    await observer.register(serviceOf('late', [nodeOf('late1', 1002)]), { ttlMs: 2_000 });
    const event = await nextEvent(watcher);
    expect(event.type).toBe('create');
    expect(event.service.nodes.map((n) => n.id)).toEqual(['late1']);
    watcher.stop();
  });

  it('registers its nodes again by itself when etcd comes back with its data lost', async () => {
    const registry = track(await connect('/wiped/registry/'));
    await registry.register(serviceOf('survivor', [nodeOf('s1', 1001)]), { ttlMs: 2_000 });
    await etcd.stop();
    etcd.wipe();
    await etcd.start();

    const observer = track(await connect('/wiped/registry/'));
    await eventually(async () => expect((await observer.getService('survivor'))[0]?.nodes.map((n) => n.id)).toEqual(['s1']));
    await eventually(async () => expect((await registry.getService('survivor'))[0]?.nodes.map((n) => n.id)).toEqual(['s1']));
    const watcher = registry.watch({ service: 'newcomer' });
    await observer.register(serviceOf('newcomer', [nodeOf('n1', 1002)]), { ttlMs: 2_000 });
    expect((await nextEvent(watcher)).service.nodes.map((n) => n.id)).toEqual(['n1']);
    watcher.stop();
  });

  it('re-reads everything when the revisions its watch needs were compacted', async () => {
    // A long retry wait keeps this registry away while the history it missed is compacted.
    const registry = track(await connect('/compact/registry/', { retry: { minMs: 5_000, maxMs: 5_000 } }));
    const watcher = registry.watch({ service: 'compacted' });
    await etcd.stop();
    await etcd.start();

    const writer = track(await connect('/compact/registry/'));
    // A write the registry never watched makes sure the revision it resumes from is among those compacted.
    await admin.put('/compact/elsewhere').value('x');
    await writer.register(serviceOf('compacted', [nodeOf('c1', 1001)]), { ttlMs: 2_000 });
    const { header } = await range('/compact/registry/');
    await admin.kv.compact({ revision: header.revision, physical: true });

    const event = await nextEvent(watcher, 15_000);
    expect(event.type).toBe('create');
    expect(event.service.nodes.map((n) => n.id)).toEqual(['c1']);
    expect(warnings.some((w) => /compacted/.test(w))).toBe(true);
    expect((await registry.getService('compacted'))[0]?.nodes.map((n) => n.id)).toEqual(['c1']);
    watcher.stop();
  });
});
