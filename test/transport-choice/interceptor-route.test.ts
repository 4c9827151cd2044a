import { Context, createMemoryRegistry, Endpoint, type Interceptor, type MicroService, newService, type Registry, Service } from '@tsmicro/core';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDeadTcp } from '../support/claim-dead-tcp.js';
import { greeterDefinition, greeterMethods, type Hello, type Reply } from '../support/greeter-proto.js';

const noEnv = { env: {}, file: false } as const;

@Service(greeterDefinition)
class Greeter {
  @Endpoint()
  async sayHello(_ctx: Context, req: Hello): Promise<Reply> {
    return { message: `Hello ${req.name}` };
  }
}

/** Route is what a client interceptor saw of an attempt: when it ran, and when the attempt ended. */
interface Seen {
  node: string;
  before: string;
  after: string;
}

describe('client interceptors on a node with several transports', () => {
  const services: MicroService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0).reverse()) await s.stop();
  });

  const seen: Seen[] = [];
  const watch: Interceptor = (next) => (call) => {
    if (call.side !== 'client') return next(call);
    const entry: Seen = { node: call.node.id, before: `${call.transport} ${call.address} ${call.peer}`, after: '' };
    call.onEnd(() => {
      entry.after = `${call.transport} ${call.address} ${call.peer}`;
      seen.push(entry);
    });
    return next(call);
  };

  const start = async (registry: Registry, transport: 'grpc' | ('grpc' | 'tcp')[]) => {
    const s = newService({ name: 'greeter', transport, server: { address: '127.0.0.1:0' }, registryInstance: registry }, noEnv);
    s.handle(new Greeter());
    services.push(s);
    await s.start();
    return s;
  };
  const caller = (registry: Registry, transports: ('tcp' | 'grpc' | 'in-process')[]) => {
    const c = newService({ name: 'caller', transport: 'memory', registryInstance: registry, client: { transports }, clientInterceptors: [watch] }, noEnv);
    services.push(c);
    return c.client();
  };
  const hello = (client: ReturnType<typeof caller>) => client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'x' }, { retries: 0 });

  it('see the transport and address the attempt uses, not the node’s first', async () => {
    seen.length = 0;
    const registry = createMemoryRegistry();
    const s = await start(registry, ['grpc', 'tcp']);
    const tcp = s.addresses.get('tcp') as string;
    await hello(caller(registry, ['tcp']));
    await hello(caller(registry, ['in-process', 'tcp']));
    const memory = s.server.listeners.get('memory')?.address;
    expect(seen.map((e) => [e.before, e.after])).toEqual([
      [`tcp ${tcp} ${tcp}`, `tcp ${tcp} ${tcp}`],
      [`memory ${memory} ${memory}`, `memory ${memory} ${memory}`],
    ]);
    expect(new Set(seen.map((e) => e.node)).size).toBe(1);
  });

  it('see the transport an attempt fell back to when the preferred one failed to dial', async () => {
    seen.length = 0;
    const registry = createMemoryRegistry();
    const s = await start(registry, 'grpc');
    const grpc = s.addresses.get('grpc') as string;
    const dead = await claimDeadTcp(registry, 'greeter', grpc);
    const client = caller(registry, ['tcp', 'grpc']);
    await hello(client);
    await hello(client);
    // The first attempt meant tcp and went over grpc; the next one knows tcp is cooling down.
    expect(seen.map((e) => [e.before, e.after])).toEqual([
      [`tcp ${dead} ${dead}`, `grpc ${grpc} ${grpc}`],
      [`grpc ${grpc} ${grpc}`, `grpc ${grpc} ${grpc}`],
    ]);
  });
});
