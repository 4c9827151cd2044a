import { Code, EMPTY_METADATA, type ServerStream, type Status } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import type { MethodDefinition, MethodKind } from './definition.js';
import { MicroError } from './errors.js';
import { contextReads } from './interceptor/context-reads.js';
import type { CallEnd, MessageHook, ServerInterceptedCall } from './interceptor/interceptor.js';
import { emitEnd, OK_BARE_END, runRequestHooks, runResponseHooks } from './interceptor/message-hooks.js';
import type { DispatchOptions } from './dispatch.js';
import type { Route } from './router.js';
import { ServerCall } from './server-call.js';

/**
 * InterceptedServerCall is a ServerCall on a route with interceptors: it is
 * also the call those interceptors see. Message hooks run where messages are
 * decoded and encoded, so nothing is buffered, and the end listeners hear
 * the status from the one place a call ends. Routes without interceptors use
 * the plain ServerCall and pay for none of this.
 */
export class InterceptedServerCall extends contextReads(ServerCall<unknown, unknown>) implements ServerInterceptedCall {
  readonly side = 'server';
  private requestHooks: MessageHook[] | undefined;
  private responseHooks: MessageHook[] | undefined;
  private endListeners: ((end: CallEnd) => void)[] | undefined;
  private deepestLayer = 0;
  private finalStatus: Status | undefined;

  readonly method: MethodDefinition;

  constructor(
    stream: ServerStream,
    codec: Codec,
    private readonly route: Route,
    private readonly options: DispatchOptions,
  ) {
    const { method } = route;
    super(stream, codec, method.requestType, method.responseType, route.service.typeName, method.name, options.maxSendSize, options.onEnd);
    this.method = method;
  }

  get kind(): MethodKind {
    return this.method.kind;
  }

  onRequestMessage(hook: MessageHook): void {
    if (this.requestHooks === undefined) this.requestHooks = [hook];
    else this.requestHooks.push(hook);
  }

  onResponseMessage(hook: MessageHook): void {
    if (this.responseHooks === undefined) this.responseHooks = [hook];
    else this.responseHooks.push(hook);
  }

  onEnd(listener: (end: CallEnd) => void): void {
    // Registered after the end (after next settled on a cancelled call, say): it hears it at once.
    if (this.finalStatus !== undefined) this.report(emitEnd([listener], this.endOf(this.finalStatus)));
    else if (this.endListeners === undefined) this.endListeners = [listener];
    else this.endListeners.push(listener);
  }

  /** enterLayer refuses a second pass: a server call runs its handler once. */
  enterLayer(layer: number): void {
    if (layer <= this.deepestLayer) throw new MicroError(Code.INTERNAL, 'an interceptor called next twice on one call');
    this.deepestLayer = layer;
  }

  override decode(bytes: Uint8Array): unknown {
    return this.hooked(super.decode(bytes));
  }

  override decodeIn(bytes: Uint8Array, start: number, end: number): unknown {
    return this.hooked(super.decodeIn(bytes, start, end));
  }

  // hooked runs the request hooks on a decoded request.
  private hooked(message: unknown): unknown {
    if (this.requestHooks === undefined) return message;
    try {
      return runRequestHooks(this.requestHooks, message);
    } catch (err) {
      throw this.hookFailed(err);
    }
  }

  override send(message: unknown): Promise<void> {
    if (this.responseHooks !== undefined && !this.isEnded) {
      try {
        message = runResponseHooks(this.responseHooks, message);
      } catch (err) {
        return Promise.reject(this.hookFailed(err));
      }
    }
    return super.send(message);
  }

  override finish(status: Status): void {
    if (this.isEnded) return;
    super.finish(status);
    this.finalStatus = status;
    if (this.endListeners !== undefined) this.report(emitEnd(this.endListeners, this.endOf(status)));
  }

  // What a hook or end listener threw that was not a MicroError goes where handler errors go.
  private report(errors: readonly unknown[] | undefined): void {
    if (errors) for (const err of errors) this.options.onHandlerError(err, this.route);
  }

  private endOf(status: Status): CallEnd {
    const { ctx } = this;
    if (status.code === Code.OK && status.message === '' && !ctx.hasResponseHeader && !ctx.hasResponseTrailer) return OK_BARE_END;
    const trailer = status.code !== Code.OK ? status.metadata : ctx.hasResponseTrailer ? ctx.responseTrailer : EMPTY_METADATA;
    const header = ctx.hasResponseHeader ? ctx.responseHeader : EMPTY_METADATA;
    return { code: status.code, message: status.message, header, trailer };
  }

  // A hook that rejected a message ends the call with its status (UNKNOWN for a plain error).
  private hookFailed(err: unknown): MicroError {
    const e = MicroError.from(err);
    if (e !== err) this.report([err]);
    this.fail(e);
    return e;
  }
}
