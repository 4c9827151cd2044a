import { ACCEPTED } from './transport.js';
/**
 * MessageQueue is a bounded, single-reader queue of messages with an end and
 * a failure state. push() resolves once the message fits under the
 * high-water mark, so a slow reader slows the writer and memory stays bounded.
 * It is the in-process analogue of a flow-control window.
 */
export class MessageQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private ended = false;
  private failure: Error | undefined;
  private reader: { resolve: (v: T | null) => void; reject: (e: Error) => void } | undefined;
  private readonly writers: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(private readonly highWaterMark = 16) {}

  /** length is how many messages wait to be read. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** done tells whether the queue ended or failed. */
  get done(): boolean {
    return this.ended || this.failure !== undefined;
  }

  push(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new Error('push after end'));
    const reader = this.reader;
    if (reader) {
      this.reader = undefined;
      reader.resolve(item);
      return ACCEPTED;
    }
    this.items.push(item);
    if (this.length <= this.highWaterMark) return ACCEPTED;
    return new Promise((resolve, reject) => this.writers.push({ resolve, reject }));
  }

  /** shift resolves the next message, null after end(), or rejects after fail(). */
  shift(): Promise<T | null> {
    if (this.length > 0) {
      const item = this.items[this.head] as T;
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.releaseWriter();
      return Promise.resolve(item);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.reader) return Promise.reject(new Error('concurrent read'));
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
    });
  }

  /** end lets the reader drain what is queued, then see null. */
  end(): void {
    if (this.done) return;
    this.ended = true;
    this.reader?.resolve(null);
    this.reader = undefined;
  }

  /**
   * fail drops what is queued and rejects the pending reader and writers.
   * keepQueued lets the reader drain queued messages before seeing the error.
   */
  fail(err: Error, keepQueued = false): void {
    if (this.failure) return;
    this.failure = err;
    if (!keepQueued) {
      this.items.length = 0;
      this.head = 0;
    }
    this.reader?.reject(err);
    this.reader = undefined;
    for (const w of this.writers.splice(0)) w.reject(err);
  }

  private releaseWriter(): void {
    if (this.writers.length > 0 && this.length <= this.highWaterMark) this.writers.shift()?.resolve();
  }
}
