import { BidiStream, ClientStream, Code, type BidiStreamServer, type Client, type ClientStreamServer, Context, Endpoint, type Interceptor, loadProto, MicroError, Service, ServerStream, type ServerStreamServer } from '@tsmicro/core';
import { createClient, createServer, type Server, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';

/** greeter is the definition of test/fixtures/greeter.proto's greeter.Greeter. */
export const greeter = loadProto(new URL('../../../test/fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
/** methods are greeter's four methods, one per call kind. */
export const methods = greeter.methods as Required<typeof greeter.methods>;

/** Req and Res are the stream messages of greeter.proto. */
export type Req = { data: string; count: number };
export type Res = { data: string; index: number };

/** Greeter serves greeter.proto: "error" fails INVALID_ARGUMENT, "crash" throws a plain error. */
@Service('greeter.Greeter')
export class Greeter {
  @Endpoint()
  async sayHello(_ctx: Context, req: { name: string }): Promise<{ message: string }> {
    if (req.name === 'error') throw new MicroError(Code.INVALID_ARGUMENT, 'bad name');
    if (req.name === 'crash') throw new Error('crash');
    return { message: `Hello ${req.name}` };
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
    for await (const m of stream) await stream.send({ data: `echo:${m.data}`, index: 0 });
  }
}

/** Served is a greeter server and a client calling it by address. */
export interface Served {
  readonly server: Server;
  readonly client: Client;
  readonly address: string;
  close(): Promise<void>;
}

/** serveGreeter starts a Greeter on 127.0.0.1:0 with server interceptors, and a client with its own. */
export async function serveGreeter(
  transportName: TransportName,
  options: { server?: Interceptor[]; client?: Interceptor[]; handler?: object } = {},
): Promise<Served> {
  const transport = transportByName(transportName);
  const server = createServer({ transport, address: '127.0.0.1:0', graceMs: 0, interceptors: options.server, onHandlerError: () => {} });
  server.handle(options.handler ?? Greeter);
  const address = await server.start();
  const pool = createPool(transport, { poolSize: 1 });
  const client = createClient({ transport, connections: pool, resolve: () => address, interceptors: options.client });
  return {
    server,
    client,
    address,
    async close() {
      await client.close();
      await server.stop(0);
    },
  };
}

/** callEveryKind makes one call of each kind (two messages each way where a kind streams) and one failing unary call. */
export async function callEveryKind(client: Client): Promise<void> {
  await client.call('greeter', methods.sayHello, { name: 'a' });
  await client.call('greeter', methods.sayHello, { name: 'error' }).catch(() => {});
  const ss = await client.serverStream<Req, Res>('greeter', methods.serverStream, { data: 'x', count: 2 });
  for await (const _ of ss) {
    // drained
  }
  const cs = await client.clientStream<Req, Res>('greeter', methods.clientStream);
  await cs.send({ data: 'a', count: 0 });
  await cs.send({ data: 'b', count: 0 });
  await cs.closeAndRecv();
  const bidi = await client.bidiStream<Req, Res>('greeter', methods.allStream);
  await bidi.send({ data: 'a', count: 0 });
  await bidi.recv();
  await bidi.send({ data: 'b', count: 0 });
  await bidi.recv();
  bidi.closeSend();
  for await (const _ of bidi) {
    // to the end
  }
}
