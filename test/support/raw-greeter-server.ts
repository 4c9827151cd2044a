import * as grpc from '@grpc/grpc-js';
import {
  greeterProtoPath,
  type HelloReply,
  type HelloRequest,
  type StreamRequestData,
  type StreamResponseData,
} from './greeter-messages.js';
import { loadRawService } from './raw-service.js';

/** RawGreeterServer is a stock grpc-js server of greeter.proto, listening on 127.0.0.1. */
export interface RawGreeterServer {
  readonly address: string;
  close(): Promise<void>;
}

const TRACE_ID = 'x-trace-id';

/**
 * startRawGreeterServer serves greeter.proto's contract with nothing but
 * @grpc/grpc-js and @grpc/proto-loader, as any third-party implementation would.
 */
export async function startRawGreeterServer(): Promise<RawGreeterServer> {
  const server = new grpc.Server();
  server.addService(loadRawService(greeterProtoPath, 'greeter.Greeter'), greeterImplementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Streams a peer left open must not keep the test waiting.
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

const greeterImplementation: grpc.UntypedServiceImplementation = {
  SayHello(call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) {
    const trailer = echoTraceId(call);
    if (call.request.name === 'error') {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'bad name', metadata: trailer });
      return;
    }
    callback(null, { message: `Hello ${call.request.name}` }, trailer);
  },

  async ServerStream(call: grpc.ServerWritableStream<StreamRequestData, StreamResponseData>) {
    const trailer = echoTraceId(call);
    const count = call.request.count === 0 ? 10 : call.request.count;
    for (let i = 0; i < count && !call.cancelled; i++) {
      if (!call.write({ data: `${call.request.data}:${i}`, index: i })) await drained(call);
    }
    call.end(trailer);
  },

  ClientStream(call: grpc.ServerReadableStream<StreamRequestData, StreamResponseData>, callback: grpc.sendUnaryData<StreamResponseData>) {
    const trailer = echoTraceId(call);
    const received: string[] = [];
    call.on('data', (msg: StreamRequestData) => received.push(msg.data));
    call.on('end', () => callback(null, { data: received.join(','), index: received.length }, trailer));
  },

  AllStream(call: grpc.ServerDuplexStream<StreamRequestData, StreamResponseData>) {
    const trailer = echoTraceId(call);
    // Answer each message the moment it arrives: ping-pong clients wait for the reply.
    call.on('data', (msg: StreamRequestData) => {
      const count = msg.count === 0 ? 1 : msg.count;
      for (let i = 0; i < count; i++) call.write({ data: `echo:${msg.data}`, index: i });
    });
    call.on('end', () => call.end(trailer));
  },
};

// Sends x-trace-id in the response headers now and returns the trailer that repeats it.
function echoTraceId(call: { metadata: grpc.Metadata; sendMetadata(md: grpc.Metadata): void }): grpc.Metadata {
  const trailer = new grpc.Metadata();
  const traceIds = call.metadata.get(TRACE_ID);
  if (traceIds.length === 0) return trailer;
  const header = new grpc.Metadata();
  for (const id of traceIds) {
    header.add(TRACE_ID, id);
    trailer.add(TRACE_ID, id);
  }
  call.sendMetadata(header);
  return trailer;
}

function drained(call: grpc.ServerWritableStream<StreamRequestData, StreamResponseData>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}
