import type { Readable } from 'node:stream';

// The source stream points back to its queue, so one shared 'data' listener
// serves every queue instead of a closure per stream.
const QUEUE = Symbol('tsmicro.readQueue');
type Queued = { [QUEUE]?: ReadQueue };

/**
 * ReadQueue turns a grpc-js object stream into pull-based reads. It pauses
 * the stream once highWaterMark messages wait unread and resumes it as
 * read() drains them, so grpc-js stops reading from HTTP/2 and the peer's
 * flow-control window closes: a slow reader slows the writer end to end.
 */
export class ReadQueue {
  private readonly items: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiter: { resolve: (m: Uint8Array | null) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly source: Readable,
    private readonly highWaterMark = 4,
  ) {
    (source as Queued)[QUEUE] = this;
    source.on('data', ReadQueue.onData);
  }

  private static onData(this: unknown, message: Uint8Array): void {
    ((this as Queued)[QUEUE] as ReadQueue).push(message);
  }

  /** length is how many messages wait to be read. */
  get length(): number {
    return this.items.length;
  }

  /** read resolves the next message, null after end(), or rejects after fail(). */
  read(): Promise<Uint8Array | null> {
    const next = this.items.shift();
    if (next !== undefined) {
      if (this.items.length < this.highWaterMark && this.source.isPaused() && !this.done) this.source.resume();
      return Promise.resolve(next);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new Error('read() called while another read() is pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** done tells whether the queue has ended or failed. */
  get done(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** end lets the reader drain what is queued, then see null. */
  end(): void {
    if (this.done) return;
    this.ended = true;
    this.waiter?.resolve(null);
    this.waiter = undefined;
  }

  /** fail makes reads reject; keepQueued lets the reader drain queued messages first. */
  fail(err: Error, keepQueued = false): void {
    // A failure also overrides an end the reader has not drained yet.
    if (this.failure) return;
    this.failure = err;
    if (!keepQueued) this.items.length = 0;
    this.waiter?.reject(err);
    this.waiter = undefined;
  }

  private push(message: Uint8Array): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve(message);
      return;
    }
    this.items.push(message);
    if (this.items.length >= this.highWaterMark) this.source.pause();
  }
}
