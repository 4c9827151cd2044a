import type * as grpc from '@grpc/grpc-js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import { ACCEPTED } from '../transport.js';
import { statusErrorFromUnknown } from './grpc-error.js';
import { type GrpcCallListener, type GrpcInterceptedCall, GrpcServerCall, type GrpcTrailingStatus } from './grpc-server-call.js';
import { ReadQueue, type ReadSource } from './read-queue.js';

// One shared error for reads after the call's own end: building an Error per
// call (a stack capture) showed in profiles of short calls.
const CALL_FINISHED = new StatusError(Code.CANCELLED, 'call finished');

/** A write beyond the window: its message waits here until grpc-js has room. */
type Waiting = { message: Uint8Array; resolve: () => void; reject: (err: Error) => void };

/**
 * GrpcServerStream is the handler's side of a streaming call, run directly
 * on grpc-js's server call from an interceptor (see grpcCallInterceptor):
 * the stream is the call's listener itself, asks for one message at a time
 * while few wait unread, and counts grpc-js's write callbacks for backpressure.
 * No Node stream is built per call.
 */
export class GrpcServerStream
  extends GrpcServerCall
  implements GrpcCallListener, ReadSource, Pick<GrpcInterceptedCall, 'start'>
{
  private readonly queue = new ReadQueue(this);
  // Messages handed to grpc-js whose write callback has not come.
  private unacked = 0;
  // grpc-js calls a write's callback without a receiver: bound once, on the first write.
  private onWritten: (() => void) | undefined;
  // Writes beyond the window, oldest first; made when the first one has to wait.
  private waiting: Waiting[] | undefined;
  // A status given while writes still wait: it goes out behind them.
  private statusAfterWrites: GrpcTrailingStatus | undefined;

  /**
   * start is grpc-js's handler starting the call the interceptor returned.
   * Its listener (which would build a Duplex) is left out: the stream takes
   * the call's events itself.
   */
  start(): void {
    this.call.start(this);
  }

  onReceiveMetadata(metadata: grpc.Metadata): void {
    this.requestHeaders = metadata;
    // One message is asked for at once, so the first read finds it sooner.
    this.call.startRead();
    this.calls.started(this);
  }

  onReceiveMessage(message: Uint8Array): void {
    const queue = this.queue;
    queue.push(message);
    if (!queue.paused && !queue.done) this.call.startRead();
  }

  // A Node client's cancel sends END_STREAM just before its RST_STREAM, and
  // grpc-js passes the first on as a half close: waiting a turn lets a reset
  // that comes with it abort the call before the reader sees an end. One that
  // comes later than that still reads as a half close first.
  // A client's deadline is such a cancel too, sent when the deadline passes on
  // the client, a moment before it passes here (see CLIENT_DEADLINE_LEAD_MS):
  // a half close that close to the deadline is held until the deadline, so
  // the reader sees DEADLINE_EXCEEDED, not an end.
  onReceiveHalfClose(): void {
    if (!this.nearDeadline()) setImmediate(endQueue, this.queue);
    else setTimeout(endQueue, Math.max((this.deadline as number) - Date.now(), 0) + 1, this.queue);
  }

  // grpc-js reports the end of every call here: after the status it sent
  // (ours, or its own for a deadline or a bad message) and for a reset stream.
  onCancel(): void {
    this.forget();
    if (this.statusSent) this.rejectWaiting(new StatusError(Code.CANCELLED, 'call cancelled or connection lost'));
    else this.interrupt();
  }

  /** pause is the queue saying it is full: no next message is asked for until it resumes. */
  pause(): void {}

  resume(): void {
    this.call.startRead();
  }

  read(): Promise<Uint8Array | null> {
    return this.queue.read();
  }

  readWith<T, C>(onMessage: (this: C, m: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    return this.queue.readWith(onMessage, onFailure, self);
  }

  write(message: Uint8Array): Promise<void> {
    const aborted = this.abortReason;
    if (aborted) return Promise.reject(aborted);
    if (this.isFinished) return Promise.reject(new StatusError(Code.INTERNAL, 'write after finish'));
    if (this.unacked >= this.calls.writeWindow || this.waiting?.length) {
      return new Promise((resolve, reject) => (this.waiting ??= []).push({ message, resolve, reject }));
    }
    try {
      this.handOver(message);
    } catch (err) {
      return Promise.reject(statusErrorFromUnknown(err));
    }
    return ACCEPTED;
  }

  // A message grpc-js drops (the call ended meanwhile) is never called
  // back; the cancel that follows settles whoever waits behind it.
  private handOver(message: Uint8Array): void {
    this.call.sendMessage(message, (this.onWritten ??= this.written.bind(this)));
    this.unacked++;
  }

  // A message left grpc-js: the oldest waiting write takes its place.
  private written(): void {
    this.unacked--;
    const next = this.waiting?.shift();
    if (next !== undefined) {
      try {
        this.handOver(next.message);
        next.resolve();
      } catch (err) {
        next.reject(statusErrorFromUnknown(err));
      }
    }
    if (this.statusAfterWrites !== undefined && !this.writesPending()) {
      const status = this.statusAfterWrites;
      this.statusAfterWrites = undefined;
      this.call.sendStatus(status);
    }
  }

  protected sendStatus(status: GrpcTrailingStatus): void {
    this.statusSent = true;
    // The handler's reads are over; the client's remaining messages are discarded.
    this.queue.fail(CALL_FINISHED);
    // grpc-js ends the HTTP/2 stream behind the messages it was handed, so
    // OK never overtakes them; writes still waiting (see writesPending) go first.
    if (this.writesPending()) this.statusAfterWrites = status;
    else this.call.sendStatus(status);
  }

  // writesPending tells whether the status must wait: for writes still
  // waiting for room, and behind interceptors for every message not yet through.
  private writesPending(): boolean {
    return (this.waiting !== undefined && this.waiting.length > 0) || (this.calls.intercepted && this.unacked > 0);
  }

  protected failed(err: StatusError): void {
    this.queue.fail(err);
    this.rejectWaiting(err);
  }

  private rejectWaiting(err: Error): void {
    const waiting = this.waiting;
    this.statusAfterWrites = undefined;
    if (!waiting) return;
    this.waiting = undefined;
    for (const w of waiting) w.reject(err);
  }
}

function endQueue(queue: ReadQueue): void {
  queue.end();
}
