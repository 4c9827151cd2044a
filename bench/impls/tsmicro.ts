import {
  BidiStream,
  type BidiStreamServer,
  ClientStream,
  type ClientStreamServer,
  Context,
  Endpoint,
  loadProto,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import { createClient, createServer, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { type BenchImpl, protoPath } from '../bench-impl.js';
import { benchInterceptors } from './bench-interceptors.js';
import { observabilityInterceptors } from './observability-interceptors.js';

interface Payload {
  data: Uint8Array;
}
interface StreamRequest {
  size: number;
  count: number;
}
interface Count {
  count: number;
}

const proto = loadProto(protoPath);
const definition = proto.service('bench.Bench');
const methods = {
  unary: definition.methods.unary!,
  serverStream: definition.methods.serverStream!,
  clientStream: definition.methods.clientStream!,
  bidi: definition.methods.bidi!,
};

/** BenchHandler serves bench.proto's four methods as every tsmicro row (and cpu-per-call) runs them. */
@Service(definition)
export class BenchHandler {
  @Endpoint()
  async unary(_ctx: Context, req: Payload): Promise<Payload> {
    return req;
  }

  @ServerStream()
  async serverStream(ctx: Context, req: StreamRequest, stream: ServerStreamServer<Payload>): Promise<void> {
    const reply = { data: new Uint8Array(req.size).fill(7) };
    for (let i = 0; i < req.count && !ctx.signal.aborted; i++) await stream.send(reply);
  }

  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Payload>): Promise<Count> {
    let count = 0;
    for await (const _ of stream) count++;
    return { count };
  }

  @BidiStream()
  async bidi(_ctx: Context, stream: BidiStreamServer<Payload, Payload>): Promise<void> {
    for await (const m of stream) await stream.send(m);
  }
}

/**
 * tsmicro is a row of tsmicro over one transport, used as its users use it;
 * `extra` puts benchInterceptors, or @tsmicro/observability's access log,
 * metrics and tracing, on both the server and the client.
 */
export function tsmicro(transportName: TransportName, extra?: 'interceptors' | 'observability'): BenchImpl {
  const transport = transportByName(transportName);
  const interceptors =
    extra === 'interceptors' ? benchInterceptors() : extra === 'observability' ? observabilityInterceptors() : undefined;
  return {
    name: `tsmicro/${transportName}${extra ? `+${extra}` : ''}`,
    async serve() {
      const server = createServer({ transport, address: '127.0.0.1:0', graceMs: 0, interceptors });
      server.handle(new BenchHandler());
      const address = await server.start();
      return { address, close: () => server.stop(0) };
    },
    async connect(address) {
      // One connection, as the grpc-js baseline has one channel, and kept
      // as long as that channel keeps its own (grpc-js drops an idle one
      // after 30 minutes): with the pool's default of 60 s, a row idle
      // through the other rows' turns (the warm-up of all of them takes
      // minutes) redialled at the start of its next turn, a cost the
      // baseline never pays.
      const pool = createPool(transport, { poolSize: 1, maxStreamsPerConnection: 100_000, ttlMs: 30 * 60_000 });
      const client = createClient({ transport, connections: pool, resolve: () => address, interceptors });
      const service = 'bench';
      return {
        // The call's own promise: an async wrapper would add a promise and a tick to every call.
        unary: (payload) => client.call(service, methods.unary, { data: payload }),
        async serverStream(size, count) {
          const stream = await client.serverStream(service, methods.serverStream, { size, count });
          let n = 0;
          for await (const _ of stream) n++;
          return n;
        },
        async clientStream(payload, count) {
          const stream = await client.clientStream(service, methods.clientStream);
          const message = { data: payload };
          for (let i = 0; i < count; i++) await stream.send(message);
          return (await stream.closeAndRecv()).count;
        },
        async bidi() {
          const stream = await client.bidiStream(service, methods.bidi);
          return {
            async ping(payload) {
              await stream.send({ data: payload });
              await stream.recv();
            },
            async close() {
              stream.closeSend();
              await stream.trailer();
            },
          };
        },
        close: () => client.close(),
      };
    },
  };
}
