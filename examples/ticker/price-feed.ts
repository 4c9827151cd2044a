/**
 * PriceFeed gives the price of a symbol at a point in its quote sequence.
 * The Ticker handler gets one through its constructor, resolved by typedi,
 * so a deployment (or a test) can put a real market-data source in its place.
 */
export class PriceFeed {
  // Opening prices in cents. A walk that depends only on symbol and sequence
  // keeps the example's output reproducible.
  private readonly opening = new Map<string, bigint>([
    ['AAPL', 18_720n],
    ['GOOG', 14_105n],
    ['MSFT', 41_530n],
    ['NVDA', 12_088n],
  ]);

  /** knows says whether the feed has prices for symbol. */
  knows(symbol: string): boolean {
    return this.opening.has(symbol);
  }

  /** priceCents is symbol's price at quote number sequence; it throws for an unknown symbol. */
  priceCents(symbol: string, sequence: number): bigint {
    const open = this.opening.get(symbol);
    if (open === undefined) throw new RangeError(`no prices for ${symbol}`);
    return open + BigInt(Math.round(Math.sin(sequence) * 150));
  }
}
