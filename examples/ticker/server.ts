// Ticker server: `node examples/dist/ticker/server.js --address 127.0.0.1:PORT`.
// It also publishes a PriceTick per symbol every --tick-ms (default 500) on "ticker.ticks".
// Transport and broker come from configuration (MICRO_TRANSPORT, MICRO_BROKER, micro.config.json).
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { PriceTick } from './gen/ticker.js';
import { PriceFeed } from './price-feed.js';
import { TICKS_TOPIC, TickPublisher } from './tick-publisher.js';
import { Ticker } from './ticker-handler.js';
import { printListening } from '../shared/listening.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address') ?? '127.0.0.1:0';
const tickMs = Number(flagValue(argv, 'tick-ms') ?? '500');
const service = micro.newService({ name: 'ticker', server: { address } });
// A class, not an instance: typedi builds it and injects its PriceFeed.
service.handle(Ticker);
const ticks = new TickPublisher(new PriceFeed(), service.publisher(TICKS_TOPIC, PriceTick), ['AAPL', 'GOOG', 'MSFT', 'NVDA']);
printListening(await service.start(), service.addresses);
const stopTicks = new AbortController();
const publishing = ticks.run(tickMs, stopTicks.signal).catch((err: unknown) => console.error(`ticker: publishing ticks stopped: ${String(err)}`));
// Ticks stop first, so nothing is published on a broker the service is closing.
await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
stopTicks.abort();
await publishing;
await service.stop();
