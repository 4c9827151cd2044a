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
export class ReadQueue {
  // Made when a message arrives before anyone reads it.
  private items: Uint8Array[] | undefined;
  private ended = false;
  private failure: Error | undefined;
  // The pending read's settle functions, kept as two fields rather than an object.
  private resolveRead: ((m: Uint8Array | null) => void) | undefined;
  private rejectRead: ((e: Error) => void) | undefined;
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
    const items = this.items;
    const next = items?.shift();
    if (next !== undefined) {
      if (this.isPaused && (items as Uint8Array[]).length < this.highWaterMark && !this.done) {
        this.isPaused = false;
        this.source.resume();
      }
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
    const resolve = this.resolveRead;
    this.settled();
    resolve?.(null);
  }

  /** fail makes reads reject; keepQueued lets the reader drain queued messages first. */
  fail(err: Error, keepQueued = false): void {
    // A failure also overrides an end the reader has not drained yet.
    if (this.failure) return;
    this.failure = err;
    if (!keepQueued) this.items = undefined;
    const reject = this.rejectRead;
    this.settled();
    reject?.(err);
  }

  /** push takes the source's next message; its owner calls it as the message arrives. */
  push(message: Uint8Array): void {
    if (this.done) return;
    const resolve = this.resolveRead;
    if (resolve) {
      this.settled();
      resolve(message);
      return;
    }
    const items = (this.items ??= []);
    items.push(message);
    if (items.length >= this.highWaterMark && !this.isPaused) {
      this.isPaused = true;
      this.source.pause();
    }
  }

  private settled(): void {
    this.resolveRead = undefined;
    this.rejectRead = undefined;
  }
}
