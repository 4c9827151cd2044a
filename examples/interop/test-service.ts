import { setTimeout as sleep } from 'node:timers/promises';
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
  type EchoStatus,
  type Payload,
  type SimpleRequest,
  type SimpleResponse,
  type StreamingInputCallRequest,
  type StreamingInputCallResponse,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
  TestServiceDefinition,
} from './interop-types.js';

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

/**
 * TestService is the standard gRPC interop service. UnimplementedCall is left
 * out on purpose: callers must get UNIMPLEMENTED for it.
 */
@Service(TestServiceDefinition)
export class TestService {
  @Endpoint()
  async emptyCall(ctx: Context, _req: object): Promise<object> {
    echoMetadata(ctx);
    return {};
  }

  @Endpoint()
  async unaryCall(ctx: Context, req: SimpleRequest): Promise<SimpleResponse> {
    echoMetadata(ctx);
    throwRequestedStatus(req.responseStatus);
    return { payload: payloadOf(req.responseType, req.responseSize) };
  }

  @ServerStream()
  async streamingOutputCall(
    ctx: Context,
    req: StreamingOutputCallRequest,
    stream: ServerStreamServer<StreamingOutputCallResponse>,
  ): Promise<void> {
    echoMetadata(ctx);
    await respond(req, stream, ctx.signal);
    throwRequestedStatus(req.responseStatus);
  }

  @ClientStream()
  async streamingInputCall(ctx: Context, stream: ClientStreamServer<StreamingInputCallRequest>): Promise<StreamingInputCallResponse> {
    echoMetadata(ctx);
    let aggregatedPayloadSize = 0;
    for await (const req of stream) aggregatedPayloadSize += req.payload?.body.byteLength ?? 0;
    return { aggregatedPayloadSize };
  }

  @BidiStream()
  async fullDuplexCall(ctx: Context, stream: BidiStreamServer<StreamingOutputCallRequest, StreamingOutputCallResponse>): Promise<void> {
    echoMetadata(ctx);
    // Answer each request as it arrives: ping-pong clients wait for every reply.
    for await (const req of stream) {
      throwRequestedStatus(req.responseStatus);
      await respond(req, stream, ctx.signal);
    }
  }

  @BidiStream()
  async halfDuplexCall(ctx: Context, stream: BidiStreamServer<StreamingOutputCallRequest, StreamingOutputCallResponse>): Promise<void> {
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
  for (const params of req.responseParameters) {
    if (params.intervalUs > 0) await sleep(params.intervalUs / 1000, undefined, { signal });
    await stream.send({ payload: payloadOf(req.responseType, params.size) });
  }
}

function payloadOf(type: string, size: number): Payload {
  if (type !== 'COMPRESSABLE') throw new MicroError(Code.INVALID_ARGUMENT, `unsupported response type ${type}`);
  return { type, body: new Uint8Array(size) };
}

function throwRequestedStatus(status: EchoStatus | null): void {
  if (status && status.code !== 0) throw new MicroError(status.code, status.message);
}

function echoMetadata(ctx: Context): void {
  const initial = ctx.metadata.get(ECHO_INITIAL);
  if (initial !== undefined) ctx.setHeader(ECHO_INITIAL, initial);
  const trailing = ctx.metadata.get(ECHO_TRAILING);
  if (trailing !== undefined) ctx.setTrailer(ECHO_TRAILING, trailing);
}
