import type { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition } from '../definition.js';
import type { ContextValues } from '../interceptor/context-values.js';
import type { ServerInterceptedCall } from '../interceptor/interceptor.js';
import { EventCall } from './event-call.js';

/**
 * SubscriberCall is one delivered event as server interceptors see it: the
 * topic as service, the handler as method, the event's headers as metadata.
 * `message` is the decoded event, read through the request hooks.
 */
export class SubscriberCall extends EventCall implements ServerInterceptedCall {
  readonly side = 'server';

  constructor(
    readonly ctx: Context,
    readonly method: MethodDefinition,
    private readonly decoded: unknown,
    onHookError: (err: unknown) => void,
  ) {
    super(onHookError);
  }

  get service(): string {
    return this.ctx.service;
  }
  get metadata(): Metadata {
    return this.ctx.metadata;
  }
  get deadline(): number | undefined {
    return this.ctx.deadline;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
  get peer(): string {
    return this.ctx.peer;
  }
  get values(): ContextValues {
    return this.ctx.values;
  }
  get responseHeader(): Metadata {
    return this.ctx.responseHeader;
  }
  get responseTrailer(): Metadata {
    return this.ctx.responseTrailer;
  }

  /** message is the event after the request hooks, as the handler gets it. */
  message(): unknown {
    return this.hooked(this.decoded);
  }
}
