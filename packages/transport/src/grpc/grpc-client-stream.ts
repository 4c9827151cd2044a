import type * as grpc from '@grpc/grpc-js';
import type { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { StreamOptions } from '../transport.js';
import { deserializeBytes, serializeBytes } from './bytes-serializer.js';
import { type CallOwner, GrpcClientCall, withoutCallerStack } from './grpc-client-call.js';
import { statusErrorFromStatus } from './grpc-error.js';
import { MessageWriter } from './message-writer.js';
import { ReadQueue } from './read-queue.js';

/**
 * GrpcClientStream is the caller's side of a streaming gRPC call: a grpc-js
 * bidi-streaming call with identity serializers, whatever the method's kind.
 */
export class GrpcClientStream extends GrpcClientCall {
  private call: grpc.ClientDuplexStream<Uint8Array, Uint8Array> | undefined;
  private queue: ReadQueue | undefined;
  private writer: MessageWriter | undefined;
  private sendClosed = false;

  /** refused returns a stream that failed before reaching the wire, with the given status. */
  static refused(status: Status): GrpcClientStream {
    const stream = new GrpcClientStream(null, '', undefined, undefined, NO_OWNER);
    stream.end(status);
    return stream;
  }

  constructor(
    client: grpc.Client | null,
    method: string,
    metadata: Metadata | undefined,
    options: StreamOptions | undefined,
    owner: CallOwner,
  ) {
    super(owner);
    if (!client || !metadata) return;
    const md = this.outgoingMetadata(metadata, options);
    if (!md) return;
    const deadline = options?.deadline ?? Infinity;
    const call = withoutCallerStack(() => client.makeBidiStreamRequest(method, serializeBytes, deserializeBytes, md, { deadline }));
    this.call = call;
    this.queue = new ReadQueue(call);
    this.writer = new MessageWriter(call);
    const limit = options?.maxMessageSize;
    if (limit !== undefined) {
      // grpc-js has no per-call receive limit; the channel's still bounds what is buffered.
      call.on('data', (m: Uint8Array) => {
        if (m.byteLength > limit) {
          this.cancel(Code.RESOURCE_EXHAUSTED, `received message of ${m.byteLength} bytes exceeds the limit of ${limit}`);
        }
      });
    }
    this.listen(call);
    call.on('data', GrpcClientStream.onData);
    // The same status also arrives as 'status'; a listener here keeps grpc-js's
    // 'error' from being thrown as an unhandled event.
    call.on('error', ignore);
    // 'end' fires only after every message grpc-js buffered was delivered,
    // so the reader sees them all before the status.
    call.on('end', GrpcClientStream.onEndOrClose);
    call.on('close', GrpcClientStream.onEndOrClose);
  }

  private static onData(this: unknown, message: Uint8Array): void {
    (GrpcClientStream.ownerOf(this) as GrpcClientStream).queue?.push(message);
  }

  private static onEndOrClose(this: unknown): void {
    (GrpcClientStream.ownerOf(this) as GrpcClientStream).settleReads();
  }

  write(message: Uint8Array): Promise<void> {
    if (!this.writer) return Promise.reject(this.finalError());
    if (this.sendClosed) return Promise.reject(new StatusError(Code.INTERNAL, 'write after closeSend'));
    return this.writer.write(message);
  }

  closeSend(): void {
    if (this.sendClosed || !this.call) return;
    this.sendClosed = true;
    this.call.end();
  }

  read(): Promise<Uint8Array | null> {
    if (!this.queue) return Promise.reject(this.finalError());
    return this.queue.read();
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    const status = this.localCancel(code, message);
    if (!status) return;
    const err = statusErrorFromStatus(status);
    this.queue?.fail(err);
    this.writer?.fail(err);
    if (this.call) this.call.cancel();
    else this.end(status);
  }

  protected ended(final: Status): void {
    if (final.code !== Code.OK) this.writer?.fail(statusErrorFromStatus(final));
    else this.writer?.drop();
    if (!this.queue || this.call?.readableEnded) this.settleReads();
  }

  private settleReads(): void {
    const final = this.final;
    if (!final || !this.queue) return;
    if (final.code === Code.OK) this.queue.end();
    else this.queue.fail(statusErrorFromStatus(final), true);
  }
}

function ignore(): void {}

const NO_OWNER: CallOwner = { callEnded() {} };
