import type { Subscription, SubscriptionStats } from '@tsmicro/core';
import type { HandlerQueue } from '@tsmicro/core/plugin';

/**
 * NatsSubscription is one subscribe() registration on NATS: `stop` ends the
 * flow from the server (a core subscription, or a JetStream pull), then the
 * handler queue drains.
 */
export class NatsSubscription implements Subscription {
  private draining: Promise<void> | undefined;

  constructor(
    readonly topic: string,
    readonly queue: string | undefined,
    private readonly handlers: HandlerQueue,
    private readonly stop: () => Promise<void>,
    private readonly onGone: (sub: NatsSubscription) => void,
  ) {}

  unsubscribe(): Promise<void> {
    this.draining ??= (async () => {
      this.onGone(this);
      try {
        await this.stop();
      } finally {
        await this.handlers.drain();
      }
    })();
    return this.draining;
  }

  stats(): SubscriptionStats {
    return this.handlers.stats();
  }
}
