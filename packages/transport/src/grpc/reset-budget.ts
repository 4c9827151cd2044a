/**
 * ResetBudget is one server's allowance of stream resets over all its
 * connections: a token bucket. While it is spent the server is under a
 * flood, and each connection's own reset burst shrinks (see guardSession).
 */
export class ResetBudget {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  /** spend takes one reset; it returns false while the server is over its budget. */
  spend(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
