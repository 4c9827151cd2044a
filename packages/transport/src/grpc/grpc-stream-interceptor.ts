import type * as grpc from '@grpc/grpc-js';
import type { GrpcServerCalls } from './grpc-server-calls.js';
import { GrpcServerStream } from './grpc-server-stream.js';

/**
 * grpcStreamInterceptor gives every streaming call to a GrpcServerStream
 * before grpc-js's bidi handler builds a Node Duplex for it, and lets unary
 * calls through. It goes last among a server's interceptors, so those the
 * application configured still wrap the call.
 */
export function grpcStreamInterceptor(calls: GrpcServerCalls): grpc.ServerInterceptor {
  return (method, call) => {
    if (!method.requestStream) return call as grpc.ServerInterceptingCall;
    // grpc-js's bidi handler calls only start() on what an interceptor
    // returns, and the stream then drives the call itself: none of the
    // ServerInterceptingCall members the type asks for is ever used.
    return new GrpcServerStream(call, method.path, calls) as unknown as grpc.ServerInterceptingCall;
  };
}
