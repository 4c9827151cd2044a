import { BidiStream, ClientStream, Code, Context, Endpoint, MicroError, Service, ServerStream } from '@tsmicro/core';
// Loading the generated module registers greeter.Greeter's definition, which
// @Service('greeter.Greeter') looks up; the named imports below are types only.
import './gen/greeter.js';
import type {
  Greeter_AllStreamStream,
  Greeter_ClientStreamStream,
  Greeter_ServerStreamStream,
  GreeterHandler,
  HelloReply,
  HelloRequest,
  StreamRequestData,
  StreamResponseData,
} from './gen/greeter.js';

/** Greeter serves greeter.proto exactly as its comments say. */
@Service('greeter.Greeter')
export class Greeter implements GreeterHandler {
  @Endpoint()
  async sayHello(ctx: Context, req: HelloRequest): Promise<HelloReply> {
    echoTraceId(ctx);
    if (req.name === 'error') throw new MicroError(Code.INVALID_ARGUMENT, 'bad name');
    return { message: `Hello ${req.name ?? ''}` };
  }

  @ServerStream()
  async serverStream(ctx: Context, req: StreamRequestData, stream: Greeter_ServerStreamStream): Promise<void> {
    echoTraceId(ctx);
    const count = req.count || 10;
    for (let i = 0; i < count; i++) await stream.send({ data: `${req.data ?? ''}:${i}`, index: i });
  }

  @ClientStream()
  async clientStream(ctx: Context, stream: Greeter_ClientStreamStream): Promise<StreamResponseData> {
    echoTraceId(ctx);
    const received: string[] = [];
    for await (const msg of stream) received.push(msg.data ?? '');
    return { data: received.join(','), index: received.length };
  }

  @BidiStream()
  async allStream(ctx: Context, stream: Greeter_AllStreamStream): Promise<void> {
    echoTraceId(ctx);
    for await (const msg of stream) {
      const count = msg.count || 1;
      for (let i = 0; i < count; i++) await stream.send({ data: `echo:${msg.data ?? ''}`, index: i });
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
