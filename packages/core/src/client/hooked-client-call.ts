import type { ClientStream, Metadata, Status } from '@tsmicro/transport';
import type { Codec } from '../codec/codec.js';
import { ClientCall } from '../client-call.js';
import type { MessageType } from '../definition.js';
import { MicroError } from '../errors.js';
import type { MessageHook } from '../interceptor/interceptor.js';
import { runRequestHooks, runResponseHooks } from '../interceptor/message-hooks.js';

/** MessageHooks are the message hooks client interceptors registered on one attempt, read as messages pass. */
export interface MessageHooks {
  readonly requestHooks: readonly MessageHook[] | undefined;
  readonly responseHooks: readonly MessageHook[] | undefined;
  /** drained hears that the caller is done reading (end, failure or close). */
  drained(): void;
  /** unarySettling hears how a unary call on `stream` went, told in one callback by its transport, before its promise settles. */
  unarySettling(stream: ClientStream, failure: unknown, headers: Metadata, status: Status): void;
}

// A stream the caller dropped unread counts as done with once it is collected,
// so its interceptors still hear how it ended.
const droppedByCaller = new FinalizationRegistry<MessageHooks>((hooks) => hooks.drained());

/**
 * HookedClientCall is a ClientCall whose messages pass its interceptors'
 * hooks where they are encoded and decoded, one at a time. A hook that
 * throws cancels the call with the error's status. Calls of a client without
 * interceptors are plain ClientCalls.
 */
export class HookedClientCall<I, O> extends ClientCall<I, O> {
  constructor(
    stream: ClientStream,
    codec: Codec,
    requestType: MessageType<I>,
    responseType: MessageType<O>,
    handedToCaller: boolean,
    request: Uint8Array | undefined,
    private readonly hooks: MessageHooks,
  ) {
    super(stream, codec, requestType, responseType, handedToCaller, request);
    if (handedToCaller) droppedByCaller.register(this, hooks);
  }

  protected override encode(message: I): Uint8Array {
    const hooks = this.hooks.requestHooks;
    if (hooks !== undefined) {
      try {
        message = runRequestHooks(hooks, message) as I;
      } catch (err) {
        throw this.hookFailed(err);
      }
    }
    return super.encode(message);
  }

  protected override received(message: O): O {
    const hooks = this.hooks.responseHooks;
    if (hooks === undefined) return message;
    try {
      return runResponseHooks(hooks, message) as O;
    } catch (err) {
      throw this.hookFailed(err);
    }
  }

  override drained(): void {
    this.hooks.drained();
  }

  protected override unarySettling(failure: unknown, headers: Metadata, status: Status): void {
    this.hooks.unarySettling(this.stream, failure, headers, status);
  }

  private hookFailed(err: unknown): MicroError {
    const e = MicroError.from(err);
    this.stream.cancel(e.code, e.detail);
    return e;
  }
}
