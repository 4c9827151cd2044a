import type { WatchEvent, Watcher } from './registry.js';

type Waiter = { resolve(event: IteratorResult<WatchEvent>): void; reject(err: unknown): void };

/**
 * QueueWatcher is a Watcher fed by its registry: push() queues events,
 * fail() breaks the stream with an error, stop() ends it. Registry
 * implementations share it so every watcher behaves the same.
 */
export class QueueWatcher implements Watcher {
  private readonly queue: WatchEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private error: unknown;
  private ended = false;

  /** onStop runs once when the watcher stops, so the registry can forget it. */
  constructor(private readonly onStop: (watcher: QueueWatcher) => void = () => {}) {}

  get stopped(): boolean {
    return this.ended;
  }

  /** push delivers an event to the consumer (dropped once stopped). */
  push(event: WatchEvent): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ done: false, value: event });
    else this.queue.push(event);
  }

  /** fail ends the stream with `err`: queued events are still delivered first. */
  fail(err: unknown): void {
    if (this.ended) return;
    this.error = err;
    this.finish();
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  stop(): void {
    if (this.ended) return;
    this.finish();
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
  }

  async next(): Promise<WatchEvent> {
    const result = await this.read();
    if (result.done) throw new WatcherStoppedError();
    return result.value;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.read(),
      return: async () => {
        this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  private read(): Promise<IteratorResult<WatchEvent>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private finish(): void {
    this.ended = true;
    this.onStop(this);
  }
}

/** WatcherStoppedError is what next() rejects with once a watcher was stopped. */
export class WatcherStoppedError extends Error {
  override readonly name = 'WatcherStoppedError';

  constructor() {
    super('watcher stopped');
  }
}
