import {
  BidiStream,
  type BidiStreamServer,
  ClientStream,
  type ClientStreamServer,
  Code,
  Context,
  Endpoint,
  MicroError,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import {
  GreeterDefinition,
  type HelloReply,
  type HelloRequest,
  type StreamRequestData,
  type StreamResponseData,
} from './greeter-types.js';

/** Greeter serves greeter.proto exactly as its comments say. */
@Service(GreeterDefinition)
export class Greeter {
  @Endpoint()
  async sayHello(ctx: Context, req: HelloRequest): Promise<HelloReply> {
    echoTraceId(ctx);
    if (req.name === 'error') throw new MicroError(Code.INVALID_ARGUMENT, 'bad name');
    return { message: `Hello ${req.name}` };
  }

  @ServerStream()
  async serverStream(ctx: Context, req: StreamRequestData, stream: ServerStreamServer<StreamResponseData>): Promise<void> {
    echoTraceId(ctx);
    const count = req.count === 0 ? 10 : req.count;
    for (let i = 0; i < count; i++) await stream.send({ data: `${req.data}:${i}`, index: i });
  }

  @ClientStream()
  async clientStream(ctx: Context, stream: ClientStreamServer<StreamRequestData>): Promise<StreamResponseData> {
    echoTraceId(ctx);
    const received: string[] = [];
    for await (const msg of stream) received.push(msg.data);
    return { data: received.join(','), index: received.length };
  }

  @BidiStream()
  async allStream(ctx: Context, stream: BidiStreamServer<StreamRequestData, StreamResponseData>): Promise<void> {
    echoTraceId(ctx);
    for await (const msg of stream) {
      const count = msg.count === 0 ? 1 : msg.count;
      for (let i = 0; i < count; i++) await stream.send({ data: `echo:${msg.data}`, index: i });
    }
  }
}

// Every method echoes an incoming x-trace-id as a response header and as a trailer.
function echoTraceId(ctx: Context): void {
  const traceId = ctx.metadata.getString('x-trace-id');
  if (traceId === undefined) return;
  ctx.setHeader('x-trace-id', traceId);
  ctx.setTrailer('x-trace-id', traceId);
}
