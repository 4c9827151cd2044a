import type * as grpc from '@grpc/grpc-js';
import type { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError, writeAfterCloseSend } from '../status-error.js';
import type { StreamOptions } from '../transport.js';
import { deserializeBytes } from './bytes-serializer.js';
import { CallWriter } from './call-writer.js';
import type { ChannelCall } from './channel-call.js';
import { type CallOwner, GrpcClientCall } from './grpc-client-call.js';
import { statusErrorFromStatus } from './grpc-error.js';
import { ReadQueue, type ReadSource } from './read-queue.js';

/**
 * GrpcClientStream is the caller's side of a streaming gRPC call, whatever
 * the method's kind. It asks grpc-js for the next message while fewer than a
 * few wait unread, so a slow reader stops grpc-js reading from HTTP/2.
 */
export class GrpcClientStream extends GrpcClientCall implements ReadSource {
  private call: ChannelCall | undefined;
  private queue: ReadQueue | undefined;
  private writer: CallWriter | undefined;
  private sendClosed = false;
  private readonly limit: number | undefined;

  /** refused returns a stream that failed before reaching the wire, with the given status. */
  static refused(status: Status): GrpcClientStream {
    const stream = new GrpcClientStream(null, '', undefined, undefined, NO_OWNER);
    stream.end(status);
    return stream;
  }

  constructor(
    channel: grpc.ChannelInterface | null,
    method: string,
    metadata: Metadata | undefined,
    options: StreamOptions | undefined,
    owner: CallOwner,
  ) {
    super(owner);
    // grpc-js has no per-call receive limit; the channel's still bounds what is buffered.
    this.limit = options?.maxMessageSize;
    if (!channel || !metadata) return;
    const queue = new ReadQueue(this);
    this.queue = queue;
    const call = this.startCall(channel, method, metadata, options);
    if (!call) return;
    this.call = call;
    this.writer = new CallWriter(call);
    call.startRead();
  }

  onReceiveMessage(message: Buffer): void {
    const limit = this.limit;
    if (limit !== undefined && message.byteLength > limit) {
      this.cancel(Code.RESOURCE_EXHAUSTED, `received message of ${message.byteLength} bytes exceeds the limit of ${limit}`);
      return;
    }
    const queue = this.queue as ReadQueue;
    queue.push(deserializeBytes(message));
    if (!queue.paused) this.call?.startRead();
  }

  /** pause is the queue saying it is full: no next message is asked for until it resumes. */
  pause(): void {}

  resume(): void {
    this.call?.startRead();
  }

  write(message: Uint8Array): Promise<void> {
    if (!this.writer) return Promise.reject(this.finalError());
    if (this.sendClosed) return Promise.reject(writeAfterCloseSend());
    return this.writer.write(message);
  }

  closeSend(): void {
    if (this.sendClosed || !this.writer) return;
    this.sendClosed = true;
    this.writer.end();
  }

  read(): Promise<Uint8Array | null> {
    if (!this.queue) return Promise.reject(this.finalError());
    return this.queue.read();
  }

  readWith<T, C>(onMessage: (this: C, m: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    if (!this.queue) return Promise.reject(onFailure.call(self, this.finalError()));
    return this.queue.readWith(onMessage, onFailure, self);
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    const status = this.localCancel(code, message);
    if (!status) return;
    const err = statusErrorFromStatus(status);
    this.queue?.fail(err);
    this.writer?.fail(err);
    if (this.call) this.call.cancelWithStatus(code as grpc.status, message);
    else this.end(status);
  }

  // grpc-js reports an OK status only after every message was handed over,
  // so the reader sees them all before the end; other statuses come at once
  // and the reader still gets what is queued first.
  protected ended(final: Status): void {
    if (final.code !== Code.OK) this.writer?.fail(statusErrorFromStatus(final));
    else this.writer?.drop();
    if (!this.queue) return;
    if (final.code === Code.OK) this.queue.end();
    else this.queue.fail(statusErrorFromStatus(final), true);
  }
}

const NO_OWNER: CallOwner = { callEnded() {} };
