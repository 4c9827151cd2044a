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
  /**
   * inline runs a handler inside offer() when a slot is free. Only for a
   * broker whose offer() is never on the publisher's stack (a network
   * client's receive callback); otherwise the handler starts a microtask later.
   */
  readonly inline?: boolean;
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
    if (this.inFlight < this.options.maxInFlight) this.run(message, settle);
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

  private run(message: BrokerMessage, settle: Settle | undefined): void {
    this.inFlight++;
    // Not inline: a microtask later, as a network broker would deliver, so publish() never runs subscriber code inside itself.
    if (this.options.inline) this.call(message, settle);
    else resolved.then(() => this.call(message, settle));
  }

  private call(message: BrokerMessage, settle: Settle | undefined): void {
    let result: Promise<void>;
    try {
      result = Promise.resolve(this.options.handler(message));
    } catch (err) {
      // A handler that throws at once has failed too; settled a turn later, as a rejection
      // is, so a run of such handlers does not recurse through done().
      result = Promise.reject(err);
    }
    result.then(
      () => this.done(message, settle, 'handled'),
      (err: unknown) => this.done(message, settle, 'failed', err),
    );
  }

  private done(message: BrokerMessage, settle: Settle | undefined, outcome: Outcome, err?: unknown): void {
    this.inFlight--;
    if (outcome === 'handled') this.handled++;
    else {
      this.failed++;
      this.options.onFailure(err, message);
    }
    settle?.(outcome, err);
    const next = this.head < this.pending.length ? this.pending[this.head] : undefined;
    if (next && !this.closed) {
      this.pending[this.head++] = undefined;
      // Compact now and then so a long-lived queue does not keep a growing array.
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending.splice(0, this.head);
        this.head = 0;
      }
      this.run(next.message, next.settle);
    } else if (this.inFlight === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }
}

const resolved = Promise.resolve();
