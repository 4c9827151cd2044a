import { setTimeout as sleep } from 'node:timers/promises';
import { Code, Context, MicroError, Service, ServerStream } from '@tsmicro/core';
// Loading the generated module registers ticker.Ticker's definition, which
// @Service('ticker.Ticker') looks up; the named imports below are types only.
import './gen/ticker.js';
import type { Ticker_WatchStream, TickerHandler, WatchRequest } from './gen/ticker.js';
// A value import: typedi reads the constructor's parameter type at run time.
import { PriceFeed } from './price-feed.js';

const MAX_QUOTES = 1000;

/** Ticker streams stock quotes from the PriceFeed typedi injects. */
@Service('ticker.Ticker')
export class Ticker implements TickerHandler {
  constructor(private readonly feed: PriceFeed) {}

  @ServerStream()
  async watch(ctx: Context, req: WatchRequest, stream: Ticker_WatchStream): Promise<void> {
    const symbol = req.symbol ?? '';
    const count = req.count ?? 0;
    if (count < 1 || count > MAX_QUOTES) throw new MicroError(Code.INVALID_ARGUMENT, `count must be 1 to ${MAX_QUOTES}, got ${count}`);
    if (!this.feed.knows(symbol)) throw new MicroError(Code.NOT_FOUND, `unknown symbol "${symbol}"`);
    for (let sequence = 0; sequence < count; sequence++) {
      // The signal ends the wait when the client cancels or the deadline passes.
      if (sequence > 0 && (req.intervalMs ?? 0) > 0) await sleep(req.intervalMs, undefined, { signal: ctx.signal });
      // send resolves once the transport accepted the quote: a slow reader slows the ticker.
      await stream.send({ symbol, sequence, priceCents: String(this.feed.priceCents(symbol, sequence)) });
    }
  }
}
