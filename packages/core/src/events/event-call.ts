import { Code, EMPTY_METADATA } from '@tsmicro/transport';
import { MicroError } from '../errors.js';
import type { CallEnd, MessageHook } from '../interceptor/interceptor.js';
import { emitEnd, runRequestHooks } from '../interceptor/message-hooks.js';

/**
 * EventCall is what event interceptors share, on both sides: request hooks
 * see the message (before the handler, or before encoding), there is never a
 * response message, and end listeners hear OK or the error's status once.
 */
export abstract class EventCall {
  readonly kind = 'unary';
  private requestHooks: MessageHook[] | undefined;
  private endListeners: ((end: CallEnd) => void)[] | undefined;
  private deepestLayer = 0;
  private ended: CallEnd | undefined;

  constructor(private readonly onHookError: (err: unknown) => void) {}

  onRequestMessage(hook: MessageHook): void {
    (this.requestHooks ??= []).push(hook);
  }

  /** onResponseMessage is accepted for interceptors written for calls; events have no reply, so it never runs. */
  onResponseMessage(_hook: MessageHook): void {}

  /** onEnd hears the outcome once; at once when the event was already handled. */
  onEnd(listener: (end: CallEnd) => void): void {
    if (!this.ended) {
      (this.endListeners ??= []).push(listener);
      return;
    }
    const thrown = emitEnd([listener], this.ended);
    for (const err of thrown ?? []) this.onHookError(err);
  }

  /** enterLayer refuses a second pass: an event is handled (or published) once. */
  enterLayer(layer: number): void {
    if (layer <= this.deepestLayer) throw new MicroError(Code.INTERNAL, 'an interceptor called next twice on one event');
    this.deepestLayer = layer;
  }

  /** message passes the request hooks. */
  protected hooked(message: unknown): unknown {
    return this.requestHooks === undefined ? message : runRequestHooks(this.requestHooks, message);
  }

  /** settle tells the end listeners how the chain ended. */
  settle<T>(result: Promise<T>): Promise<T> {
    return result.then(
      (value) => {
        this.end(Code.OK, '');
        return value;
      },
      (err: unknown) => {
        const e = MicroError.from(err);
        this.end(e.code, e.detail);
        throw err;
      },
    );
  }

  private end(code: Code, message: string): void {
    if (this.ended) return;
    this.ended = { code, message, header: EMPTY_METADATA, trailer: EMPTY_METADATA };
    if (!this.endListeners) return;
    const thrown = emitEnd(this.endListeners, this.ended);
    for (const err of thrown ?? []) this.onHookError(err);
  }
}
