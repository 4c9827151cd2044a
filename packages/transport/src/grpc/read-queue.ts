import { type PendingRead, asIs, parkRead, readAlreadyPending, rethrow, settleRead, settledWith } from '../read-with.js';
import type { StatusError } from '../status-error.js';

/** ReadSource is where a ReadQueue's messages come from: it can be told to stop and go on. */
export interface ReadSource {
  pause(): void;
  resume(): void;
}

/**
 * ReadQueue turns messages pushed by grpc-js into pull-based reads (its
 * owner feeds it). It pauses its source once highWaterMark messages wait
 * unread and resumes it as read() drains them, so grpc-js stops reading
 * from HTTP/2 and the peer's flow-control window closes: a slow reader
 * slows the writer end to end.
 */
export class ReadQueue implements PendingRead {
  // Made when a message arrives before anyone reads it.
  private items: Uint8Array[] | undefined;
  private ended = false;
  private failure: Error | undefined;
  // The pending read (see PendingRead): internal to the queue, public only for settleRead().
  resolveRead: PendingRead['resolveRead'];
  rejectRead: PendingRead['rejectRead'];
  onReadMessage: PendingRead['onReadMessage'];
  onReadFailure: PendingRead['onReadFailure'];
  readSelf: unknown;
  private isPaused = false;

  constructor(
    private readonly source: ReadSource,
    private readonly highWaterMark = 4,
  ) {}

  /** length is how many messages wait to be read. */
  get length(): number {
    return this.items?.length ?? 0;
  }

  /** read resolves the next message, null after end(), or rejects after fail(). */
  read(): Promise<Uint8Array | null> {
    return this.readWith(asIs, rethrow, undefined);
  }

  /** readWith is read() with its continuations applied in place (see ReadWith). */
  readWith<T, C>(onMessage: (this: C, m: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    const items = this.items;
    const next = items?.shift();
    if (next !== undefined) {
      if (this.isPaused && (items as Uint8Array[]).length < this.highWaterMark && !this.done) {
        this.isPaused = false;
        this.source.resume();
      }
      return settledWith(onMessage, self, next);
    }
    if (this.failure) return Promise.reject(onFailure.call(self, this.failure as StatusError));
    if (this.ended) return settledWith(onMessage, self, null);
    if (this.resolveRead) {
      return Promise.reject(onFailure.call(self, readAlreadyPending()));
    }
    return parkRead(this, onMessage, onFailure, self);
  }

  /** paused tells whether the source was told to stop until the reader catches up. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** done tells whether the queue has ended or failed. */
  get done(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** end lets the reader drain what is queued, then see null. */
  end(): void {
    if (this.done) return;
    this.ended = true;
    if (this.resolveRead) settleRead(this, null, undefined);
  }

  /** fail makes reads reject; keepQueued lets the reader drain queued messages first. */
  fail(err: Error, keepQueued = false): void {
    // A failure also overrides an end the reader has not drained yet.
    if (this.failure) return;
    this.failure = err;
    if (!keepQueued) this.items = undefined;
    if (this.resolveRead) settleRead(this, null, err as StatusError);
  }

  /** push takes the source's next message; its owner calls it as the message arrives. */
  push(message: Uint8Array): void {
    if (this.done) return;
    if (this.resolveRead) {
      settleRead(this, message, undefined);
      return;
    }
    const items = (this.items ??= []);
    items.push(message);
    if (items.length >= this.highWaterMark && !this.isPaused) {
      this.isPaused = true;
      this.source.pause();
    }
  }
}
