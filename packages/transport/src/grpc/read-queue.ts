import type { Readable } from 'node:stream';

/**
 * ReadQueue turns a grpc-js object stream into pull-based reads (its
 * owner feeds it the stream's 'data' events). It pauses
 * the stream once highWaterMark messages wait unread and resumes it as
 * read() drains them, so grpc-js stops reading from HTTP/2 and the peer's
 * flow-control window closes: a slow reader slows the writer end to end.
 */
export class ReadQueue {
  private readonly items: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  // The pending read's settle functions, kept as two fields rather than an object.
  private resolveRead: ((m: Uint8Array | null) => void) | undefined;
  private rejectRead: ((e: Error) => void) | undefined;

  constructor(
    private readonly source: Readable,
    private readonly highWaterMark = 4,
  ) {}

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
    if (this.resolveRead) return Promise.reject(new Error('read() called while another read() is pending'));
    return new Promise((resolve, reject) => {
      this.resolveRead = resolve;
      this.rejectRead = reject;
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
    const resolve = this.resolveRead;
    this.settled();
    resolve?.(null);
  }

  /** fail makes reads reject; keepQueued lets the reader drain queued messages first. */
  fail(err: Error, keepQueued = false): void {
    // A failure also overrides an end the reader has not drained yet.
    if (this.failure) return;
    this.failure = err;
    if (!keepQueued) this.items.length = 0;
    const reject = this.rejectRead;
    this.settled();
    reject?.(err);
  }

  /** push takes the source's next message; its owner calls it from the source's 'data' event. */
  push(message: Uint8Array): void {
    if (this.done) return;
    const resolve = this.resolveRead;
    if (resolve) {
      this.settled();
      resolve(message);
      return;
    }
    this.items.push(message);
    if (this.items.length >= this.highWaterMark) this.source.pause();
  }

  private settled(): void {
    this.resolveRead = undefined;
    this.rejectRead = undefined;
  }
}
