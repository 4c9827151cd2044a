import type { Broker, Subscription, SubscriptionStats } from '../broker/broker.js';
import { BrokerError } from '../broker/broker-error.js';
import { createConsoleLogger } from '../logger/console-logger.js';
import type { Logger } from '../logger/logger.js';
import { brokerHandler, type SubscriberBinding } from './subscriber.js';

/**
 * SubscriberSet holds a service's checked @Subscribe bindings: it subscribes
 * them all at start and drains them all at stop.
 */
export class SubscriberSet {
  private readonly bindings: SubscriberBinding[] = [];
  private live: Array<{ binding: SubscriberBinding; subscription: Subscription }> = [];
  private abort = new AbortController();

  /** logger hears what an interceptor's hook or end listener threw, and handlers that outlive the grace period. */
  constructor(private readonly logger: Logger = createConsoleLogger()) {}

  /** add keeps a binding for the next start(). */
  add(binding: SubscriberBinding): void {
    this.bindings.push(binding);
  }

  /** size is how many bindings were added. */
  get size(): number {
    return this.bindings.length;
  }

  /** start subscribes every binding; if one fails, those already made are undone and the error names the handler. */
  async start(broker: Broker): Promise<void> {
    this.abort = new AbortController();
    for (const binding of this.bindings) {
      const fields = { topic: binding.topic, queue: binding.options.queue, subscription: binding.where };
      const handler = brokerHandler(binding, this.abort.signal, (err) => this.logger.warn({ ...fields, err }, 'event interceptor failed'));
      try {
        this.live.push({ binding, subscription: await broker.subscribe(binding.topic, handler, { ...binding.options, logger: this.logger }) });
      } catch (err) {
        await this.stop(0);
        throw new BrokerError(`cannot subscribe ${binding.where} to ${binding.topic}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
  }

  /**
   * stop drains every subscription: no new messages, running handlers
   * finish. Handlers still running after graceMs see their ctx.signal abort.
   */
  async stop(graceMs: number): Promise<void> {
    const live = this.live;
    this.live = [];
    const timer = setTimeout(() => {
      const running = live.filter(({ subscription }) => subscription.stats().inFlight > 0).map(({ binding }) => binding.where);
      if (running.length > 0) this.logger.warn({ subscription: running.join(','), graceMs }, 'subscriber handlers still running after the grace period; their ctx.signal is aborted');
      this.abort.abort(new BrokerError('the service is stopping'));
    }, graceMs);
    try {
      await Promise.all(live.map(({ subscription }) => subscription.unsubscribe()));
    } finally {
      clearTimeout(timer);
    }
  }

  /** stats reports each live subscription by handler ("Billing.onOrderCreated"). */
  stats(): Record<string, SubscriptionStats> {
    return Object.fromEntries(this.live.map(({ binding, subscription }) => [binding.where, subscription.stats()]));
  }
}
