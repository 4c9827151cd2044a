import type { Broker, BrokerLogger, Subscription, SubscriptionStats } from '../broker/broker.js';
import { BrokerError } from '../broker/broker-error.js';
import { brokerHandler, type SubscriberBinding } from './subscriber.js';

/**
 * SubscriberSet holds a service's checked @Subscribe bindings: it subscribes
 * them all at start and drains them all at stop.
 */
export class SubscriberSet {
  private readonly bindings: SubscriberBinding[] = [];
  private live: Array<{ binding: SubscriberBinding; subscription: Subscription }> = [];
  private abort = new AbortController();

  /** onHookError hears what an interceptor's hook or end listener threw, for logging. */
  constructor(private readonly onHookError: (err: unknown) => void = (err) => console.warn(`tsmicro: event interceptor failed: ${String(err)}`)) {}

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
      const handler = brokerHandler(binding, this.abort.signal, this.onHookError);
      try {
        this.live.push({ binding, subscription: await broker.subscribe(binding.topic, handler, binding.options) });
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
  async stop(graceMs: number, logger: BrokerLogger = { warn: (m) => console.warn(m) }): Promise<void> {
    const live = this.live;
    this.live = [];
    const timer = setTimeout(() => {
      if (live.some(({ subscription }) => subscription.stats().inFlight > 0)) {
        logger.warn(`tsmicro: subscriber handlers still running after ${graceMs} ms; their ctx.signal is aborted`);
      }
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
