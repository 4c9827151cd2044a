import * as grpc from '@grpc/grpc-js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import { ACCEPTED } from '../transport.js';
import { GrpcServerCall, type GrpcTrailingStatus } from './grpc-server-call.js';
import type { GrpcServerCalls } from './grpc-server-calls.js';

type UnaryCall = grpc.ServerUnaryCall<Uint8Array, Uint8Array>;

// Each grpc-js call object points back to the stream built on it, so its
// 'cancelled' listener can be one shared function rather than a closure per call.
const OWNER = Symbol('tsmicro.grpcUnaryServerStream');
type Owned = { [OWNER]?: GrpcUnaryServerStream };

/**
 * GrpcUnaryServerStream is the handler's side of a call to a method
 * announced as unary, over grpc-js's unary handler: grpc-js has read the one
 * request before the call starts, and sends the one reply with the status.
 */
export class GrpcUnaryServerStream extends GrpcServerCall<UnaryCall> {
  // Read at the start: grpc-js knows the peer only while the connection lasts.
  readonly peer: string;
  private requestTaken = false;
  private reply: Uint8Array | undefined;

  constructor(
    call: UnaryCall,
    private readonly respond: grpc.sendUnaryData<Uint8Array>,
    method: string,
    calls: GrpcServerCalls,
  ) {
    super(call, method, calls);
    this.requestHeaders = call.metadata;
    this.peer = call.getPeer();
    (call as Owned)[OWNER] = this;
    // grpc-js reports 'cancelled' for a reset stream and an expired deadline.
    call.on('cancelled', GrpcUnaryServerStream.onCancelled);
  }

  read(): Promise<Uint8Array | null> {
    if (this.abortReason) return Promise.reject(this.abortReason);
    if (this.requestTaken) return Promise.resolve(null);
    this.requestTaken = true;
    return Promise.resolve(this.call.request);
  }

  write(message: Uint8Array): Promise<void> {
    if (this.abortReason) return Promise.reject(this.abortReason);
    if (this.isFinished) return Promise.reject(new StatusError(Code.INTERNAL, 'write after finish'));
    if (this.reply !== undefined) return Promise.reject(new StatusError(Code.INTERNAL, 'a unary call takes exactly one reply'));
    this.reply = message;
    return ACCEPTED;
  }

  private static onCancelled(this: Owned): void {
    // biome-ignore lint/complexity/noThisInStatic: one listener for every call, made once; `this` is the grpc-js call it listens on (see the this parameter)
    const stream = this[OWNER];
    if (!stream) return;
    stream.forget();
    stream.interrupt();
  }

  protected sendStatus(status: GrpcTrailingStatus): void {
    this.statusSent = true;
    this.forget();
    if (status.code !== Code.OK) {
      this.respond(status);
      return;
    }
    if (this.reply === undefined) {
      this.respond({ code: grpc.status.INTERNAL, details: 'the handler ended a unary call without a reply', metadata: new grpc.Metadata() });
      return;
    }
    this.respond(null, this.reply, status.metadata);
  }

  // Reads and writes never wait here, so an abort leaves nothing to settle.
  protected failed(): void {}
}
