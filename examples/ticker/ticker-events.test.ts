import { type MicroService, micro } from '@tsmicro/core';
import { createMemoryBroker } from '@tsmicro/core/plugin';
import { Container } from 'typedi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, serverAvailable } from '@tsmicro/core/testing';
import { TestNats } from '../../packages/broker-nats/src/test-nats.js';
import { newPricesService, PriceTick } from './gen/ticker.js';
import { PriceBoard } from './price-board.js';
import { PriceFeed } from './price-feed.js';
import { TICKS_TOPIC, TickPublisher } from './tick-publisher.js';

const hasNats = serverAvailable('nats-server');
let nats: TestNats | undefined;
beforeAll(async () => {
  if (hasNats) nats = await TestNats.launch();
});
afterAll(async () => {
  await nats?.destroy();
});

const cases = [
  { broker: 'memory', skip: false },
  { broker: 'nats', skip: !hasNats },
] as const;

describe.each(cases)('ticks published by the ticker and served by the price board, on the $broker broker', ({ broker, skip }) => {
  const open: MicroService[] = [];
  // Memory services share one in-process broker; NATS ones each connect to the test server.
  const shared = createMemoryBroker();
  const newService = (name: string, index: number) => {
    const s = micro.newService(
      {
        name,
        transport: broker === 'memory' ? 'memory' : 'tcp',
        server: { address: '127.0.0.1:0' },
        container: Container.of(`ticker-events-${broker}-${name}-${index}`),
        ...(broker === 'memory' ? { brokerInstance: shared } : {}),
      },
      { env: broker === 'nats' ? { MICRO_BROKER: 'nats', MICRO_BROKER_ADDRESS: nats?.address ?? '' } : {}, file: false },
    );
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0).reverse()) await s.stop();
  });

  it.skipIf(skip)('serves the latest price of each symbol over a server stream', async () => {
    const board = newService('prices', 0).handle(PriceBoard);
    await board.start();
    const ticker = newService('ticker', 0);
    const feed = new PriceFeed();
    const ticks = new TickPublisher(feed, ticker.publisher(TICKS_TOPIC, PriceTick), ['AAPL', 'MSFT']);
    for (let round = 0; round < 3; round++) await ticks.publishRound(round);
    const prices = newPricesService('prices', board.client());
    await eventually(async () => {
      const got = [];
      for await (const tick of await prices.latest({})) got.push(tick);
      expect(got).toEqual(['AAPL', 'MSFT'].map((symbol) => ({ symbol, sequence: 2, priceCents: String(feed.priceCents(symbol, 2)) })));
    });
    await expect(async () => {
      for await (const _ of await prices.latest({ symbols: ['ZZZZ'] })) void _;
    }).rejects.toMatchObject({ code: 5 });
  });

  it.skipIf(skip)('splits ticks between board replicas in the queue group: each handles a share, none twice', async () => {
    const replicas = [newService('prices', 1).handle(PriceBoard), newService('prices', 2).handle(PriceBoard)];
    for (const r of replicas) await r.start();
    const ticker = newService('ticker', 1);
    const ticks = new TickPublisher(new PriceFeed(), ticker.publisher(TICKS_TOPIC, PriceTick), ['AAPL', 'GOOG', 'MSFT', 'NVDA']);
    for (let round = 0; round < 25; round++) await ticks.publishRound(round);
    const handled = () => replicas.map((r) => r.subscriberStats()['PriceBoard.onTick']?.handled ?? 0);
    await eventually(() => expect(handled().reduce((a, b) => a + b, 0)).toBe(100));
    for (const n of handled()) expect(n).toBeGreaterThan(0);
  });
});
