// Ticker client: `node examples/dist/ticker/client.js --address 127.0.0.1:PORT [--symbol AAPL] [--count 5]`.
// Watches a symbol and prints each quote as it arrives.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { newTickerService } from './gen/ticker.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: ticker/client.js --address host:port [--symbol AAPL] [--count 5]');
const symbol = flagValue(argv, 'symbol') ?? 'AAPL';
const count = Number(flagValue(argv, 'count') ?? '5');

const client = micro.newService({ name: 'ticker.client' }).client();
const ticker = newTickerService('ticker', client);
const quotes = await ticker.watch({ symbol, count, intervalMs: 200 }, { address });
for await (const quote of quotes) {
  const cents = BigInt(quote.priceCents ?? '0');
  console.log(`${quote.sequence}: ${quote.symbol} $${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
}
await client.close();
