import { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition } from '../definition.js';
import { ContextValues } from '../interceptor/context-values.js';
import type { ClientInterceptedCall } from '../interceptor/interceptor.js';
import type { Node } from '../registry/registry.js';
import { EventCall } from './event-call.js';

const never = new AbortController().signal;

/**
 * PublishCall is one publish as client interceptors see it: the topic as
 * target and service, "publish" as method, and `metadata` the headers the
 * event will carry, so an interceptor adds headers (a trace context) there.
 */
export class PublishCall extends EventCall implements ClientInterceptedCall {
  readonly side = 'client';
  readonly attempt = 1;
  readonly deadline = undefined;
  readonly signal: AbortSignal = never;
  readonly peer: string;
  readonly values: ContextValues;
  readonly metadata: Metadata;

  constructor(
    readonly service: string,
    readonly method: MethodDefinition,
    readonly node: Node,
    readonly request: unknown,
    readonly ctx: Context | undefined,
    headers: Readonly<Record<string, string>>,
    /** Whether this publish goes through the broker's store. */
    readonly durable: boolean,
    onHookError: (err: unknown) => void,
  ) {
    super(onHookError);
    this.peer = node.address;
    this.values = new ContextValues(ctx?.values);
    this.metadata = new Metadata(headers);
  }

  get target(): string {
    return this.service;
  }
  /** The broker's transport, as its node names it ("" when it names none). */
  get transport(): string {
    return this.node.metadata.transport ?? '';
  }
  get address(): string {
    return this.peer;
  }

  /** message is the event after the request hooks, as it will be encoded. */
  message(): unknown {
    return this.hooked(this.request);
  }

  /** headers are the event's headers as interceptors left them (text values only). */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of this.metadata.keys()) {
      const value = this.metadata.getString(key);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}
