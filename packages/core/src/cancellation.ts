import { Code, isStatusError } from '@tsmicro/transport';
import { isMicroError, MicroError } from './errors.js';

/**
 * cancellation is the error of a call its caller aborted, from the signal's
 * reason: `abort(new Error('user gave up'))` ends the call CANCELLED with
 * "call cancelled by the client: user gave up"; a MicroError reason (a
 * parent call's deadline reaching its downstream calls through ctx.signal)
 * keeps its code and words.
 */
export function cancellation(reason: unknown): MicroError {
  if (isMicroError(reason)) return reason;
  if (isStatusError(reason)) return MicroError.from(reason);
  // abort() without a reason gives a DOMException named AbortError: nothing to add.
  const why = typeof reason === 'string' ? reason : reason instanceof Error && reason.name !== 'AbortError' ? reason.message : '';
  return new MicroError(Code.CANCELLED, why === '' ? 'call cancelled by the client' : `call cancelled by the client: ${why}`, {
    cause: reason,
  });
}
