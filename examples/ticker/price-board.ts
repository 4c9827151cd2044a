import { Code, Context, MicroError, Service, ServerStream, Subscribe } from '@tsmicro/core';
// Loading the generated module registers ticker.Prices for @Service('ticker.Prices').
import { type LatestRequest, PriceTick, type Prices_LatestStream, type PricesHandler } from './gen/ticker.js';
import { TICKS_TOPIC } from './tick-publisher.js';

/**
 * PriceBoard keeps the latest tick of each symbol from the ticks topic and
 * serves them over a server stream. Replicas subscribe in one queue group,
 * so each tick is handled by one of them: run one replica per board that
 * must see every tick, or give each its own group.
 */
@Service('ticker.Prices')
export class PriceBoard implements PricesHandler {
  private readonly latestBySymbol = new Map<string, PriceTick>();

  @Subscribe(TICKS_TOPIC, { type: PriceTick, queue: 'price-board' })
  async onTick(_ctx: Context, tick: PriceTick): Promise<void> {
    const symbol = tick.symbol ?? '';
    const known = this.latestBySymbol.get(symbol);
    // Ticks of one symbol may overtake each other across a queue group; keep the newest.
    if (!known || (known.sequence ?? 0) <= (tick.sequence ?? 0)) this.latestBySymbol.set(symbol, tick);
  }

  @ServerStream()
  async latest(_ctx: Context, req: LatestRequest, stream: Prices_LatestStream): Promise<void> {
    const symbols = req.symbols && req.symbols.length > 0 ? req.symbols : [...this.latestBySymbol.keys()].sort();
    for (const symbol of symbols) {
      const tick = this.latestBySymbol.get(symbol);
      if (!tick) throw new MicroError(Code.NOT_FOUND, `no tick for "${symbol}" yet`);
      await stream.send(tick);
    }
  }
}
