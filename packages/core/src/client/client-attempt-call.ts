import { type ClientStream, Code, EMPTY_METADATA, Metadata, type Status } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import { MicroError } from '../errors.js';
import { ContextValues } from '../interceptor/context-values.js';
import type { CallEnd, InterceptedCall, MessageHook } from '../interceptor/interceptor.js';
import { LayeredHooks } from '../interceptor/layered-hooks.js';
import { emitEnd, OK_BARE_END } from '../interceptor/message-hooks.js';
import type { Node } from '../registry/registry.js';
import { callerError } from './attempt-error.js';
import { type CallPlan, NO_REQUEST } from './call-plan.js';
import { type ClientLayerCall, enterInside, type LayeredCall, type LayerSlots } from './client-layer-call.js';
import type { NodeAttempt, StreamWatcher } from './node-attempt.js';
import type { AttemptRun } from './retrying-call.js';
import type { Route } from '../transport-choice.js';
import type { Target } from './target-resolver.js';
import type { Logger } from '../logger/logger.js';

/**
 * ClientAttemptCall is one attempt of an intercepted call, as its outermost
 * client interceptor sees it, and the centre of their chain: run() opens the
 * attempt's stream on the chosen node. The layers inside see it through a
 * ClientLayerCall each, so every hook is filed under the layer that
 * registered it. A layer that calls next again (a retry on the same node)
 * starts the layers inside it afresh: the hooks they registered on the
 * earlier pass are dropped, their end listeners hearing how that pass ended,
 * and the hooks of the layers outside, whenever registered, stay.
 */
export class ClientAttemptCall implements LayeredCall, StreamWatcher, LayerSlots {
  readonly side = 'client';
  innerView: ClientLayerCall | undefined = undefined;
  lastPass: Promise<unknown> | undefined = undefined;
  readonly metadata: Metadata;
  private requests: LayeredHooks<MessageHook> | undefined;
  private responses: LayeredHooks<MessageHook> | undefined;
  private endListeners: LayeredHooks<(end: CallEnd) => void> | undefined;
  private stream: ClientStream | undefined;
  // The stream's final status, once the transport told it, and its headers when they came with it.
  private status: Status | undefined;
  private header: Metadata | undefined;
  private service_: string | undefined;
  private values_: ContextValues | undefined;
  private signal_: AbortSignal | undefined;
  private end: CallEnd | undefined;
  private isDrained = false;
  private onDrained: (() => void) | undefined;
  // While the end of an earlier pass of the layers inside one is being told (a retry by an interceptor).
  private endTold: Promise<void> | undefined;
  // How the chain settled: undefined while it runs, null for a value, else the error.
  private settledAs: MicroError | null | undefined;
  // Whether the call is unary: its pass is its reply, where any other kind's hands a stream to the caller.
  private readonly unary: boolean;
  // Whether run() was called, and, while it was called once and no more, what it returned when
  // that is its ClientCall's own unary promise, and that call's stream: see settle. Only that
  // call tells the end as it settles, whatever an interceptor runs later.
  private ran = false;
  private centre: Promise<unknown> | undefined;
  private centreStream: ClientStream | undefined;
  // Whether the chain's outcome is that promise, whose call then tells the end as it settles.
  private direct = false;

  constructor(
    private readonly plan: CallPlan<unknown, unknown>,
    private readonly to: Target,
    // The way this attempt goes: the one it tries first, until a stream opened.
    private way: Route | undefined,
    readonly attempt: number,
    // What the centre does: open the stream on the node and run the call's kind on it.
    private readonly nodes: NodeAttempt,
    private readonly runOn: AttemptRun<unknown>,
    private readonly logger: Logger,
  ) {
    this.metadata = new Metadata(plan.options.metadata);
    this.unary = plan.method.kind === 'unary';
  }

  enterLayer(layer: number, innermost: boolean): InterceptedCall | undefined {
    return innermost ? undefined : enterInside(this, this, layer);
  }
  passed(_layer: number, outcome: Promise<unknown>): void {
    this.lastPass = this.keptPass(outcome);
  }

  get requestHooks(): readonly MessageHook[] | undefined {
    return this.requests?.items;
  }
  get responseHooks(): readonly MessageHook[] | undefined {
    return this.responses?.items;
  }
  get request(): unknown {
    const { request } = this.plan;
    return request === NO_REQUEST ? undefined : request;
  }
  get target(): string {
    return this.plan.service;
  }
  get node(): Node {
    return this.to.node;
  }
  get transport(): string {
    return this.way?.transport ?? this.to.node.metadata.transport ?? '';
  }
  get address(): string {
    return this.way?.address ?? this.to.node.address;
  }
  get peer(): string {
    return this.address;
  }
  get method(): MethodDefinition {
    return this.plan.method;
  }
  get kind(): MethodKind {
    return this.plan.method.kind;
  }
  get service(): string {
    if (this.service_ === undefined) {
      const { path } = this.plan.method;
      this.service_ = path.slice(1, path.lastIndexOf('/'));
    }
    return this.service_;
  }
  get deadline(): number | undefined {
    return this.plan.deadline;
  }
  get ctx(): Context | undefined {
    return this.plan.options.ctx;
  }
  get values(): ContextValues {
    this.values_ ??= new ContextValues(this.plan.options.ctx?.values);
    return this.values_;
  }
  get signal(): AbortSignal {
    if (this.signal_ === undefined) {
      const { signals } = this.plan;
      this.signal_ = signals.length === 1 ? (signals[0] as AbortSignal) : signals.length > 1 ? AbortSignal.any([...signals]) : new AbortController().signal;
    }
    return this.signal_;
  }

  onRequestMessage(hook: MessageHook): void {
    this.addRequestHook(1, hook);
  }

  onResponseMessage(hook: MessageHook): void {
    this.addResponseHook(1, hook);
  }

  onEnd(listener: (end: CallEnd) => void): void {
    this.addEndListener(1, listener);
  }

  addRequestHook(layer: number, hook: MessageHook): void {
    if (this.requests === undefined) this.requests = new LayeredHooks(layer, hook);
    else this.requests.add(layer, hook);
  }

  addResponseHook(layer: number, hook: MessageHook): void {
    if (this.responses === undefined) this.responses = new LayeredHooks(layer, hook);
    else this.responses.add(layer, hook);
  }

  addEndListener(layer: number, listener: (end: CallEnd) => void): void {
    if (this.end !== undefined) {
      this.reportListenerErrors(emitEnd([listener], this.end));
      return;
    }
    if (this.endListeners !== undefined) {
      this.endListeners.add(layer, listener);
      return;
    }
    this.endListeners = new LayeredHooks(layer, listener);
    // Settled with nobody listening yet: the end is worked out now.
    if (this.settledAs !== undefined) void this.ended(this.settledAs);
  }

  // A unary pass is kept as it is, and turned into how it went only if its
  // layer runs the layers inside again; a stream's pass at once, as null for
  // the stream (not kept: a stream handed to the caller must stay collectable).
  keptPass(outcome: Promise<unknown>): Promise<unknown> {
    return this.unary ? outcome : howItWent(outcome);
  }

  // The layers inside `layer` run again: what they registered on the earlier
  // pass goes, and their end listeners hear how that pass ended.
  restartInside(layer: number, pass: Promise<unknown>): void {
    this.requests?.dropInside(layer);
    this.responses?.dropInside(layer);
    const listeners = this.endListeners?.dropInside(layer);
    if (listeners === undefined) return;
    const stream = this.stream;
    const previous = (this.unary ? howItWent(pass) : pass) as Promise<MicroError | null>;
    const told = previous
      .then((failure) => this.endOf(failure, stream, false))
      .then((end) => this.reportListenerErrors(emitEnd(listeners, end)));
    // A unary pass has ended: the next goes on the wire once its end was
    // told, so no message of the next pass is heard before it.
    if (this.unary) this.endTold = told.then(undefined, ignore);
  }

  /** run is the centre of the chain: the attempt on the wire. */
  run(): Promise<unknown> {
    const first = !this.ran;
    this.ran = true;
    this.centre = undefined;
    const endTold = this.endTold;
    if (endTold === undefined) {
      const outcome = Promise.resolve(this.onWire());
      if (first && this.unary && outcome === this.plan.final) {
        this.centre = outcome;
        this.centreStream = this.stream;
      }
      return outcome;
    }
    this.endTold = undefined;
    return endTold.then(() => this.onWire());
  }

  private onWire(): unknown {
    return this.runOn(this.nodes.open(this.plan, this.to, this.metadata, this), this.plan);
  }

  opened(stream: ClientStream, way: Route): void {
    this.stream = stream;
    this.status = undefined;
    this.header = undefined;
    this.way = way;
  }

  streamEnded(stream: ClientStream, status: Status, headers: Metadata | undefined): void {
    if (stream !== this.stream) return;
    this.status = status;
    this.header = headers;
  }

  drained(): void {
    this.onDrained?.();
    this.isDrained = true;
  }

  // A stream handed to the caller ends for its interceptors once its status
  // came and the caller has read every reply (or given up on them).
  private callerDone(): Promise<void> | undefined {
    if (this.isDrained || this.unary) return undefined;
    return new Promise<void>((resolve) => {
      this.onDrained = resolve;
    });
  }

  /**
   * settle follows the whole chain's outcome and tells the end listeners
   * once: before the caller hears of a unary call or a failure, when the
   * caller is done with a stream it was handed. On the call's `last`
   * attempt it rejects with what the caller is to see, so no reaction of
   * the retrying layer need follow it.
   */
  settle<T>(result: Promise<unknown>, last: boolean): Promise<T> {
    // The interceptors handed back, as it is, the one pass's own unary
    // promise: it rejects with what the caller is to see, so what settle
    // would do is done as that call settles, before its promise does
    // (unarySettling), and the call costs no reaction here.
    if (result === this.centre) {
      this.direct = true;
      return result as Promise<T>;
    }
    // One reaction rather than an async frame: most calls' ends are told at once.
    return result.then(
      (value) => this.settledWell(value),
      (err: unknown) => this.settledBadly(err, last),
    ) as Promise<T>;
  }

  unarySettling(stream: ClientStream, failure: unknown, headers: Metadata, status: Status): void {
    if (stream !== this.centreStream) return;
    if (!this.direct) {
      // Settled before the chain handed back its outcome: settle takes the long way.
      this.centre = undefined;
      return;
    }
    const error = failure === undefined ? null : callerError(failure);
    this.settledAs = error;
    if (this.endListeners === undefined) return;
    this.tellEnd(error === null ? endWith(status, headers) : failedEnd(error, headers));
  }

  private settledWell(value: unknown): unknown {
    this.settledAs = null;
    if (this.endListeners === undefined) return value;
    const told = this.ended(null);
    if (told === undefined || (this.stream !== undefined && !this.unary)) return value;
    return told.then(() => value);
  }

  private settledBadly(err: unknown, last: boolean): Promise<never> {
    // Listeners hear the failure the caller is to see, an attempt's unwrapped.
    const failure = callerError(err);
    this.settledAs = failure;
    const thrown = last ? failure : err;
    const told = this.endListeners === undefined ? undefined : this.ended(failure);
    if (told === undefined) throw thrown;
    return told.then(() => {
      throw thrown;
    });
  }

  // A resolved chain ends as its last stream ended (a stream handed to the
  // caller, when that is over); a rejected one as the caller sees it.
  private ended(failure: MicroError | null): Promise<void> | undefined {
    const end = this.endOf(failure, this.stream, true);
    if (!(end instanceof Promise)) {
      this.tellEnd(end);
      return undefined;
    }
    return end.then((e) => this.tellEnd(e));
  }

  private tellEnd(end: CallEnd): void {
    this.end = end;
    if (this.endListeners !== undefined) this.reportListenerErrors(emitEnd(this.endListeners.items, end));
  }

  // What is known at once is not waited for: a transport with an end
  // listener (ClientStream.onEnd) hands a call's status and headers together.
  private endOf(failure: MicroError | null, stream: ClientStream | undefined, untilCallerDone: boolean): CallEnd | Promise<CallEnd> {
    if (failure !== null) {
      if (stream === undefined) return failedEnd(failure, EMPTY_METADATA);
      return stream.headers.then((header) => failedEnd(failure, header));
    }
    if (stream === undefined) return OK_BARE_END;
    const status = stream === this.stream ? this.status : undefined;
    if (status !== undefined && (!untilCallerDone || this.isDrained || this.unary)) {
      const header = this.header;
      return header !== undefined ? endWith(status, header) : stream.headers.then((h) => endWith(status, h));
    }
    return this.endLater(stream, untilCallerDone);
  }

  private async endLater(stream: ClientStream, untilCallerDone: boolean): Promise<CallEnd> {
    const status = await stream.status;
    if (untilCallerDone) await this.callerDone();
    return endWith(status, await stream.headers);
  }

  private reportListenerErrors(errors: readonly unknown[] | undefined): void {
    if (!errors) return;
    for (const err of errors) this.logger.error({ service: this.plan.service, method: this.plan.method.name, err }, 'client interceptor onEnd listener failed');
  }
}

// failedEnd is the end of an attempt that failed as `failure`, with the headers that came before.
function failedEnd(failure: MicroError, header: Metadata): CallEnd {
  return { code: failure.code, message: failure.detail, header, trailer: failure.metadata };
}

function endWith(status: Status, header: Metadata): CallEnd {
  if (status.code === Code.OK && status.message === '' && header.size === 0 && status.metadata.size === 0) return OK_BARE_END;
  return { code: status.code, message: status.message, header, trailer: status.metadata };
}

// howItWent is how a pass went: null for a value, else the error.
function howItWent(outcome: Promise<unknown>): Promise<MicroError | null> {
  return outcome.then(passedWell, passedBadly);
}

function ignore(): void {}

function passedWell(): null {
  return null;
}

function passedBadly(err: unknown): MicroError {
  return callerError(err);
}
