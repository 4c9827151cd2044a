import { Code, createMemoryRegistry, isMicroError, type MicroService, newService } from '@tsmicro/core';
import { afterEach, describe, expect, it } from 'vitest';
import { greeterMethods, type Hello, type Reply } from '../support/greeter-proto.js';
import { ScriptedGreeter } from './scripted-greeter.js';

const noEnv = { env: {}, file: false } as const;

describe('micro.newService', () => {
  const services: MicroService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0).reverse()) await s.stop();
  });

  it('calls nodes of one service on different transports from one client, each through its own transport', async () => {
    const registry = createMemoryRegistry();
    for (const transport of ['grpc', 'tcp'] as const) {
      const server = newService({ name: 'greeter', transport, server: { address: '127.0.0.1:0' }, registryInstance: registry }, noEnv);
      server.handle(new ScriptedGreeter(transport));
      await server.start();
      services.push(server);
    }
    // The caller's own transport is memory: it reaches grpc and tcp nodes only through the pools of theirs.
    const caller = newService(
      { name: 'caller', transport: 'memory', registryInstance: registry, selector: { strategy: 'roundRobin' } },
      noEnv,
    );
    services.push(caller);
    const client = caller.client();
    const replies = new Set<string>();
    const transports = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const reply = await client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'x' }, {
        onNode: (n) => transports.add(n.metadata.transport ?? ''),
      });
      replies.add(reply.message);
    }
    expect([...replies].sort()).toEqual(['Hello x from grpc', 'Hello x from tcp']);
    expect([...transports].sort()).toEqual(['grpc', 'tcp']);
    // One pool per transport, each holding a connection to its own node.
    expect(Object.keys(caller.poolStats())).toHaveLength(2);
  });

  it('serves over memory with no address configured (all interfaces, registered under the host IP)', async () => {
    const registry = createMemoryRegistry();
    const server = newService({ name: 'greeter', transport: 'memory', registryInstance: registry }, noEnv);
    server.handle(new ScriptedGreeter('memory'));
    const bound = await server.start();
    services.push(server);
    expect(bound).toMatch(/^0\.0\.0\.0:\d+$/);
    const [node] = (await registry.getService('greeter'))[0]?.nodes ?? [];
    expect(node?.address.endsWith(`:${bound.split(':')[1]}`)).toBe(true);
    const reply = await server.client().call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'x' });
    expect(reply.message).toBe('Hello x from memory');
  });

  it('registers each node with a unique id, its address, version, transport, codec and endpoints', async () => {
    const registry = createMemoryRegistry();
    const a = newService({ name: 'greeter', version: '2.1', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: registry }, noEnv);
    const b = newService({ name: 'greeter', version: '2.1', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: registry }, noEnv);
    for (const s of [a, b]) {
      s.handle(new ScriptedGreeter('x'));
      services.push(s);
    }
    const addresses = [await a.start(), await b.start()];
    const [record] = await registry.getService('greeter');
    expect(record?.version).toBe('2.1');
    expect(new Set(record?.nodes.map((n) => n.id)).size).toBe(2);
    expect(record?.nodes.map((n) => n.address).sort()).toEqual([...addresses].sort());
    expect(record?.nodes.every((n) => n.metadata.transport === 'tcp' && n.metadata.codec === 'proto')).toBe(true);
    expect(record?.endpoints.map((e) => e.name)).toContain('Greeter.SayHello');
    await a.stop();
    services.splice(services.indexOf(a), 1);
    const [after] = await registry.getService('greeter');
    expect(after?.nodes.map((n) => n.address)).toEqual([addresses[1]]);
  });

  it('rejects an unknown selector strategy by name', () => {
    expect(() => newService({ name: 'x', selector: { strategy: 'fastest' as 'random' } }, noEnv)).toThrow(/fastest.*random, roundRobin/);
  });

  it('fails a call by name with UNAVAILABLE naming the registry address when etcd cannot be reached', async () => {
    const caller = newService({ name: 'caller', registry: { kind: 'etcd', address: ['127.0.0.1:1'] } }, noEnv);
    services.push(caller);
    const err = await caller
      .client()
      .call('greeter', greeterMethods.sayHello, { name: 'x' })
      .catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.UNAVAILABLE);
    expect(String(err)).toMatch(/127\.0\.0\.1:1.*MICRO_REGISTRY_ADDRESS/);
  });

  it('asks for start() when service.registry is read before an etcd registry was loaded', () => {
    const s = newService({ name: 'x', registry: { kind: 'etcd' } }, noEnv);
    expect(() => s.registry).toThrow(/start\(\)/);
  });
});
