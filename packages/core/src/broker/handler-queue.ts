import type { BrokerHandler, BrokerMessage, SubscriptionStats } from './broker.js';

/** Outcome is how one offered message ended: handled, failed, or discarded unhandled by a drain. */
export type Outcome = 'handled' | 'failed' | 'discarded';

/** Settle hears a message's outcome (a durable broker acks or naks on it). */
export type Settle = (outcome: Outcome, err?: unknown) => void;

/** HandlerQueueOptions configure a HandlerQueue. */
export interface HandlerQueueOptions {
  readonly handler: BrokerHandler;
  readonly maxInFlight: number;
  readonly maxPending: number;
  /** onFailure hears each handler that threw. */
  readonly onFailure: (err: unknown, message: BrokerMessage) => void;
}

interface Entry {
  readonly message: BrokerMessage;
  readonly settle: Settle | undefined;
}

/**
 * HandlerQueue runs one subscription's handler with at most maxInFlight
 * calls at once and at most maxPending messages waiting, so a slow handler
 * bounds memory instead of buffering without limit. Every broker puts its
 * subscriptions behind one.
 */
export class HandlerQueue {
  private readonly pending: Array<Entry | undefined> = [];
  private head = 0;
  private inFlight = 0;
  private handled = 0;
  private failed = 0;
  private dropped = 0;
  private closed = false;
  private idle: (() => void) | undefined;

  constructor(private readonly options: HandlerQueueOptions) {}

  /** offer hands a message over; false when it was dropped because the queue is full or draining. */
  offer(message: BrokerMessage, settle?: Settle): boolean {
    if (this.closed || this.pending.length - this.head >= this.options.maxPending) {
      this.dropped++;
      settle?.('discarded');
      return false;
    }
    if (this.inFlight < this.options.maxInFlight) this.run({ message, settle });
    else this.pending.push({ message, settle });
    return true;
  }

  /** full tells whether the next offer would be dropped. */
  get full(): boolean {
    return this.closed || this.pending.length - this.head >= this.options.maxPending;
  }

  /** drain takes no more messages, discards those still waiting and resolves once running handlers finished. */
  drain(): Promise<void> {
    this.closed = true;
    for (let i = this.head; i < this.pending.length; i++) this.pending[i]?.settle?.('discarded');
    this.pending.length = 0;
    this.head = 0;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  /** stats counts what the queue did. */
  stats(): SubscriptionStats {
    return {
      handled: this.handled,
      failed: this.failed,
      dropped: this.dropped,
      inFlight: this.inFlight,
      pending: this.pending.length - this.head,
    };
  }

  private run(entry: Entry): void {
    this.inFlight++;
    // A later microtask, as a network broker would deliver: publish() never runs
    // subscriber code inside itself, and a handler that throws at once counts as failed.
    Promise.resolve(entry.message).then(this.options.handler).then(
      () => this.done(entry, 'handled'),
      (err: unknown) => this.done(entry, 'failed', err),
    );
  }

  private done(entry: Entry, outcome: Outcome, err?: unknown): void {
    this.inFlight--;
    if (outcome === 'handled') this.handled++;
    else {
      this.failed++;
      this.options.onFailure(err, entry.message);
    }
    entry.settle?.(outcome, err);
    const next = this.head < this.pending.length ? this.pending[this.head] : undefined;
    if (next && !this.closed) {
      this.pending[this.head++] = undefined;
      // Compact now and then so a long-lived queue does not keep a growing array.
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending.splice(0, this.head);
        this.head = 0;
      }
      this.run(next);
    } else if (this.inFlight === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }
}
