import { Code } from '@tsmicro/transport';
import type { MicroError } from './errors.js';

/** RetryBackoff shapes the waits between attempts: initialMs, then times multiplier, capped at maxMs. */
export interface RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/** RetryPolicy says how often a failed call is tried again and how long to wait in between. */
export interface RetryPolicy {
  /** Extra attempts after the first; 0 never retries. */
  readonly retries: number;
  readonly backoff: RetryBackoff;
}

/** AttemptFailure is what the client knows about one failed attempt. */
export interface AttemptFailure {
  readonly error: MicroError;
  /** False when the request never left this process (no connection, or the transport refused the write). */
  readonly sent: boolean;
  /** The method (or the call's options) says running it twice is harmless. */
  readonly idempotent: boolean;
}

/** defaultRetryBackoff matches the configuration default (100 ms doubling to 1 s). */
export const defaultRetryBackoff: RetryBackoff = Object.freeze({ initialMs: 100, maxMs: 1_000, multiplier: 2 });

/**
 * isRetryable decides whether an attempt may be repeated. Only UNAVAILABLE
 * qualifies (the node or the connection failed, not the handler), and only
 * when repeating cannot run the handler twice: the request was never sent,
 * or the method is idempotent.
 */
export function isRetryable(failure: AttemptFailure): boolean {
  return failure.error.code === Code.UNAVAILABLE && (!failure.sent || failure.idempotent);
}

/**
 * retryDelay is the wait before retry number `retry` (1 for the first).
 * Half of it is random ("equal jitter"), so clients that failed together do
 * not all come back at the same instant.
 */
export function retryDelay(backoff: RetryBackoff, retry: number, random: () => number = Math.random): number {
  const full = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** Math.max(0, retry - 1));
  return full / 2 + (random() * full) / 2;
}

/**
 * waitBeforeRetry sleeps `ms`, but gives up (resolving false) when the wait
 * would run past the call's deadline or a signal aborts: a retry that cannot
 * finish in time is not worth starting.
 */
export function waitBeforeRetry(ms: number, deadline: number | undefined, signals: readonly AbortSignal[]): Promise<boolean> {
  if (deadline !== undefined && Date.now() + ms >= deadline) return Promise.resolve(false);
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (retry: boolean) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve(retry);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

/** checkRetryPolicy throws a RangeError naming the bad field; createClient calls it once. */
export function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { retries, backoff } = policy;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`client option retries must be a whole number of 0 or more, got ${retries}`);
  }
  if (!(backoff.initialMs >= 0) || !(backoff.maxMs >= backoff.initialMs) || !(backoff.multiplier >= 1)) {
    throw new RangeError(
      `client option retryBackoff needs 0 <= initialMs <= maxMs and multiplier >= 1, got ${JSON.stringify(backoff)}`,
    );
  }
  return policy;
}
