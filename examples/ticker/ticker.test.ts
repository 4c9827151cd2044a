import { Code, type MicroService, micro } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { Container } from 'typedi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTickerService, type Quote, type TickerService } from './gen/ticker.js';
import { PriceFeed } from './price-feed.js';
import { Ticker } from './ticker-handler.js';

// A feed with known prices, put in the handler's place of PriceFeed through typedi.
class FixedFeed extends PriceFeed {
  override knows(symbol: string): boolean {
    return symbol === 'TEST';
  }
  override priceCents(_symbol: string, sequence: number): bigint {
    return 10_000_000_000n + BigInt(sequence);
  }
}

async function collect(stream: AsyncIterable<Quote>): Promise<Quote[]> {
  const out: Quote[] = [];
  for await (const quote of stream) out.push(quote);
  return out;
}

describe.each<TransportName>(['memory', 'grpc', 'tcp'])('Ticker over %s', (transport) => {
  let service: MicroService;
  let ticker: TickerService;

  beforeAll(async () => {
    const container = Container.of(`ticker-test-${transport}`);
    container.set({ id: PriceFeed, value: new FixedFeed() });
    service = micro.newService({ name: 'ticker', transport, server: { address: '127.0.0.1:0' }, container }, { env: {}, file: false });
    service.handle(Ticker);
    await service.start();
    ticker = newTickerService('ticker', service.client());
  });
  afterAll(() => service?.stop());

  it('streams count quotes priced by the injected feed, then ends OK', async () => {
    const quotes = await collect(await ticker.watch({ symbol: 'TEST', count: 3 }));
    expect(quotes).toEqual([0, 1, 2].map((sequence) => ({ symbol: 'TEST', sequence, priceCents: `${10_000_000_000 + sequence}` })));
  });

  it('paces quotes by interval_ms', async () => {
    const started = Date.now();
    const quotes = await collect(await ticker.watch({ symbol: 'TEST', count: 3, intervalMs: 50 }));
    expect(quotes).toHaveLength(3);
    // Two waits of 50 ms between three quotes; only a lower bound, speed is not the point.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('answers NOT_FOUND for a symbol the feed does not know', async () => {
    await expect(collect(await ticker.watch({ symbol: 'AAPL', count: 1 }))).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  it('answers INVALID_ARGUMENT for a count outside 1 .. 1000', async () => {
    await expect(collect(await ticker.watch({ symbol: 'TEST', count: 0 }))).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(collect(await ticker.watch({ symbol: 'TEST', count: 1001 }))).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
  });
});

describe('PriceFeed', () => {
  it('is what typedi injects into Ticker when nothing replaces it', async () => {
    const service = micro.newService({ name: 'ticker', transport: 'memory', server: { address: '127.0.0.1:0' } }, { env: {}, file: false });
    try {
      service.handle(Ticker);
      await service.start();
      const quotes = await collect(await newTickerService('ticker', service.client()).watch({ symbol: 'AAPL', count: 2 }));
      const feed = new PriceFeed();
      expect(quotes.map((q) => q.priceCents)).toEqual([String(feed.priceCents('AAPL', 0)), String(feed.priceCents('AAPL', 1))]);
    } finally {
      await service.stop();
    }
  });
});
