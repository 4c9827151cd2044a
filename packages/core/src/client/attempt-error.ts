import { Code } from '@tsmicro/transport';
import { isMicroError, MicroError } from '../errors.js';

/**
 * AttemptError is a failure of one attempt: whether the request had left
 * this process, and whether it is final (it came before any node was
 * chosen, so there is nothing to retry against).
 */
export class AttemptError extends Error {
  constructor(
    readonly error: MicroError,
    readonly sent: boolean,
    readonly final = false,
  ) {
    super(error.message);
  }
}

/** noTarget is the final failure of an attempt that found no node (none registered, or the registry cannot be read). */
export function noTarget(err: unknown): AttemptError {
  const error = isMicroError(err)
    ? err
    : new MicroError(Code.UNAVAILABLE, `no node to call: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  return new AttemptError(error, false, true);
}

/** callerError is what the caller sees of an attempt's failure once no retry follows it. */
export function callerError(err: unknown): MicroError {
  return err instanceof AttemptError ? err.error : MicroError.from(err, Code.UNAVAILABLE);
}
