import { Code } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { MicroError } from './errors.js';
import { checkRetryPolicy, isRetryable, retryDelay, waitBeforeRetry } from './retry-policy.js';

const unavailable = new MicroError(Code.UNAVAILABLE, 'node gone');
const invalid = new MicroError(Code.INVALID_ARGUMENT, 'bad name');

describe('isRetryable', () => {
  it('allows UNAVAILABLE only when the request was not sent or the call is idempotent', () => {
    expect(isRetryable({ error: unavailable, sent: false, idempotent: false })).toBe(true);
    expect(isRetryable({ error: unavailable, sent: true, idempotent: true })).toBe(true);
    expect(isRetryable({ error: unavailable, sent: true, idempotent: false })).toBe(false);
  });

  it('refuses every other code, even for idempotent calls', () => {
    expect(isRetryable({ error: invalid, sent: false, idempotent: true })).toBe(false);
    expect(isRetryable({ error: new MicroError(Code.DEADLINE_EXCEEDED, 'late'), sent: false, idempotent: true })).toBe(false);
  });
});

describe('retryDelay', () => {
  const backoff = { initialMs: 100, maxMs: 1_000, multiplier: 2 };

  it('grows by the multiplier up to maxMs, with up to half of each wait random', () => {
    expect(retryDelay(backoff, 1, () => 0)).toBe(50);
    expect(retryDelay(backoff, 1, () => 1)).toBe(100);
    expect(retryDelay(backoff, 3, () => 1)).toBe(400);
    expect(retryDelay(backoff, 10, () => 1)).toBe(1_000);
    expect(retryDelay(backoff, 10, () => 0)).toBe(500);
  });
});

describe('waitBeforeRetry', () => {
  it('declines at once when the wait would pass the deadline', async () => {
    const started = Date.now();
    expect(await waitBeforeRetry(10_000, Date.now() + 100, [])).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits and agrees when there is time, and stops waiting when a signal aborts', async () => {
    expect(await waitBeforeRetry(5, undefined, [])).toBe(true);
    const controller = new AbortController();
    const waiting = waitBeforeRetry(10_000, undefined, [controller.signal]);
    controller.abort();
    expect(await waiting).toBe(false);
  });
});

describe('checkRetryPolicy', () => {
  it('names the bad field', () => {
    expect(() => checkRetryPolicy({ retries: -1, backoff: { initialMs: 1, maxMs: 2, multiplier: 2 } })).toThrow(/retries/);
    expect(() => checkRetryPolicy({ retries: 1, backoff: { initialMs: 5, maxMs: 2, multiplier: 2 } })).toThrow(/retryBackoff/);
  });
});
