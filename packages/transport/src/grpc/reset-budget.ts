/** How long a server stays in flood mode after its budget ran dry. */
const FLOOD_MS = 2_000;

/**
 * ResetBudget is one server's allowance of stream resets over all its
 * connections: a token bucket. The server is under a flood for 2 s after the
 * bucket last ran dry; meanwhile each connection's own reset burst shrinks
 * (see guardSession), so a flooder that reconnects at once costs little each
 * time, and the refilling bucket does not hand the next connection a full
 * burst. One connection cut for resets does not start it: a client that
 * cancels a lot is not a flood.
 */
export class ResetBudget {
  private tokens: number;
  private last = performance.now();
  private floodUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  /** spend takes one reset and returns whether the server is under a flood. */
  spend(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) this.tokens--;
    else this.floodUntil = now + FLOOD_MS;
    return now < this.floodUntil;
  }
}
