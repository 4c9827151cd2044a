import {
  badRequest,
  type BidiStreamServer,
  type ClientStreamServer,
  type Context,
  loadProto,
  type ServerStreamServer,
} from '@tsmicro/core';
import { createServer, healthService, type HealthService, reflectionService, type Server } from '@tsmicro/core/plugin';
import { createGrpcTransport } from '@tsmicro/transport';
import { repoFile } from './cli-process.js';

interface HelloRequest {
  name: string;
}
interface StreamRequestData {
  data: string;
  count: number;
}
interface StreamResponseData {
  data: string;
  index: number;
}

// The greeter.proto contract, written against the test's own server so the
// CLI can be tested with health and reflection on before the service
// framework turns them on by default.
const greeter = {
  async sayHello(ctx: Context, req: HelloRequest) {
    echoTrace(ctx);
    if (req.name === 'error') throw badRequest('bad name');
    return { message: `Hello ${req.name}` };
  },
  async serverStream(ctx: Context, req: StreamRequestData, stream: ServerStreamServer<StreamResponseData>) {
    echoTrace(ctx);
    const count = req.count || 10;
    for (let i = 0; i < count && !ctx.signal.aborted; i++) await stream.send({ data: `${req.data}:${i}`, index: i });
  },
  async clientStream(ctx: Context, stream: ClientStreamServer<StreamRequestData>) {
    echoTrace(ctx);
    const seen: string[] = [];
    for await (const m of stream) seen.push(m.data);
    return { data: seen.join(','), index: seen.length };
  },
  async allStream(ctx: Context, stream: BidiStreamServer<StreamRequestData, StreamResponseData>) {
    echoTrace(ctx);
    for await (const m of stream) {
      for (let i = 0; i < (m.count || 1); i++) await stream.send({ data: `echo:${m.data}`, index: i });
    }
  },
};

function echoTrace(ctx: Context): void {
  const trace = ctx.metadata.getString('x-trace-id');
  if (trace === undefined) return;
  ctx.responseHeader.set('x-trace-id', trace);
  ctx.responseTrailer.set('x-trace-id', trace);
}

/** GreeterServer is a running greeter over grpc on 127.0.0.1, with its health setter. */
export interface GreeterServer {
  readonly server: Server;
  readonly address: string;
  readonly health: HealthService;
  stop(graceMs?: number): Promise<void>;
  /**
   * stopGracefully is the stop sequence a service runs: NOT_SERVING first
   * while calls are still taken for drainMs (so load balancers and probes
   * move away), then shutdown of health watches, then the server's drain.
   */
  stopGracefully(drainMs: number): Promise<void>;
}

/** startGreeter serves the greeter, health and (unless turned off) reflection, and marks it SERVING. */
export async function startGreeter(options: { reflection?: boolean; graceMs?: number } = {}): Promise<GreeterServer> {
  const definition = loadProto(repoFile('examples/greeter/greeter.proto')).service('greeter.Greeter');
  const server = createServer({ transport: createGrpcTransport(), graceMs: options.graceMs ?? 5_000, onHandlerError: () => {} });
  server.handle(greeter, { definition });
  const health = healthService(server);
  server.handle(health.handler, { definition: health.definition });
  if (options.reflection !== false) {
    for (const r of reflectionService(server)) server.handle(r.handler, { definition: r.definition });
  }
  const address = await server.start();
  health.setServing();
  return {
    server,
    address,
    health,
    async stopGracefully(drainMs) {
      health.setNotServing();
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      health.shutdown();
      await server.stop();
    },
    async stop(graceMs = 0) {
      health.shutdown();
      await server.stop(graceMs);
    },
  };
}
