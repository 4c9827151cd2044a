import * as grpc from '@grpc/grpc-js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import { ACCEPTED } from '../transport.js';
import { type GrpcCallListener, type GrpcInterceptedCall, GrpcServerCall, type GrpcTrailingStatus } from './grpc-server-call.js';

/**
 * GrpcUnaryServerStream is the handler's side of a call to a method
 * announced as unary, run directly on grpc-js's server call from an
 * interceptor (see grpcCallInterceptor), as streaming calls are: it is the
 * call's listener itself, takes the one request, and hands the application
 * the call at the half close. grpc-js's own unary handler would build a Node
 * Writable, a Metadata and three closures per call; none is built here.
 */
export class GrpcUnaryServerStream extends GrpcServerCall implements GrpcCallListener, Pick<GrpcInterceptedCall, 'start'> {
  private request: Uint8Array | undefined;
  private requestTaken = false;
  private reply: Uint8Array | undefined;

  /** start is grpc-js's handler starting the call the interceptor returned; its listener is left out. */
  start(): void {
    this.call.start(this);
  }

  onReceiveMetadata(metadata: grpc.Metadata): void {
    this.requestHeaders = metadata;
    this.call.startRead();
  }

  // The same statuses grpc-js's unary handler gives a peer that breaks the one-request rule.
  onReceiveMessage(message: Uint8Array): void {
    if (this.request !== undefined) {
      this.refuse(`Received a second request message for unary method ${this.method}`);
      return;
    }
    this.request = message;
    this.call.startRead();
  }

  onReceiveHalfClose(): void {
    if (this.request === undefined) {
      this.refuse(`Received no request message for unary method ${this.method}`);
      return;
    }
    this.calls.started(this);
  }

  // grpc-js reports the end of every call here: after the status it sent
  // (ours, or its own for a deadline or a bad message) and for a reset stream.
  onCancel(): void {
    this.forget();
    this.interrupt();
  }

  /** takeNow hands over the request, which is always in before the call reaches the application. */
  takeNow(): Uint8Array | undefined {
    if (this.abortReason || this.requestTaken) return undefined;
    this.requestTaken = true;
    return this.request;
  }

  read(): Promise<Uint8Array | null> {
    if (this.abortReason) return Promise.reject(this.abortReason);
    if (this.requestTaken) return Promise.resolve(null);
    this.requestTaken = true;
    return Promise.resolve(this.request ?? null);
  }

  write(message: Uint8Array): Promise<void> {
    if (this.abortReason) return Promise.reject(this.abortReason);
    if (this.isFinished) return Promise.reject(new StatusError(Code.INTERNAL, 'write after finish'));
    if (this.reply !== undefined) return Promise.reject(new StatusError(Code.INTERNAL, 'a unary call takes exactly one reply'));
    this.reply = message;
    return ACCEPTED;
  }

  protected sendStatus(status: GrpcTrailingStatus): void {
    this.statusSent = true;
    this.forget();
    if (status.code !== Code.OK) {
      this.call.sendStatus(status);
      return;
    }
    const reply = this.reply;
    if (reply === undefined) {
      this.call.sendStatus({ code: grpc.status.INTERNAL, details: 'the handler ended a unary call without a reply', metadata: new grpc.Metadata() });
      return;
    }
    const ok = { code: grpc.status.OK, details: 'OK', metadata: status.metadata };
    // Without interceptors grpc-js ends the HTTP/2 stream behind the reply it
    // was handed, in the same turn: the headers and the reply leave in one
    // socket write, the trailers in the next (Node's http2 asks for trailers
    // only once the last DATA is on its way). An interceptor holds the reply
    // while its hook works and drops a status given meanwhile: there the
    // status waits for the reply.
    if (!this.calls.intercepted) {
      this.call.sendMessage(reply, noop);
      this.call.sendStatus(ok);
      return;
    }
    this.call.sendMessage(reply, () => this.call.sendStatus(ok));
  }

  // Reads and writes never wait here, so an abort leaves nothing to settle.
  protected failed(): void {}

  private refuse(details: string): void {
    this.statusSent = true;
    this.call.sendStatus({ code: grpc.status.UNIMPLEMENTED, details, metadata: new grpc.Metadata() });
  }
}

function noop(): void {}
