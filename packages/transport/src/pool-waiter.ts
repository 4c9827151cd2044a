import { StatusError } from './status-error.js';
import { Code } from './status.js';
import type { Connection } from './transport.js';

/** Lease is one call's hold on a pooled connection; the call keeps it for its whole life. */
export interface Lease {
  readonly connection: Connection;
  /** release gives the stream slot back. Calling it again does nothing. */
  release(): void;
}

/** AcquireOptions bound how long an acquire may wait for a free stream slot. */
export interface AcquireOptions {
  /** Aborting it rejects a waiting acquire with CANCELLED. */
  readonly signal?: AbortSignal;
  /** Absolute deadline (ms since the epoch); passing it rejects with DEADLINE_EXCEEDED. */
  readonly deadline?: number;
}

/**
 * PoolWaiter is one acquire in the pool's FIFO queue. It settles exactly
 * once: with a lease, with a pool error, or by giving up on its own deadline
 * or signal, in which case it tells the pool to forget it.
 */
export class PoolWaiter {
  readonly promise: Promise<Lease>;
  /** Whether a dial was started on this waiter's behalf (a failed dial rejects it). */
  hasDial = false;
  private settled_ = false;
  private resolve_!: (lease: Lease) => void;
  private reject_!: (err: Error) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.giveUp(cancelled(this.signal));

  constructor(address: string, options: AcquireOptions, private readonly onGiveUp: (waiter: PoolWaiter) => void) {
    this.promise = new Promise<Lease>((resolve, reject) => {
      this.resolve_ = resolve;
      this.reject_ = reject;
    });
    this.signal = options.signal;
    if (this.signal?.aborted) {
      this.settle(cancelled(this.signal));
      return;
    }
    if (options.deadline !== undefined) {
      const left = options.deadline - Date.now();
      const expired = new StatusError(Code.DEADLINE_EXCEEDED, `deadline passed while waiting for a connection to ${address}`);
      if (left <= 0) {
        this.settle(expired);
        return;
      }
      this.timer = setTimeout(() => this.giveUp(expired), left);
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get settled(): boolean {
    return this.settled_;
  }

  resolve(lease: Lease): void {
    this.settle(lease);
  }

  reject(err: Error): void {
    this.settle(err);
  }

  private giveUp(err: StatusError): void {
    if (this.settled_) return;
    this.onGiveUp(this);
    this.settle(err);
  }

  private settle(outcome: Lease | Error): void {
    if (this.settled_) return;
    this.settled_ = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (outcome instanceof Error) this.reject_(outcome);
    else this.resolve_(outcome);
  }
}

function cancelled(signal: AbortSignal | undefined): StatusError {
  return new StatusError(Code.CANCELLED, 'acquire cancelled', undefined, { cause: signal?.reason });
}
