import { Code, isStatusError } from '@tsmicro/transport';
import { MicroError } from '../errors.js';
import { isRetryable, type RetryPolicy, retryDelay, waitBeforeRetry } from '../retry-policy.js';
import { AttemptError } from './attempt-error.js';
import type { CallPlan } from './call-plan.js';

/**
 * retryingCall is the client's middle layer: it runs `attempt` until one
 * succeeds, a failure is not retryable, or the retries, the deadline or the
 * caller's patience run out. Only UNAVAILABLE is retried, and only where it
 * is safe: the request never left this process, or the method is idempotent.
 */
export function retryingCall<T>(
  plan: CallPlan<unknown, unknown>,
  policy: RetryPolicy,
  attempt: (retry: number, markSent: () => void) => T | Promise<T>,
): Promise<T> {
  // The first attempt runs without an async frame of its own: almost every call
  // succeeds on it, and then costs no promise and no tick beyond its own.
  const tracker = new SentTracker();
  let first: T | Promise<T>;
  try {
    first = attempt(0, tracker.mark);
  } catch (err) {
    return retryAfter(plan, policy, attempt, err, tracker.sent);
  }
  if (!(first instanceof Promise)) return Promise.resolve(first);
  return first.then(undefined, (err: unknown) => retryAfter(plan, policy, attempt, err, tracker.sent));
}

// SentTracker records that an attempt's request left the process; its mark is bound once.
class SentTracker {
  sent = false;
  readonly mark = (): void => {
    this.sent = true;
  };
}

// retryAfter goes on from a failed attempt: retries while it is safe and there is time.
async function retryAfter<T>(
  plan: CallPlan<unknown, unknown>,
  policy: RetryPolicy,
  attempt: (retry: number, markSent: () => void) => T | Promise<T>,
  firstError: unknown,
  firstSent: boolean,
): Promise<T> {
  const idempotent = plan.options.idempotent ?? plan.method.idempotent ?? false;
  const retries = plan.options.retries ?? policy.retries;
  let err = firstError;
  let sent = firstSent;
  for (let retry = 0; ; retry++) {
    // A request the server refused unread counts as never sent: it is safe to send again.
    const failure = err instanceof AttemptError ? err : new AttemptError(MicroError.from(err, Code.UNAVAILABLE), sent && !unprocessed(err));
    const retryable = !failure.final && retry < retries && isRetryable({ error: failure.error, sent: failure.sent, idempotent });
    if (!retryable || !(await waitBeforeRetry(retryDelay(policy.backoff, retry + 1), plan.deadline, plan.signals))) {
      throw failure.error;
    }
    const tracker = new SentTracker();
    try {
      return await attempt(retry + 1, tracker.mark);
    } catch (next) {
      err = next;
      sent = tracker.sent;
    }
  }
}

// unprocessed says whether a failure is a StatusError (or wraps one) the server refused unread.
function unprocessed(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (isStatusError(e)) return e.unprocessed === true;
  }
  return false;
}
