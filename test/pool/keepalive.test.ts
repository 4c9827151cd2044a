import { setTimeout as sleep } from 'node:timers/promises';
import { Code, isMicroError } from '@tsmicro/core';
import { createClient, createServer, type Server, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { startPausableProxy } from '../support/pausable-proxy.js';
import { ConformanceGreeter, Probe } from '../conformance/conformance-greeter.js';

const keepalive = { timeMs: 200, timeoutMs: 400 };

async function until(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !check()) await sleep(10);
  return check();
}

describe.each(['tcp', 'grpc'] as const)('keepalive over %s', (transport) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function throughProxy() {
    const server = createServer({ transport: transportByName(transport), graceMs: 0, keepalive, onHandlerError: () => {} });
    server.handle(new ConformanceGreeter(new Probe()));
    await server.start();
    const proxy = await startPausableProxy(server.address as string);
    const pool = createPool(transportByName(transport), { poolSize: 1, dialOptions: { keepalive } });
    const client = createClient({ transport: transportByName(transport), connections: pool, resolve: () => proxy.address });
    // The server is stopped once its connections are gone: see the grpc stop test below for why.
    cleanups.push(
      async () => {
        await until(() => server.stats().connections === 0);
        await server.stop(0);
      },
      () => proxy.close(),
      () => client.close(),
    );
    return { server, proxy, pool, client };
  }

  async function silencedStream() {
    const setup = await throughProxy();
    const s = await setup.client.bidiStream<Req, Res>('greeter', m.allStream);
    await s.send({ data: 'a', count: 0 });
    await s.recv();
    setup.proxy.pause();
    return { ...setup, stream: s };
  }

  it('fails open streams with UNAVAILABLE soon after the peer stops answering', async () => {
    const { stream } = await silencedStream();
    const started = Date.now();
    const err = await stream.recv().then(
      () => new Error('a message came through a paused proxy'),
      (e: unknown) => e,
    );
    expect(isMicroError(err) && err.code).toBe(Code.UNAVAILABLE);
    // Keepalive time + timeout is 600 ms; without keepalive nothing would end this stream at all.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps a healthy idle connection open across several ping intervals', async () => {
    const { server, proxy, pool, client } = await throughProxy();
    await client.call('greeter', m.sayHello, { name: 'first' });
    const before = proxy.forwardedBytes;
    await sleep(keepalive.timeMs * 6);
    // Pings (and their answers) crossed while no call ran: the connection was tested, not just left alone.
    expect(proxy.forwardedBytes).toBeGreaterThan(before);
    expect(proxy.connections).toBe(1);
    expect(server.stats().connections).toBe(1);
    expect(await client.call('greeter', m.sayHello, { name: 'again' })).toEqual({ message: 'Hello again' });
    const conns = Object.values(pool.stats()).flatMap((a) => a.connections);
    expect(conns.map((c) => c.state)).toEqual(['ready']);
    expect(proxy.connections).toBe(1);
  });

  it('stops the server while a silenced client connection is being torn down', async () => {
    for (let round = 0; round < 8; round++) {
      const { client, proxy, stream, server } = await silencedStream();
      await stream.recv().catch(() => undefined);
      await client.close();
      await proxy.close();
      const stopped = await Promise.race([stopOf(server), sleep(3_000).then(() => 'still stopping')]);
      expect(stopped, `round ${round}`).toBe('stopped');
    }
  }, 60_000);
});

function stopOf(server: Server): Promise<string> {
  return server.stop(0).then(() => 'stopped');
}
