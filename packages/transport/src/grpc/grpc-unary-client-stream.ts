import type * as grpc from '@grpc/grpc-js';
import type { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { StreamOptions } from '../transport.js';
import { deserializeBytes, serializeBytes } from './bytes-serializer.js';
import { type CallOwner, GrpcClientCall, withoutCallerStack } from './grpc-client-call.js';

type Reader = { resolve: (m: Uint8Array | null) => void; reject: (e: Error) => void };

/**
 * GrpcUnaryClientStream carries a call the caller declared unary over
 * grpc-js's unary path, which costs much less per call than a bidi stream
 * (no Node stream objects on either side of grpc-js). The request is held
 * until closeSend() and then sent with the call; the reply is read once the
 * call's status is in, as grpc-js hands both over together.
 */
export class GrpcUnaryClientStream extends GrpcClientCall {
  private request: Uint8Array | undefined;
  private call: grpc.ClientUnaryCall | undefined;
  private reply: Uint8Array | undefined;
  private sendClosed = false;
  private replyTaken = false;
  private reader: Reader | undefined;

  constructor(
    private readonly client: grpc.Client,
    private readonly method: string,
    private readonly metadata: Metadata,
    private readonly options: StreamOptions | undefined,
    owner: CallOwner,
  ) {
    super(owner);
  }

  write(message: Uint8Array): Promise<void> {
    if (this.final) return this.final.code === Code.OK ? Promise.resolve() : Promise.reject(this.finalError());
    if (this.sendClosed) return Promise.reject(new StatusError(Code.INTERNAL, 'write after closeSend'));
    if (this.request !== undefined) return Promise.reject(new StatusError(Code.INTERNAL, 'a unary call takes exactly one request'));
    this.request = message;
    return Promise.resolve();
  }

  closeSend(): void {
    if (this.sendClosed || this.final) return;
    this.sendClosed = true;
    const request = this.request;
    if (request === undefined) {
      this.cancel(Code.INTERNAL, 'a unary call was closed without its request');
      return;
    }
    const md = this.outgoingMetadata(this.metadata, this.options);
    if (!md) return;
    const deadline = this.options?.deadline ?? Infinity;
    const call = withoutCallerStack(() =>
      this.client.makeUnaryRequest(
        this.method,
        serializeBytes,
        deserializeBytes,
        request,
        md,
        { deadline },
        // The status event that follows carries the outcome; only the reply is taken here.
        (err: grpc.ServiceError | null, reply?: Uint8Array) => {
          if (!err && reply) this.took(reply);
        },
      ),
    );
    this.call = call;
    this.listen(call);
  }

  read(): Promise<Uint8Array | null> {
    if (!this.final) {
      if (this.reader) return Promise.reject(new Error('read() called while another read() is pending'));
      return new Promise((resolve, reject) => {
        this.reader = { resolve, reject };
      });
    }
    if (this.final.code !== Code.OK) return Promise.reject(this.finalError());
    return Promise.resolve(this.nextReply());
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    const status = this.localCancel(code, message);
    if (!status) return;
    if (this.call) this.call.cancel();
    else this.end(status);
  }

  protected ended(final: Status): void {
    const reader = this.reader;
    if (!reader) return;
    this.reader = undefined;
    if (final.code === Code.OK) reader.resolve(this.nextReply());
    else reader.reject(this.finalError());
  }

  private took(reply: Uint8Array): void {
    const limit = this.options?.maxMessageSize;
    if (limit !== undefined && reply.byteLength > limit) {
      this.localCancel(Code.RESOURCE_EXHAUSTED, `received message of ${reply.byteLength} bytes exceeds the limit of ${limit}`);
      return;
    }
    this.reply = reply;
  }

  // The reply once, then the clean end.
  private nextReply(): Uint8Array | null {
    if (this.replyTaken || this.reply === undefined) return null;
    this.replyTaken = true;
    return this.reply;
  }
}
