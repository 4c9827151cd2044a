import { createHook } from 'node:async_hooks';
import { ClientStream, type ClientStreamServer, type Context, type Interceptor, Service, ServerStream, type ServerStreamServer } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterDefinition, greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { type Served, serve } from '../support/serve.js';

@Service(greeterDefinition)
class StreamGreeter {
  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    let index = 0;
    for await (const _ of stream) index++;
    return { data: 'done', index };
  }

  @ServerStream()
  async serverStream(_ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    for (let index = 0; index < req.count; index++) await stream.send({ data: req.data, index });
  }
}

// What an observing interceptor does per message on either side (a metrics
// counter, say): one hook each way, and an end listener.
let seen = 0;
const observing: Interceptor = (next) => (call) => {
  call.onRequestMessage(() => {
    seen++;
  });
  call.onResponseMessage(() => {
    seen++;
  });
  call.onEnd(() => {});
  return next(call);
};

// Promises are what a message would pay for an extra async step: counted as
// async_hooks sees them being made, over the whole process (client and server).
function promisesMadeBy(work: () => Promise<void>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') made++;
    },
  });
  hook.enable();
  return work().then(
    () => {
      hook.disable();
      return made;
    },
    (err: unknown) => {
      hook.disable();
      throw err;
    },
  );
}

const SHORT = 200;
const LONG = 2200;

// promisesPerMessage takes a short stream's count from a long one's, so what
// a call costs once (opening, interceptor chain, end) cancels out.
async function promisesPerMessage(stream: (messages: number) => Promise<void>): Promise<number> {
  await stream(SHORT);
  const short = await promisesMadeBy(() => stream(SHORT));
  const long = await promisesMadeBy(() => stream(LONG));
  return (long - short) / (LONG - SHORT);
}

function clientStreamOf(served: Served): (messages: number) => Promise<void> {
  return async (messages) => {
    const cs = await served.client.clientStream<Req, Res>('greeter', m.clientStream);
    for (let i = 0; i < messages; i++) await cs.send({ data: 'x', count: i });
    expect((await cs.closeAndRecv()).index).toBe(messages);
  };
}

function serverStreamOf(served: Served): (messages: number) => Promise<void> {
  return async (messages) => {
    const ss = await served.client.serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: messages });
    let got = 0;
    for await (const _ of ss) got++;
    expect(got).toBe(messages);
  };
}

// Batching on a socket moves a count by a few hundredths of a promise per message from run to run.
const SLACK = 0.1;

// A streamed message through interceptors must take the plain path's steps:
// its hooks run where it is decoded or encoded, inside the read or write the
// plain call makes anyway, and never as an async step of their own.
describe.each(['tcp', 'grpc', 'memory'] as TransportName[])('an intercepted stream over %s', (transport) => {
  let plain: Served;
  let intercepted: Served;
  beforeAll(async () => {
    plain = await serve(transport, [new StreamGreeter()]);
    intercepted = await serve(transport, [new StreamGreeter()], { interceptors: [observing], clientInterceptors: [observing] });
  });
  afterAll(async () => {
    await plain?.close();
    await intercepted?.close();
  });

  it.each([
    ['client', clientStreamOf],
    ['server', serverStreamOf],
  ] as const)('makes no more promises per %s-streamed message than a plain stream', async (_kind, streamOf) => {
    const before = seen;
    const base = await promisesPerMessage(streamOf(plain));
    const hooked = await promisesPerMessage(streamOf(intercepted));
    // Both sides' hooks saw every message of the intercepted streams.
    expect(seen - before).toBeGreaterThanOrEqual(2 * (2 * SHORT + LONG));
    expect(hooked).toBeLessThanOrEqual(base + SLACK);
  }, 60_000);
});
