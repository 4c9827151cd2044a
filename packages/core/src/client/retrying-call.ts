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
export async function retryingCall<T>(
  plan: CallPlan<unknown, unknown>,
  policy: RetryPolicy,
  attempt: (retry: number, markSent: () => void) => T | Promise<T>,
): Promise<T> {
  const idempotent = plan.options.idempotent ?? plan.method.idempotent ?? false;
  const retries = plan.options.retries ?? policy.retries;
  for (let retry = 0; ; retry++) {
    let sent = false;
    try {
      return await attempt(retry, () => {
        sent = true;
      });
    } catch (err) {
      // A request the server refused unread counts as never sent: it is safe to send again.
      const failure = err instanceof AttemptError ? err : new AttemptError(MicroError.from(err, Code.UNAVAILABLE), sent && !unprocessed(err));
      const retryable = !failure.final && retry < retries && isRetryable({ error: failure.error, sent: failure.sent, idempotent });
      if (!retryable || !(await waitBeforeRetry(retryDelay(policy.backoff, retry + 1), plan.deadline, plan.signals))) {
        throw failure.error;
      }
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
