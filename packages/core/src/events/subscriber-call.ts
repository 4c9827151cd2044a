import type { Context } from '../context.js';
import type { MethodDefinition } from '../definition.js';
import { contextReads } from '../interceptor/context-reads.js';
import type { ServerInterceptedCall } from '../interceptor/interceptor.js';
import { EventCall } from './event-call.js';

/**
 * SubscriberCall is one delivered event as server interceptors see it: the
 * topic as service, the handler as method, the event's headers as metadata.
 * `message` is the decoded event, read through the request hooks.
 */
export class SubscriberCall extends contextReads(EventCall) implements ServerInterceptedCall {
  readonly side = 'server';

  constructor(
    readonly ctx: Context,
    readonly method: MethodDefinition,
    private readonly decoded: unknown,
    onHookError: (err: unknown) => void,
  ) {
    super(onHookError);
  }

  /** message is the event after the request hooks, as the handler gets it. */
  message(): unknown {
    return this.hooked(this.decoded);
  }
}
