import { createMemoryTransport, type Connection } from '@tsmicro/transport';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BidiStream,
  ClientStream,
  Code,
  Context,
  Endpoint,
  isEOF,
  loadProto,
  MicroError,
  Service,
  ServerStream,
  MemoryLogger,
  type BidiStreamServer,
  type Interceptor,
  type ClientStreamServer,
  type ServerStreamServer,
} from './index.js';
import { createClient, createServer, type ConnectionSource } from './plugin.js';

const proto = loadProto(new URL('../../../test/fixtures/greeter.proto', import.meta.url).pathname);
const greeter = proto.service('greeter.Greeter');
type Req = { data: string; count: number };
type Res = { data: string; index: number };

class Quotes {
  prefix = 'Hello ';
}

@Service('greeter.Greeter')
class Greeter {
  constructor(readonly quotes: Quotes) {}
  @Endpoint()
  async sayHello(_ctx: Context, req: { name: string }): Promise<{ message: string }> {
    if (req.name === 'error') throw new MicroError(Code.INVALID_ARGUMENT, 'bad name');
    return { message: this.quotes.prefix + req.name };
  }
  @ServerStream()
  async serverStream(_ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    for (let i = 0; i < (req.count || 10); i++) await stream.send({ data: `${req.data}:${i}`, index: i });
  }
  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    const got: string[] = [];
    for await (const m of stream) got.push(m.data);
    return { data: got.join(','), index: got.length };
  }
  @BidiStream()
  async allStream(_ctx: Context, stream: BidiStreamServer<Req, Res>): Promise<void> {
    for await (const m of stream) {
      for (let i = 0; i < (m.count || 1); i++) await stream.send({ data: `echo:${m.data}`, index: i });
    }
  }
}

function simpleConnections(transport = createMemoryTransport()): ConnectionSource {
  const conns = new Map<string, Promise<Connection>>();
  return {
    async acquire(address) {
      let c = conns.get(address);
      if (!c) conns.set(address, (c = transport.dial(address)));
      return { connection: await c, release() {} };
    },
    async close() {
      for (const c of conns.values()) await (await c).close();
    },
  };
}

describe('Server and Client over memory', () => {
  const transport = createMemoryTransport();
  const server = createServer({ transport, address: 'greeter:0' });
  server.handle(Greeter);
  const client = createClient({ transport, connections: simpleConnections(transport) });
  afterEach(() => expect(server.stats().activeStreams).toBe(0));

  it('serves all four call kinds', async () => {
    const address = await server.start();
    const m = greeter.methods;
    expect(await client.call('greeter', m.sayHello!, { name: 'jeff' }, { address })).toEqual({ message: 'Hello jeff' });
    const ss = await client.serverStream<Req, Res>('greeter', m.serverStream!, { data: 'x', count: 3 }, { address });
    const got: Res[] = [];
    for await (const r of ss) got.push(r);
    expect(got.map((r) => r.data)).toEqual(['x:0', 'x:1', 'x:2']);
    const cs = await client.clientStream<Req, Res>('greeter', m.clientStream!, { address });
    await cs.send({ data: 'a', count: 0 });
    await cs.send({ data: 'b', count: 0 });
    expect(await cs.closeAndRecv()).toEqual({ data: 'a,b', index: 2 });
    const bidi = await client.bidiStream<Req, Res>('greeter', m.allStream!, { address });
    await bidi.send({ data: 'hi', count: 2 });
    expect((await bidi.recv()).index).toBe(0);
    expect((await bidi.recv()).index).toBe(1);
    bidi.closeSend();
    await expect(bidi.recv()).rejects.toSatisfy(isEOF);
    await expect(client.call('greeter', m.sayHello!, { name: 'error' }, { address })).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
      detail: 'bad name',
    });
  });
});

// Handlers that fail before their first await: the call still ends with their status.
@Service('greeter.Greeter')
class FailingAtOnce {
  @Endpoint()
  sayHello(_ctx: Context, _req: { name: string }): Promise<{ message: string }> {
    throw new MicroError(Code.FAILED_PRECONDITION, 'unary refused');
  }
  @ServerStream()
  serverStream(_ctx: Context, _req: Req, _stream: ServerStreamServer<Res>): Promise<void> {
    throw new MicroError(Code.OUT_OF_RANGE, 'server stream refused');
  }
  @ClientStream()
  clientStream(_ctx: Context, _stream: ClientStreamServer<Req>): Promise<Res> {
    throw new Error('internal detail that must not leak');
  }
  @BidiStream()
  allStream(_ctx: Context, _stream: BidiStreamServer<Req, Res>): Promise<void> {
    throw new MicroError(Code.PERMISSION_DENIED, 'bidi refused');
  }
}

describe('Server dispatch', () => {
  it('ends every kind of call with the status of a handler that throws synchronously', async () => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, address: 'failing:0', onHandlerError: () => {} });
    server.handle(FailingAtOnce);
    const address = await server.start();
    const client = createClient({ transport, connections: simpleConnections(transport) });
    const m = greeter.methods;
    await expect(client.call('greeter', m.sayHello!, { name: 'x' }, { address })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
    });
    const ss = await client.serverStream<Req, Res>('greeter', m.serverStream!, { data: 'x', count: 1 }, { address });
    await expect(ss.recv()).rejects.toMatchObject({ code: Code.OUT_OF_RANGE, detail: 'server stream refused' });
    const cs = await client.clientStream<Req, Res>('greeter', m.clientStream!, { address });
    const failed = await cs.closeAndRecv().catch((err: unknown) => err as MicroError);
    expect(failed).toMatchObject({ code: Code.UNKNOWN });
    expect((failed as MicroError).detail).not.toContain('internal detail');
    const bidi = await client.bidiStream<Req, Res>('greeter', m.allStream!, { address });
    await expect(bidi.recv()).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
    expect(server.stats().activeStreams).toBe(0);
    await client.close();
    await server.stop(0);
  });

  it('logs a plain error a handler threw at error level, naming the handler, while the caller sees UNKNOWN', async () => {
    const transport = createMemoryTransport();
    const logger = new MemoryLogger('info');
    const server = createServer({ transport, address: 'logged:0', logger });
    server.handle(FailingAtOnce);
    const address = await server.start();
    const client = createClient({ transport, connections: simpleConnections(transport) });
    const cs = await client.clientStream<Req, Res>('greeter', greeter.methods.clientStream!, { address });
    await expect(cs.closeAndRecv()).rejects.toMatchObject({ code: Code.UNKNOWN });
    // A MicroError is the handler's answer, not a failure: only the plain error is logged.
    await expect(client.call('greeter', greeter.methods.sayHello!, { name: 'x' }, { address })).rejects.toThrow();
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]).toMatchObject({ level: 'error', msg: 'handler failed', fields: { handler: 'FailingAtOnce.clientStream' } });
    const logged = logger.records[0]?.fields.err;
    expect(logged).toBeInstanceOf(Error);
    expect((logged as Error).message).toBe('internal detail that must not leak');
    await client.close();
    await server.stop(0);
  });
  it("logs a client interceptor's failing onEnd listener to the client's logger, and the call still succeeds", async () => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, address: 'listener:0' });
    server.handle(Greeter);
    const address = await server.start();
    const logger = new MemoryLogger();
    const faulty: Interceptor = (next) => async (call) => {
      call.onEnd(() => {
        throw new Error('listener broke');
      });
      return next(call);
    };
    const client = createClient({ transport, connections: simpleConnections(transport), interceptors: [faulty], logger });
    expect(await client.call('greeter', greeter.methods.sayHello!, { name: 'jo' }, { address })).toEqual({ message: 'Hello jo' });
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]).toMatchObject({ level: 'error', msg: 'client interceptor onEnd listener failed', fields: { service: 'greeter', method: 'SayHello' } });
    expect(logger.records[0]?.fields.err).toMatchObject({ message: 'listener broke' });
    await client.close();
    await server.stop(0);
  });
});
