import type { SentFlag } from '../client-call.js';
import type { CallOptions } from '../client-types.js';
import type { MethodDefinition } from '../definition.js';
import type { NextCall } from '../interceptor/interceptor.js';
import type { TargetedCall } from './target-resolver.js';

/**
 * CallPlan is what every attempt of one call shares, resolved once when the
 * call starts. Its mutable fields, `sent` and `final`, are the current
 * attempt's, and `picked` is the selector's for all of them: the attempts
 * of a call run one after another, so they need no object of their own.
 */
export interface CallPlan<I, O> extends SentFlag, TargetedCall {
  /** The name called ("greeter"), or the address of an `address` call. */
  readonly service: string;
  readonly method: MethodDefinition<I, O>;
  readonly options: CallOptions;
  readonly deadline: number | undefined;
  readonly signals: readonly AbortSignal[];
  /** The request of a unary or server-streaming call; NO_REQUEST for the kinds that stream requests. */
  readonly request: unknown;
  /** The interceptors of this call composed around the attempt; undefined without any. */
  readonly chain: NextCall | undefined;
  /**
   * The current attempt's outcome when it is a ClientCall's own unary
   * promise, which rejects with no other error than the one the caller is
   * to see: a call that cannot be retried then returns it as it is.
   */
  final?: Promise<unknown>;
}

const NO_SIGNALS: readonly AbortSignal[] = [];

/** NO_REQUEST marks a call kind whose requests are sent later, through the stream. */
export const NO_REQUEST: unique symbol = Symbol('no request');

/** signalsOf lists what can cancel a call: its own signal and its context's. */
export function signalsOf(callOptions: CallOptions): readonly AbortSignal[] {
  const { signal } = callOptions;
  const ctxSignal = callOptions.ctx?.signal;
  if (signal === undefined) return ctxSignal === undefined ? NO_SIGNALS : [ctxSignal];
  return ctxSignal === undefined ? [signal] : [signal, ctxSignal];
}

/** deadlineOf is the earliest of the call's timeout, deadline and context deadline. */
export function deadlineOf(options: CallOptions, defaultTimeoutMs: number | undefined): number | undefined {
  const timeout = options.timeout ?? defaultTimeoutMs;
  let deadline = timeout === undefined ? undefined : Date.now() + timeout;
  if (options.deadline !== undefined) {
    deadline = earliest(deadline, typeof options.deadline === 'number' ? options.deadline : options.deadline.getTime());
  }
  const inherited = options.ctx?.deadline;
  return inherited === undefined ? deadline : earliest(deadline, inherited);
}

function earliest(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}
