import { Code } from '@tsmicro/transport';
import type { ClientCall } from '../client-call.js';
import { MicroError } from '../errors.js';
import { AttemptError } from './attempt-error.js';
import type { CallPlan } from './call-plan.js';
import type { Opened } from './node-attempt.js';

// What one attempt does with its opened call, by kind: the part of a call
// that is the same with or without interceptors.

/** unaryOn sends the request, waits for the one reply and reports headers and trailers. */
export function unaryOn<I, O>(opened: Opened<I, O>, plan: CallPlan<unknown, unknown>): Promise<O> {
  const { options } = plan;
  // The common call, opened at once and asking for no headers or trailers, is the call's own promise.
  if (!(opened instanceof Promise) && !options.onHeader && !options.onTrailer) {
    const outcome = opened.unary(plan);
    plan.final = outcome;
    return outcome;
  }
  return unaryReporting(opened, plan);
}

async function unaryReporting<I, O>(opened: Opened<I, O>, plan: CallPlan<unknown, unknown>): Promise<O> {
  const { options } = plan;
  const call = opened instanceof Promise ? await opened : opened;
  try {
    return await call.unary(plan);
  } finally {
    if (options.onHeader) options.onHeader(await call.header());
    if (options.onTrailer) options.onTrailer(await call.trailer());
  }
}

/** serverStreamOn sends the one request (encoded when the stream opened), half-closes and hands the stream over. */
export async function serverStreamOn<I, O>(opened: Opened<I, O>): Promise<ClientCall<I, O>> {
  const call = await opened;
  try {
    await call.sendEncoded().catch(ignoreEOF);
  } catch (err) {
    const error = MicroError.from(err, Code.UNAVAILABLE);
    // The server answered before the request was written (an interceptor
    // refused the call, say): recv() reports that status, as it would a moment later.
    if (error.code !== Code.UNAVAILABLE) return call;
    call.close();
    // The request was refused before it left: another node may take it.
    throw new AttemptError(error, false);
  }
  call.closeSend();
  return call;
}

// A send refused because the server already ended the call: recv() reports how it ended.
function ignoreEOF(err: unknown): void {
  if (!(err instanceof Error && err.name === 'EOF')) throw err;
}
