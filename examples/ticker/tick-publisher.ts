import type { Publisher } from '@tsmicro/core';
import type { PriceTick } from './gen/ticker.js';
import type { PriceFeed } from './price-feed.js';

/** TICKS_TOPIC is where the ticker publishes a PriceTick per symbol and round. */
export const TICKS_TOPIC = 'ticker.ticks';

/** TickPublisher publishes the feed's prices as PriceTick events, one round at a time. */
export class TickPublisher {
  constructor(
    private readonly feed: PriceFeed,
    private readonly publisher: Publisher<PriceTick>,
    private readonly symbols: readonly string[],
  ) {}

  /** publishRound publishes one tick per symbol for `sequence`; the message id makes a repeat recognisable. */
  async publishRound(sequence: number): Promise<void> {
    for (const symbol of this.symbols) {
      const priceCents = String(this.feed.priceCents(symbol, sequence));
      await this.publisher.publish({ symbol, sequence, priceCents }, { id: `${symbol}-${sequence}` });
    }
  }

  /** run publishes a round every intervalMs until `signal` aborts. */
  async run(intervalMs: number, signal: AbortSignal): Promise<void> {
    for (let sequence = 0; !signal.aborted; sequence++) {
      await this.publishRound(sequence);
      await new Promise((resolve) => setTimeout(resolve, intervalMs).unref());
    }
  }
}
