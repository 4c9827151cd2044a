import type * as grpc from '@grpc/grpc-js';
import type { GrpcServerCalls } from './grpc-server-calls.js';
import { GrpcServerStream } from './grpc-server-stream.js';
import { GrpcUnaryServerStream } from './grpc-unary-server-stream.js';

/**
 * grpcCallInterceptor takes every call over before grpc-js's handler builds
 * a Node stream for it: unary calls to a GrpcUnaryServerStream, streaming
 * ones to a GrpcServerStream. It goes last among a server's interceptors,
 * so those the application configured still wrap the call.
 */
export function grpcCallInterceptor(calls: GrpcServerCalls): grpc.ServerInterceptor {
  // grpc-js's handlers call only start() on what an interceptor returns, and
  // the call object then drives grpc-js's call itself: none of the
  // ServerInterceptingCall members the type asks for is ever used.
  return (method, call) =>
    (method.requestStream
      ? new GrpcServerStream(call, method.path, calls)
      : new GrpcUnaryServerStream(call, method.path, calls)) as unknown as grpc.ServerInterceptingCall;
}
