import { setTimeout as sleep } from 'node:timers/promises';
import {
  BidiStream,
  type BidiStreamServer,
  ClientStream,
  type ClientStreamServer,
  type Client,
  Code,
  Context,
  Endpoint,
  isEOF,
  isMicroError,
  MicroError,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterDefinition, greeterMethods as m, type Hello, type Reply, type Req, type Res } from '../support/greeter-proto.js';
import { type Served, serve } from '../support/serve.js';

// Each request's `data` chooses how the handler behaves, so one service can
// produce every way a stream ends: normally, by a throw, by a handler that
// never stops sending, or by a handler that returns while the client still sends.
@Service(greeterDefinition)
class TortureGreeter {
  @Endpoint()
  async sayHello(ctx: Context, req: Hello): Promise<Reply> {
    if (req.name === 'throw') throw new Error('boom');
    if (req.name === 'hang') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    return { message: `Hello ${req.name}` };
  }

  @ServerStream()
  async serverStream(_ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    for (let i = 0; req.data === 'forever' || i < req.count; i++) {
      if (req.data === 'throw' && i === 1) throw new MicroError(Code.ABORTED, 'handler gave up');
      await stream.send({ data: req.data, index: i });
      // A ticker, not a firehose: the test is about how streams end, not throughput.
      if (req.data === 'forever') await sleep(1);
    }
  }

  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    let n = 0;
    for await (const msg of stream) {
      n++;
      if (msg.data === 'stop') return { data: 'stopped early', index: n };
      if (msg.data === 'throw') throw new Error('boom');
    }
    return { data: 'all', index: n };
  }

  @BidiStream()
  async allStream(_ctx: Context, stream: BidiStreamServer<Req, Res>): Promise<void> {
    for await (const msg of stream) {
      if (msg.data === 'throw') throw new Error('boom');
      await stream.send({ data: msg.data, index: 0 });
      if (msg.data === 'stop') return;
    }
  }
}

type Scenario = (client: Client, i: number) => Promise<unknown>;

// Outcomes are not asserted one by one here (other tests do that); what
// matters is that every way of ending leaves nothing behind.
const swallow = (p: Promise<unknown>) => p.catch(() => undefined);

const unary: Scenario[] = [
  (c) => c.call('greeter', m.sayHello, { name: 'ok' }),
  (c) => swallow(c.call('greeter', m.sayHello, { name: 'throw' })),
  (c) => swallow(c.call('greeter', m.sayHello, { name: 'hang' }, { timeout: 20 })),
  (c) => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 5);
    return swallow(c.call('greeter', m.sayHello, { name: 'hang' }, { signal: abort.signal }));
  },
];

const serverStreaming: Scenario[] = [
  async (c) => {
    for await (const _ of await c.serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: 3 }));
  },
  async (c) => {
    const s = await c.serverStream<Req, Res>('greeter', m.serverStream, { data: 'throw', count: 5 });
    await swallow((async () => { for await (const _ of s); })());
  },
  async (c) => {
    const s = await c.serverStream<Req, Res>('greeter', m.serverStream, { data: 'forever', count: 0 }, { timeout: 30 });
    await swallow((async () => { for await (const _ of s) await sleep(1); })());
  },
  async (c) => {
    const s = await c.serverStream<Req, Res>('greeter', m.serverStream, { data: 'forever', count: 0 });
    await s.recv();
    s.close();
  },
  // Dropped without close(): only garbage collection can release it.
  async (c) => {
    const s = await c.serverStream<Req, Res>('greeter', m.serverStream, { data: 'forever', count: 0 });
    await s.recv();
  },
];

const clientStreaming: Scenario[] = [
  async (c) => {
    const s = await c.clientStream<Req, Res>('greeter', m.clientStream);
    await s.send({ data: 'a', count: 0 });
    await s.closeAndRecv();
  },
  async (c) => {
    const s = await c.clientStream<Req, Res>('greeter', m.clientStream);
    await swallow(s.send({ data: 'throw', count: 0 }));
    await swallow(s.closeAndRecv());
  },
  // The server ends while the client still sends.
  async (c) => {
    const s = await c.clientStream<Req, Res>('greeter', m.clientStream);
    await s.send({ data: 'stop', count: 0 });
    for (let i = 0; i < 5; i++) if ((await swallow(s.send({ data: 'more', count: 0 }))) !== undefined) break;
    await swallow(s.closeAndRecv());
  },
  async (c) => {
    const s = await c.clientStream<Req, Res>('greeter', m.clientStream, { timeout: 20 });
    await swallow(s.send({ data: 'a', count: 0 }));
    await swallow(s.recvMsg());
  },
  async (c) => {
    const s = await c.clientStream<Req, Res>('greeter', m.clientStream);
    await s.send({ data: 'a', count: 0 });
  },
];

const bidi: Scenario[] = [
  async (c) => {
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream);
    await s.send({ data: 'a', count: 0 });
    await s.recv();
    s.closeSend();
    const end = await s.recv().then(() => new Error('a message after half-close'), (e: unknown) => e);
    if (!isEOF(end)) throw end;
  },
  async (c) => {
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream);
    await swallow(s.send({ data: 'throw', count: 0 }));
    await swallow(s.recv());
  },
  async (c) => {
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream, { timeout: 20 });
    await swallow(s.recv());
  },
  async (c) => {
    const abort = new AbortController();
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream, { signal: abort.signal });
    await s.send({ data: 'a', count: 0 });
    await s.recv();
    abort.abort();
    await swallow(s.recv());
  },
  async (c) => {
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream);
    await s.send({ data: 'stop', count: 0 });
    await swallow(s.send({ data: 'more', count: 0 }));
    await swallow(s.recv());
  },
  async (c) => {
    const s = await c.bidiStream<Req, Res>('greeter', m.allStream);
    await s.send({ data: 'a', count: 0 });
  },
];

const STREAMS_PER_KIND = 10_000;
const IN_FLIGHT = 200;

// Under load a short deadline may pass before the call even starts; that and
// cancellation are expected outcomes. Anything else is a bug, with one
// exception on grpc: Node 20's HTTP/2 (nghttp2's rapid-reset guard, 1000 resets
// in a burst then 33 per second, not configurable before Node 22) ends a
// connection whose client cancels faster than that, failing the calls on it
// with INTERNAL or UNAVAILABLE; the grpc transport's own reset guard sits just
// below it and ends the connection first with GOAWAY ENHANCE_YOUR_CALM, which
// grpc-js reports as RESOURCE_EXHAUSTED. The pool then dials a new connection;
// what this test checks is that nothing leaks through that either.
const expectedCodes = new Set([Code.DEADLINE_EXCEEDED, Code.CANCELLED]);
const sessionReset = /Session closed with error code 2|Stream refused by server|Bandwidth exhausted/;

function isExpected(err: unknown, transport: TransportName): boolean {
  if (!isMicroError(err)) return false;
  if (expectedCodes.has(err.code)) return true;
  const sessionCodes = [Code.INTERNAL, Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED];
  return transport === 'grpc' && sessionCodes.includes(err.code) && sessionReset.test(err.detail);
}

/** runMany runs the scenarios round-robin and returns the unexpected errors it met. */
async function runMany(client: Client, scenarios: Scenario[], transport: TransportName): Promise<string[]> {
  let next = 0;
  const unexpected: string[] = [];
  const worker = async () => {
    while (next < STREAMS_PER_KIND) {
      const i = next++;
      // Abandoned streams are freed by garbage collection, which a busy real process runs on its own.
      if (i % 500 === 0) globalThis.gc?.();
      try {
        await (scenarios[i % scenarios.length] as Scenario)(client, i);
      } catch (err) {
        if (!isExpected(err, transport)) unexpected.push(`scenario ${i % scenarios.length}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return unexpected.slice(0, 5);
}

// settle waits (bounded) until the server has no stream open and the timers
// are back to `timerLimit`: grpc-js clears its own per-call timers a little
// after our side of a call has ended, later still on a loaded machine. A
// timer that is really left behind is still there when the wait runs out.
async function settle(served: Served, timerLimit: number): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    globalThis.gc?.();
    if (served.server.stats().activeStreams === 0 && timers() <= timerLimit) return;
    await sleep(50);
  }
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

const transports: TransportName[] = ['memory', 'tcp', 'grpc'];

// Over grpc this is also the regression test for ending a reset-flooded
// session inside nghttp2's frame callback: its churn trips the reset guard
// again and again while other streams still send, and Node 20 then looped
// writing frames until the process died out of memory (std::bad_alloc). It
// met that only under load; no unit-level test reproduced it.
const titled = transports.map((t) => [t, t === 'grpc' ? ' (regression: session ended inside nghttp2 callback, Node 20 bad_alloc)' : ''] as const);

describe.each(titled)('stream lifecycle over %s%s', (transport) => {
  let served: Served;
  let timersBefore: number;
  beforeAll(async () => {
    expect(globalThis.gc, 'tests run with --expose-gc').toBeTypeOf('function');
    timersBefore = timers();
    served = await serve(transport, [TortureGreeter]);
  });
  afterAll(() => served.close());

  it.each([
    ['unary', unary],
    ['server streaming', serverStreaming],
    ['client streaming', clientStreaming],
    ['bidirectional', bidi],
  ] as const)('leaves no %s stream behind after 10,000 calls, abandoned ones included', async (_kind, scenarios) => {
    const before = served.server.stats().totalStreams;
    const unexpected = await runMany(served.client, scenarios, transport);
    expect(unexpected).toEqual([]);
    await settle(served, timersBefore + 2);
    const stats = served.server.stats();
    // Calls that time out before they start, or die with a reset connection, never
    // reach the server; the rest must.
    expect(stats.totalStreams - before).toBeGreaterThan(STREAMS_PER_KIND * (transport === 'grpc' ? 0.8 : 0.95));
    expect(stats.activeStreams).toBe(0);
    const leased = Object.values(served.pool.stats()).flatMap((a) => a.connections.map((c) => c.leases));
    expect(leased.every((n) => n === 0)).toBe(true);
    // Deadline timers and abort listeners are released with their calls.
    expect(timers()).toBeLessThanOrEqual(timersBefore + 2);
  }, 120_000);
});
