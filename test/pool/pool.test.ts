import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, Code, isMicroError } from '@tsmicro/core';
import { createClient, createServer, type Server, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool, isStatusError, type Lease, type Pool, type PoolOptions } from '@tsmicro/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { greeterMethods as m } from '../support/greeter-proto.js';
import { ConformanceGreeter, Probe } from '../conformance/conformance-greeter.js';

async function startServer(transport: TransportName, address = '127.0.0.1:0'): Promise<Server> {
  const server = createServer({ transport: transportByName(transport), address, graceMs: 0, onHandlerError: () => {} });
  server.handle(new ConformanceGreeter(new Probe()));
  await server.start();
  return server;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

describe.each(['tcp', 'grpc'] as const)('createPool over %s', (transport) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(poolOptions: PoolOptions = {}): Promise<{ server: Server; pool: Pool; client: Client; address: string }> {
    const server = await startServer(transport);
    const pool = createPool(transportByName(transport), { poolSize: 1, ...poolOptions });
    const address = server.address as string;
    const client = createClient({ transport: transportByName(transport), connections: pool, resolve: () => address });
    cleanups.push(() => server.stop(0), () => client.close());
    return { server, pool, client, address };
  }

  it('carries 1,000 concurrent calls on exactly one connection when poolSize is 1', async () => {
    const { server, pool, client } = await setup();
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, server.stats().connections);
    }, 2);
    try {
      const replies = await Promise.all(Array.from({ length: 1_000 }, (_, i) => client.call('greeter', m.sayHello, { name: `n${i}` })));
      expect(replies.every((r, i) => r.message === `Hello n${i}`)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    most = Math.max(most, server.stats().connections);
    expect(most).toBe(1);
    expect(server.stats().totalStreams).toBe(1_000);
    expect(Object.values(pool.stats()).flatMap((a) => a.connections)).toHaveLength(1);
  });


  it('calls through a new connection after the server restarts on the same port', async () => {
    const { server, pool, client, address } = await setup();
    expect(await client.call('greeter', m.sayHello, { name: 'one' })).toEqual({ message: 'Hello one' });
    await server.stop(0);
    const again = await startServer(transport, address);
    cleanups.push(() => again.stop(0));
    expect(again.address).toBe(address);
    expect(await client.call('greeter', m.sayHello, { name: 'two' })).toEqual({ message: 'Hello two' });
    expect(again.stats().connections).toBe(1);
    const conns = Object.values(pool.stats()).flatMap((a) => a.connections);
    expect(conns.map((c) => c.state)).toEqual(['ready']);
  });

  it('closes a connection left idle past ttlMs', async () => {
    const { server, pool, client } = await setup({ ttlMs: 200 });
    await client.call('greeter', m.sayHello, { name: 'idle' });
    expect(server.stats().connections).toBe(1);
    await sleep(50);
    // Still within the TTL: the connection is kept for the next call.
    expect(server.stats().connections).toBe(1);
    expect(await until(() => server.stats().connections === 0, 5_000)).toBe(true);
    expect(pool.stats()).toEqual({});
    // And the pool dials afresh afterwards.
    await client.call('greeter', m.sayHello, { name: 'back' });
    expect(server.stats().connections).toBe(1);
  });

  it('never hands out a closed connection while pool.close races acquire', async () => {
    const server = await startServer(transport);
    cleanups.push(() => server.stop(0));
    const address = server.address as string;
    for (let round = 0; round < 40; round++) {
      const pool = createPool(transportByName(transport), { poolSize: 1 });
      const outcomes: string[] = [];
      const acquires = Array.from({ length: 20 }, async (_, i) => {
        if (i % 4 === 0) await sleep(round % 3);
        try {
          const lease = await pool.acquire(address);
          outcomes.push(lease.connection.state);
          lease.release();
        } catch (err) {
          outcomes.push(isStatusError(err) ? Code[err.code] : String(err));
        }
      });
      // Close at a different moment each round: before, during and after the dial.
      if (round % 4 === 1) await Promise.resolve();
      if (round % 4 === 2) await sleep(0);
      if (round % 4 === 3) await sleep(2);
      const closing = pool.close();
      await Promise.all([...acquires, closing]);
      expect(outcomes.filter((o) => o !== 'ready' && o !== 'UNAVAILABLE'), `round ${round}`).toEqual([]);
      await expect(pool.acquire(address)).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    }
  });

  it('leaves no socket open when pool.close races a dial', async () => {
    const server = await startServer(transport);
    cleanups.push(() => server.stop(0));
    const address = server.address as string;
    for (let round = 0; round < 5; round++) {
      const pool = createPool(transportByName(transport), { poolSize: 1 });
      const acquire = pool.acquire(address).then((l) => l.release(), () => undefined);
      await pool.close();
      await acquire;
    }
    // Give a late socket time to reach the server before counting: zero before then proves nothing.
    await sleep(500);
    expect(await until(() => server.stats().connections === 0, 3_000)).toBe(true);
  });

  it('never hands out a connection that is closing while its close races acquire', async () => {
    const { pool, client, address } = await setup();
    for (let round = 0; round < 30; round++) {
      const first = await pool.acquire(address);
      const closing = first.connection.close(0);
      first.release();
      const racers: Lease[] = await Promise.all([pool.acquire(address), pool.acquire(address)]);
      for (const lease of racers) {
        expect(lease.connection).not.toBe(first.connection);
        expect(lease.connection.state, `round ${round}`).toBe('ready');
        lease.release();
      }
      await closing;
      const reply = await client.call('greeter', m.sayHello, { name: `r${round}` }).catch((e: unknown) => e);
      expect(isMicroError(reply) ? reply.message : reply).toEqual({ message: `Hello r${round}` });
    }
  });
});
