/** BackoffOptions bound the waits between retries against an unreachable etcd. */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Backoff doubles a retry delay from minMs up to maxMs until reset. */
export class Backoff {
  private current: number;

  constructor(private readonly options: BackoffOptions) {
    this.current = options.minMs;
  }

  /** next returns the delay to wait now and doubles the following one. */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * 2, this.options.maxMs);
    return delay;
  }

  /** reset starts again from minMs after a success. */
  reset(): void {
    this.current = this.options.minMs;
  }
}

/**
 * Sleeper hands out waits that close() cuts short, so a closed registry
 * leaves no timer behind.
 */
export class Sleeper {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  /** sleep resolves after `ms`, or at once when closed. */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  /** close resolves every pending wait now. */
  close(): void {
    this.closed = true;
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }
}
