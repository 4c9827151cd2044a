import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ServerStream } from '../transport.js';
import { statusErrorFromUnknown } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';
import { MessageWriter } from './message-writer.js';
import { ReadQueue } from './read-queue.js';

// One shared error for reads after the call's own end: building an Error per
// call (a stack capture) showed in profiles of short calls.
const CALL_FINISHED = new StatusError(Code.CANCELLED, 'call finished');

/**
 * GrpcServerStream is the handler's side of one call, over the grpc-js
 * duplex that every announced path is registered with.
 */
export class GrpcServerStream implements ServerStream {
  readonly method: string;
  readonly metadata: Metadata;
  readonly deadline: number | undefined;
  readonly contentType: string | undefined;
  readonly peer: string;
  private readonly abort = new AbortController();
  private readonly queue: ReadQueue;
  private readonly writer: MessageWriter;
  private finished = false;
  private statusSent = false;

  constructor(
    private readonly call: grpc.ServerDuplexStream<Uint8Array, Uint8Array>,
    method: string,
  ) {
    this.method = method;
    this.metadata = metadataFromGrpcMetadata(call.metadata);
    const sent = call.metadata.get(CONTENT_TYPE_HEADER)[0];
    // grpc-js accepts only application/grpc* and hides the header; a plain
    // grpc peer means protobuf.
    this.contentType = typeof sent === 'string' ? sent : 'application/grpc';
    const deadline = call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(ms) ? ms : undefined;
    this.peer = call.getPeer();
    this.queue = new ReadQueue(call);
    this.writer = new MessageWriter(call);
    // A reset stream also ends grpc-js's readable, just before 'cancelled':
    // waiting a turn keeps a cancelled call from looking half-closed.
    call.on('end', () => setImmediate(() => this.queue.end()));
    // grpc-js reports 'cancelled' for a reset stream, an expired deadline and
    // also after it sent our own status; only the first two abort the call.
    call.on('cancelled', () => this.interrupt());
    call.on('close', () => this.interrupt());
    call.on('prefinish', () => {
      this.statusSent = true;
    });
    // grpc-js turns an 'error' on this duplex into the call's status; one
    // also arrives for writes to a dead call, which fail() already reported.
    call.on('error', () => {});
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  read(): Promise<Uint8Array | null> {
    return this.queue.read();
  }

  write(message: Uint8Array): Promise<void> {
    if (this.finished && !this.writer.failed) {
      return Promise.reject(new StatusError(Code.INTERNAL, 'write after finish'));
    }
    return this.writer.write(message);
  }

  sendHeaders(metadata: Metadata): void {
    if (this.finished || this.signal.aborted) return;
    try {
      this.call.sendMetadata(grpcMetadataFromMetadata(metadata));
    } catch (err) {
      this.finish({ code: Code.INTERNAL, message: statusErrorFromUnknown(err).message, metadata: new Metadata() });
    }
  }

  finish(status: Status): void {
    if (this.finished) return;
    this.finished = true;
    if (this.signal.aborted) return;
    this.sendStatus(status);
  }

  /**
   * terminate aborts the call from the listener's side: the handler's signal
   * fires and, unless the handler already finished, the client gets err's status.
   */
  terminate(err: StatusError): void {
    if (this.statusSent) return;
    this.abortWith(err);
    if (this.finished) return;
    this.finished = true;
    this.sendStatus(err.status);
  }

  private sendStatus(status: Status): void {
    let code = status.code;
    let details = status.message;
    let trailers: grpc.Metadata;
    try {
      trailers = grpcMetadataFromMetadata(status.metadata);
    } catch (err) {
      code = Code.INTERNAL;
      details = statusErrorFromUnknown(err).message;
      trailers = new grpc.Metadata();
    }
    // The handler's reads are over; the client's remaining messages are discarded.
    this.queue.fail(CALL_FINISHED);
    // grpc-js's documented way to end a streaming call with a status: it
    // queues the status behind the messages already written, so OK never
    // overtakes them.
    this.call.emit('error', { code, details, message: details, metadata: trailers });
  }

  private abortWith(err: StatusError): void {
    if (this.signal.aborted || this.statusSent) return;
    this.queue.fail(err);
    this.writer.fail(err);
    this.abort.abort(err);
  }

  private interrupt(): void {
    if (this.statusSent || this.signal.aborted) return;
    const expired = this.deadline !== undefined && Date.now() >= this.deadline - 5;
    const err = expired
      ? new StatusError(Code.DEADLINE_EXCEEDED, 'deadline exceeded')
      : new StatusError(Code.CANCELLED, 'call cancelled or connection lost');
    this.abortWith(err);
  }
}
