import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Code,
  Context,
  createMemoryRegistry,
  Endpoint,
  isMicroError,
  type MicroService,
  newService,
  type Registry,
  Service,
} from '@tsmicro/core';
import { HealthDefinition } from '@tsmicro/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDeadTcp } from '../support/claim-dead-tcp.js';
import { closedPort } from '../support/closed-port.js';
import { greeterDefinition, greeterMethods, type Hello, type Reply } from '../support/greeter-proto.js';

const noEnv = { env: {}, file: false } as const;

@Service(greeterDefinition)
class NamedGreeter {
  constructor(readonly label: string) {}

  @Endpoint()
  async sayHello(_ctx: Context, req: Hello): Promise<Reply> {
    if (req.name.startsWith('slow')) await sleep(400);
    return { message: `Hello ${req.name} from ${this.label}` };
  }
}

describe('a service on several transports', () => {
  const services: MicroService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0).reverse()) await s.stop();
  });

  const dual = async (registry: Registry, extra: Parameters<typeof newService>[0] = {}) => {
    const s = newService(
      { name: 'greeter', transport: ['grpc', 'tcp'], server: { address: '127.0.0.1:0' }, registryInstance: registry, ...extra },
      noEnv,
    );
    s.handle(new NamedGreeter('dual'));
    services.push(s);
    await s.start();
    return s;
  };
  // A client in this process that may not take the in-process route, so it dials like one outside.
  const caller = (registry: Registry, transports: ('tcp' | 'grpc' | 'in-process')[]) => {
    const c = newService({ name: 'caller', transport: 'memory', registryInstance: registry, client: { transports } }, noEnv);
    services.push(c);
    return c.client();
  };

  it('serves the same handlers on each listener and registers one node listing every address', async () => {
    const registry = createMemoryRegistry();
    const s = await dual(registry);
    const grpc = s.addresses.get('grpc') as string;
    const tcp = s.addresses.get('tcp') as string;
    expect([...s.addresses.keys()]).toEqual(['grpc', 'tcp']);
    expect(grpc).not.toBe(tcp);
    const [record] = await registry.getService('greeter');
    expect(record?.nodes).toHaveLength(1);
    expect(record?.nodes[0]).toMatchObject({
      address: grpc,
      metadata: { transport: 'grpc', transports: 'grpc,tcp', 'address.grpc': grpc, 'address.tcp': tcp, codec: 'proto' },
    });
    const client = caller(registry, ['tcp']);
    for (const address of [`grpc://${grpc}`, `tcp://${tcp}`]) {
      expect(await client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'x' }, { address })).toEqual({
        message: 'Hello x from dual',
      });
    }
    const stats = s.server.stats();
    expect(stats.transports.grpc?.totalStreams).toBe(1);
    expect(stats.transports.tcp?.totalStreams).toBe(1);
    expect(stats.totalStreams).toBe(2);
  });

  it('uses tcp by name where the node offers it, and grpc when the client prefers it', async () => {
    const registry = createMemoryRegistry();
    const s = await dual(registry);
    const viaTcp = caller(registry, ['tcp', 'grpc']);
    for (let i = 0; i < 5; i++) await viaTcp.call('greeter', greeterMethods.sayHello, { name: 'x' });
    const viaGrpc = caller(registry, ['grpc', 'tcp']);
    for (let i = 0; i < 3; i++) await viaGrpc.call('greeter', greeterMethods.sayHello, { name: 'x' });
    expect(s.server.stats().transports.tcp?.totalStreams).toBe(5);
    expect(s.server.stats().transports.grpc?.totalStreams).toBe(3);
  });

  it('serves health on the grpc address', async () => {
    const registry = createMemoryRegistry();
    const s = await dual(registry);
    const client = caller(registry, ['grpc']);
    const reply = await client.call(
      'health',
      HealthDefinition.methods.check as never,
      { service: '' },
      { address: `grpc://${s.addresses.get('grpc')}` },
    );
    expect(reply).toEqual({ status: 'SERVING' });
  });

  it('listens on the configured per-transport address', async () => {
    const port = await closedPort();
    const s = await dual(createMemoryRegistry(), { server: { address: '127.0.0.1:0', addresses: { tcp: `127.0.0.1:${port}` } } });
    expect(s.addresses.get('tcp')).toBe(`127.0.0.1:${port}`);
  });

  it('binds nothing when one transport cannot listen', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const grpcPort = await closedPort();
    try {
      const s = newService(
        {
          name: 'greeter',
          transport: ['grpc', 'tcp'],
          server: { address: `127.0.0.1:${grpcPort}`, addresses: { tcp: `127.0.0.1:${port}` } },
          registryInstance: createMemoryRegistry(),
        },
        noEnv,
      );
      s.handle(new NamedGreeter('x'));
      await expect(s.start()).rejects.toThrow(/EADDRINUSE|in use/);
      expect(s.server.listeners.size).toBe(0);
      // The grpc port it bound first is free again.
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(grpcPort, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => probe.close(resolve));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('deregisters first, then drains calls in flight on every listener', async () => {
    const registry = createMemoryRegistry();
    const s = await dual(registry);
    const client = caller(registry, ['tcp']);
    const calls = [`grpc://${s.addresses.get('grpc')}`, `tcp://${s.addresses.get('tcp')}`].map((address) =>
      client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'slow' }, { address }),
    );
    await sleep(100);
    expect(s.server.stats().activeStreams).toBe(2);
    services.splice(services.indexOf(s), 1);
    const stopping = s.stop();
    await sleep(20);
    expect(await registry.getService('greeter')).toEqual([]);
    expect((await Promise.all(calls)).map((r) => r.message)).toEqual(['Hello slow from dual', 'Hello slow from dual']);
    await stopping;
    expect(s.server.listeners.size).toBe(0);
    const refused = await client
      .call('greeter', greeterMethods.sayHello, { name: 'x' }, { address: `tcp://${s.addresses.get('tcp') ?? '127.0.0.1:1'}` })
      .catch((e: unknown) => e);
    expect(isMicroError(refused)).toBe(true);
  });

  it('falls back to the next transport of a node whose preferred one fails to dial, without a failed call', async () => {
    const registry = createMemoryRegistry();
    const s = newService({ name: 'greeter', transport: 'grpc', server: { address: '127.0.0.1:0' }, registryInstance: registry }, noEnv);
    s.handle(new NamedGreeter('grpc'));
    services.push(s);
    const grpc = await s.start();
    // The node claims a tcp listener that is not there.
    await claimDeadTcp(registry, 'greeter', grpc);
    const client = caller(registry, ['tcp', 'grpc']);
    for (let i = 0; i < 5; i++) {
      const reply = await client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'x' }, { retries: 0 });
      expect(reply.message).toBe('Hello x from grpc');
    }
    expect(s.server.stats().totalStreams).toBe(5);
  });

  it('refuses an address naming a transport the client does not have', async () => {
    const client = caller(createMemoryRegistry(), ['tcp']);
    const err = await client.call('greeter', greeterMethods.sayHello, { name: 'x' }, { address: 'quic://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.INVALID_ARGUMENT);
    expect(String(err)).toMatch(/quic/);
  });

  it('calls a service of the same process in-process, without a socket', async () => {
    const registry = createMemoryRegistry();
    const s = await dual(registry);
    const client = caller(registry, ['in-process', 'tcp', 'grpc']);
    for (let i = 0; i < 4; i++) await client.call('greeter', greeterMethods.sayHello, { name: 'x' });
    const stats = s.server.stats();
    expect(stats.transports.memory?.totalStreams).toBe(4);
    expect(stats.transports.tcp?.totalStreams ?? 0).toBe(0);
    expect(stats.transports.grpc?.totalStreams ?? 0).toBe(0);
    expect(stats.transports.tcp?.connections).toBe(0);
    expect(stats.transports.grpc?.connections).toBe(0);
  });
});
