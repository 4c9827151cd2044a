import { createClient, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { afterAll, describe, expect, it } from 'vitest';
import { type GreeterProcess, startGreeter } from '../discovery/greeter-process.js';
import { greeterMethods, type Hello, type Reply } from '../support/greeter-proto.js';

describe('greeter:server with MICRO_TRANSPORT=grpc,tcp', () => {
  let server: GreeterProcess | undefined;
  afterAll(() => server?.stop());

  it('prints LISTENING host:port for grpc first, then LISTENING tcp://host:port, and answers on both', async () => {
    // Lifecycle logs go to stderr, which output() mixes in: quiet them so the first line read is stdout's.
    server = await startGreeter({ MICRO_TRANSPORT: 'grpc,tcp', MICRO_LOG_LEVEL: 'warn' });
    // Both lines are printed at once; they may reach this process in two chunks.
    for (let i = 0; i < 100 && !/LISTENING tcp:/.test(server.output()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const listening = server.output().split('\n').filter((l) => l.startsWith('LISTENING'));
    expect(listening).toHaveLength(2);
    expect(listening[0]).toBe(`LISTENING ${server.address}`);
    const tcp = /^LISTENING tcp:\/\/(127\.0\.0\.1:\d+)$/.exec(listening[1] as string)?.[1];
    expect(tcp).toBeDefined();
    expect(server.output().split('\n')[0]).toBe(`LISTENING ${server.address}`);

    const grpc = transportByName('grpc');
    const client = createClient({ transport: grpc, connections: createPool(grpc), connectionsFor: (t) => (t === 'tcp' ? createPool(transportByName('tcp')) : undefined) });
    try {
      for (const address of [server.address, `grpc://${server.address}`, `tcp://${tcp}`]) {
        const reply = await client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name: 'both' }, { address });
        expect(reply.message).toBe('Hello both');
      }
    } finally {
      await client.close();
    }
  }, 60_000);
});
