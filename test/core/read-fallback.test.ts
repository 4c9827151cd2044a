import {
  ClientStream,
  type ClientStreamServer,
  Code,
  Context,
  isMicroError,
  MicroError,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import { createClient, createServer, type Server } from '@tsmicro/core/plugin';
import { type Connection, createMemoryTransport, createPool, type Transport } from '@tsmicro/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterDefinition, greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';

// readWith is optional on both stream sides: core reads through read() where
// a transport lacks it. Every transport here has it, so this hides it from a
// memory transport to keep that path, and how it maps a failed read, tested.

/** withoutReadWith shows `target` with its readWith hidden, methods bound to the real object. */
function withoutReadWith<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, key) {
      if (key === 'readWith') return undefined;
      const value = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

function plainReadTransport(inner: Transport): Transport {
  return {
    name: inner.name,
    async dial(address, options) {
      const conn = await inner.dial(address, options);
      return new Proxy(conn, {
        get(t, key) {
          if (key === 'openStream') return (...args: Parameters<Connection['openStream']>) => withoutReadWith(t.openStream(...args));
          const value = Reflect.get(t, key, t);
          return typeof value === 'function' ? value.bind(t) : value;
        },
      });
    },
    listen(address, options) {
      return inner.listen(address, { ...options, onStream: (stream) => options.onStream(withoutReadWith(stream)) });
    },
  };
}

/** What the client-stream handler's read ended with, when it failed. */
let serverReadFailure: unknown;
let serverReadFailed: () => void = () => {};

@Service(greeterDefinition)
class PlainReadGreeter {
  @ServerStream()
  async serverStream(_ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    for (let i = 0; i < req.count; i++) await stream.send({ data: `${req.data}:${i}`, index: i });
    if (req.data === 'fail') throw new MicroError(Code.DATA_LOSS, 'failed after the messages');
  }

  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    const seen: string[] = [];
    try {
      for await (const msg of stream) seen.push(msg.data);
    } catch (err) {
      serverReadFailure = err;
      serverReadFailed();
      throw err;
    }
    return { data: seen.join(','), index: seen.length };
  }
}

describe('a transport without readWith', () => {
  const transport = plainReadTransport(createMemoryTransport());
  let server: Server;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = createServer({ transport, address: `read-fallback-${process.pid}:1`, graceMs: 0, onHandlerError: () => {} });
    server.handle(new PlainReadGreeter());
    const address = await server.start();
    client = createClient({ transport, connections: createPool(transport, { poolSize: 1 }), resolve: () => address });
  });

  afterAll(async () => {
    await client.close();
    await server.stop(0);
  });

  it('reads every message of a server stream, then the end', async () => {
    const s = await client.serverStream<Req, Res>('greeter', m.serverStream, { data: 'tick', count: 3 });
    const got: string[] = [];
    for await (const r of s) got.push(r.data);
    expect(got).toEqual(['tick:0', 'tick:1', 'tick:2']);
  });

  it('hands the client the messages sent, then the status a failed stream ended with', async () => {
    const s = await client.serverStream<Req, Res>('greeter', m.serverStream, { data: 'fail', count: 2 });
    expect((await s.recv()).data).toBe('fail:0');
    expect((await s.recv()).data).toBe('fail:1');
    const err = await s.recv().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMicroError(err)).toBe(true);
    expect(err).toMatchObject({ code: Code.DATA_LOSS, detail: 'failed after the messages' });
  });

  it('reads every message of a client stream on the server', async () => {
    const s = await client.clientStream<Req, Res>('greeter', m.clientStream);
    for (const d of ['a', 'b', 'c']) await s.send({ data: d, count: 0 });
    expect(await s.closeAndRecv()).toEqual({ data: 'a,b,c', index: 3 });
  });

  it('fails the server read of a client stream the caller cancelled, as CANCELLED', async () => {
    const failed = new Promise<void>((resolve) => {
      serverReadFailed = resolve;
    });
    const s = await client.clientStream<Req, Res>('greeter', m.clientStream);
    await s.send({ data: 'a', count: 0 });
    s.close();
    await failed;
    expect(isMicroError(serverReadFailure)).toBe(true);
    expect((serverReadFailure as MicroError).code).toBe(Code.CANCELLED);
  });
});
