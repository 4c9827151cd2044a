/**
 * EjectionList remembers nodes that just failed, each until its cool-down
 * ends. Times are compared on read, so it holds no timers.
 */
export class EjectionList {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ejectMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** eject starts (or restarts) the cool-down of a node. */
  eject(nodeId: string): void {
    const now = this.now();
    // Forget ended cool-downs so a long-lived client does not grow the map.
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
    this.until.set(nodeId, now + this.ejectMs);
  }

  /** restore ends a node's cool-down early, after a successful call. */
  restore(nodeId: string): void {
    this.until.delete(nodeId);
  }

  /** isEjected reports whether a node is in its cool-down. */
  isEjected(nodeId: string): boolean {
    const until = this.until.get(nodeId);
    return until !== undefined && until > this.now();
  }

  /** clear forgets the given nodes, or every node. */
  clear(nodeIds?: Iterable<string>): void {
    if (!nodeIds) return this.until.clear();
    for (const id of nodeIds) this.until.delete(id);
  }
}
