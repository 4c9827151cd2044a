import { Code, isStatusError } from '@tsmicro/transport';
import { MicroError } from '../errors.js';
import { isRetryable, type RetryPolicy, retryDelay, waitBeforeRetry } from '../retry-policy.js';
import { AttemptError, callerError } from './attempt-error.js';
import type { CallPlan } from './call-plan.js';
import type { Opened } from './node-attempt.js';

/** AttemptRun is what one attempt does with its opened call, by kind; plan.sent is the attempt's to set. */
export type AttemptRun<T> = (opened: Opened<unknown, unknown>, plan: CallPlan<unknown, unknown>) => T | Promise<T>;

/** Attempt is one try of a call: it finds the target, opens the call on it and runs `run`. */
export type Attempt = <T>(plan: CallPlan<unknown, unknown>, retry: number, run: AttemptRun<T>) => T | Promise<T>;

/**
 * retryingCall is the client's middle layer: it runs `attempt` until one
 * succeeds, a failure is not retryable, or the retries, the deadline or the
 * caller's patience run out. Only UNAVAILABLE is retried, and only where it
 * is safe: the request never left this process, or the method is idempotent.
 */
export function retryingCall<T>(plan: CallPlan<unknown, unknown>, policy: RetryPolicy, attempt: Attempt, run: AttemptRun<T>): Promise<T> {
  // The first attempt runs without an async frame of its own: almost every call
  // succeeds on it, and then costs no promise and no tick beyond its own. The
  // attempt, its run and the plan are all a call needs: no closure per call.
  plan.sent = false;
  plan.final = undefined;
  let first: T | Promise<T>;
  try {
    first = attempt(plan, 0, run);
  } catch (err) {
    return retryAfter(plan, policy, attempt, run, err);
  }
  if (!(first instanceof Promise)) return Promise.resolve(first);
  if ((plan.options.retries ?? policy.retries) === 0) {
    // Nothing to retry and nothing to unwrap: the attempt's promise is the
    // call's. The plan lets go of it: an intercepted stream's attempt holds
    // the plan, and its transport stream the attempt, for as long as the
    // stream is open, and the promise holds the caller's stream object.
    if (first === plan.final) {
      plan.final = undefined;
      return first;
    }
    // Otherwise its failure is reported as retryAfter would, by a shared
    // function rather than a closure per call.
    return first.then(undefined, finalError);
  }
  return retryOnFailure(first, plan, policy, attempt, run);
}

// retryOnFailure goes on to retryAfter if the first attempt fails. Its
// closure lives here, not in retryingCall: V8 makes the context a closure
// captures on every entry to the function that holds it, taken or not.
function retryOnFailure<T>(first: Promise<T>, plan: CallPlan<unknown, unknown>, policy: RetryPolicy, attempt: Attempt, run: AttemptRun<T>): Promise<T> {
  return first.then(undefined, (err: unknown) => retryAfter(plan, policy, attempt, run, err));
}

// finalError is what a call that may not retry rejects with: retryAfter's verdict with no retries left.
function finalError(err: unknown): never {
  throw callerError(err);
}

// retryAfter goes on from a failed attempt: retries while it is safe and there is time.
async function retryAfter<T>(
  plan: CallPlan<unknown, unknown>,
  policy: RetryPolicy,
  attempt: Attempt,
  run: AttemptRun<T>,
  firstError: unknown,
): Promise<T> {
  const idempotent = plan.options.idempotent ?? plan.method.idempotent ?? false;
  const retries = plan.options.retries ?? policy.retries;
  let err = firstError;
  for (let retry = 0; ; retry++) {
    // A request the server refused unread counts as never sent: it is safe to send again.
    const failure = err instanceof AttemptError ? err : new AttemptError(MicroError.from(err, Code.UNAVAILABLE), plan.sent && !unprocessed(err));
    const retryable = !failure.final && retry < retries && isRetryable({ error: failure.error, sent: failure.sent, idempotent });
    if (!retryable || !(await waitBeforeRetry(retryDelay(policy.backoff, retry + 1), plan.deadline, plan.signals))) {
      throw failure.error;
    }
    plan.sent = false;
    try {
      return await attempt(plan, retry + 1, run);
    } catch (next) {
      err = next;
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
