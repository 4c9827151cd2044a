import { setTimeout as sleep } from 'node:timers/promises';
import { BidiStream, ClientStream, Code, Context, Endpoint, MicroError, Service, ServerStream } from '@tsmicro/core';
// Loading the generated module registers grpc.testing.TestService's definition,
// which @Service('grpc.testing.TestService') looks up; the named imports are types.
import './gen/grpc/testing/test.js';
import type { Empty } from './gen/grpc/testing/empty.js';
import type {
  EchoStatus,
  Payload,
  PayloadType,
  SimpleRequest,
  SimpleResponse,
  StreamingInputCallResponse,
  StreamingOutputCallRequest,
  StreamingOutputCallResponse,
} from './gen/grpc/testing/messages.js';
import type {
  TestService_FullDuplexCallStream,
  TestService_HalfDuplexCallStream,
  TestService_StreamingInputCallStream,
  TestService_StreamingOutputCallStream,
  TestServiceHandler,
} from './gen/grpc/testing/test.js';

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

/**
 * TestService is the standard gRPC interop service. UnimplementedCall is left
 * out on purpose: callers must get UNIMPLEMENTED for it.
 */
@Service('grpc.testing.TestService')
export class TestService implements Omit<TestServiceHandler, 'unimplementedCall'> {
  @Endpoint()
  async emptyCall(ctx: Context, _req: Empty): Promise<Empty> {
    echoMetadata(ctx);
    return {};
  }

  @Endpoint()
  async unaryCall(ctx: Context, req: SimpleRequest): Promise<SimpleResponse> {
    echoMetadata(ctx);
    throwRequestedStatus(req.responseStatus);
    return { payload: payloadOf(req.responseType, req.responseSize ?? 0) };
  }

  @ServerStream()
  async streamingOutputCall(
    ctx: Context,
    req: StreamingOutputCallRequest,
    stream: TestService_StreamingOutputCallStream,
  ): Promise<void> {
    echoMetadata(ctx);
    await respond(req, stream, ctx.signal);
    throwRequestedStatus(req.responseStatus);
  }

  @ClientStream()
  async streamingInputCall(ctx: Context, stream: TestService_StreamingInputCallStream): Promise<StreamingInputCallResponse> {
    echoMetadata(ctx);
    let aggregatedPayloadSize = 0;
    for await (const req of stream) aggregatedPayloadSize += req.payload?.body?.byteLength ?? 0;
    return { aggregatedPayloadSize };
  }

  @BidiStream()
  async fullDuplexCall(ctx: Context, stream: TestService_FullDuplexCallStream): Promise<void> {
    echoMetadata(ctx);
    // Answer each request as it arrives: ping-pong clients wait for every reply.
    for await (const req of stream) {
      throwRequestedStatus(req.responseStatus);
      await respond(req, stream, ctx.signal);
    }
  }

  @BidiStream()
  async halfDuplexCall(ctx: Context, stream: TestService_HalfDuplexCallStream): Promise<void> {
    echoMetadata(ctx);
    const buffered: StreamingOutputCallRequest[] = [];
    for await (const req of stream) buffered.push(req);
    for (const req of buffered) {
      throwRequestedStatus(req.responseStatus);
      await respond(req, stream, ctx.signal);
    }
  }
}

async function respond(
  req: StreamingOutputCallRequest,
  stream: { send(m: StreamingOutputCallResponse): Promise<void> },
  signal: AbortSignal,
): Promise<void> {
  for (const params of req.responseParameters ?? []) {
    const intervalUs = params.intervalUs ?? 0;
    if (intervalUs > 0) await sleep(intervalUs / 1000, undefined, { signal });
    await stream.send({ payload: payloadOf(req.responseType, params.size ?? 0) });
  }
}

// An unset type is COMPRESSABLE (0); a number is a type this proto does not know.
function payloadOf(type: PayloadType | number | undefined, size: number): Payload {
  if (type !== undefined && type !== 'COMPRESSABLE') throw new MicroError(Code.INVALID_ARGUMENT, `unsupported response type ${type}`);
  return { type, body: new Uint8Array(size) };
}

function throwRequestedStatus(status: EchoStatus | undefined): void {
  if (status?.code) throw new MicroError(status.code, status.message ?? '');
}

function echoMetadata(ctx: Context): void {
  const initial = ctx.metadata.get(ECHO_INITIAL);
  if (initial !== undefined) ctx.setHeader(ECHO_INITIAL, initial);
  const trailing = ctx.metadata.get(ECHO_TRAILING);
  if (trailing !== undefined) ctx.setTrailer(ECHO_TRAILING, trailing);
}
