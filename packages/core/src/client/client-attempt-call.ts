import { type ClientStream, Code, Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import { MicroError } from '../errors.js';
import { ContextValues } from '../interceptor/context-values.js';
import type { CallEnd, ClientInterceptedCall, MessageHook } from '../interceptor/interceptor.js';
import { emitEnd } from '../interceptor/message-hooks.js';
import type { Node } from '../registry/registry.js';
import { type CallPlan, NO_REQUEST } from './call-plan.js';
import type { StreamWatcher } from './node-attempt.js';
import type { Target } from './target-resolver.js';
import type { Logger } from '../logger/logger.js';

const NO_METADATA = new Metadata();

// What a hook list looked like when a layer was first entered.
type Marks = readonly [requests: number, responses: number, ends: number];
const EMPTY_MARKS: Marks = [0, 0, 0];

/**
 * ClientAttemptCall is one attempt of an intercepted call, as its client
 * interceptors see it, and the centre of their chain: run() opens the
 * attempt's stream on the chosen node. An interceptor that calls next again
 * (a retry on the same node) gets a fresh pass: the hooks the inner layers
 * registered on the earlier pass are dropped, so nothing is counted twice.
 */
export class ClientAttemptCall implements ClientInterceptedCall, StreamWatcher {
  readonly side = 'client';
  readonly metadata: Metadata;
  requestHooks: MessageHook[] | undefined;
  responseHooks: MessageHook[] | undefined;
  private endListeners: ((end: CallEnd) => void)[] | undefined;
  private marks: Marks[] | undefined;
  private deepestLayer = 0;
  private stream: ClientStream | undefined;
  private values_: ContextValues | undefined;
  private signal_: AbortSignal | undefined;
  private end: CallEnd | undefined;
  private isDrained = false;
  private onDrained: (() => void) | undefined;
  // How the chain settled: undefined while it runs, null for a value, else the error.
  private settledAs: MicroError | null | undefined;

  constructor(
    private readonly plan: CallPlan<unknown, unknown>,
    private readonly to: Target,
    readonly attempt: number,
    private readonly proceed: (call: ClientAttemptCall) => unknown,
    private readonly logger: Logger,
  ) {
    this.metadata = new Metadata(plan.options.metadata);
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
  get peer(): string {
    return this.to.node.address;
  }
  get method(): MethodDefinition {
    return this.plan.method;
  }
  get kind(): MethodKind {
    return this.plan.method.kind;
  }
  get service(): string {
    const { path } = this.plan.method;
    return path.slice(1, path.lastIndexOf('/'));
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
    (this.requestHooks ??= []).push(hook);
  }

  onResponseMessage(hook: MessageHook): void {
    (this.responseHooks ??= []).push(hook);
  }

  onEnd(listener: (end: CallEnd) => void): void {
    if (this.end !== undefined) {
      this.reportListenerErrors(emitEnd([listener], this.end));
      return;
    }
    const first = this.endListeners === undefined;
    (this.endListeners ??= []).push(listener);
    // Settled with nobody listening yet: the end is worked out now.
    if (first && this.settledAs !== undefined) void this.ended(this.settledAs);
  }

  /** enterLayer marks the hooks outer layers registered; a layer entered again drops what inner ones added since. */
  enterLayer(layer: number): void {
    if (layer > this.deepestLayer) {
      this.deepestLayer = layer;
      if (this.requestHooks || this.responseHooks || this.endListeners) {
        (this.marks ??= [])[layer] = [this.requestHooks?.length ?? 0, this.responseHooks?.length ?? 0, this.endListeners?.length ?? 0];
      }
      return;
    }
    this.deepestLayer = layer;
    const [requests, responses, ends] = this.marks?.[layer] ?? EMPTY_MARKS;
    if (this.requestHooks) this.requestHooks.length = requests;
    if (this.responseHooks) this.responseHooks.length = responses;
    if (this.endListeners) this.endListeners.length = ends;
  }

  /** run is the centre of the chain: the attempt on the wire. */
  run(): Promise<unknown> {
    return Promise.resolve(this.proceed(this));
  }

  opened(stream: ClientStream): void {
    this.stream = stream;
  }

  drained(): void {
    this.onDrained?.();
    this.isDrained = true;
  }

  // A stream handed to the caller ends for its interceptors once its status
  // came and the caller has read every reply (or given up on them).
  private callerDone(): Promise<void> | undefined {
    if (this.isDrained || this.plan.method.kind === 'unary') return undefined;
    return new Promise<void>((resolve) => {
      this.onDrained = resolve;
    });
  }

  /**
   * settle follows the whole chain's outcome and tells the end listeners
   * once: before the caller hears of a unary call or a failure, when the
   * caller is done with a stream it was handed.
   */
  async settle<T>(result: Promise<unknown>): Promise<T> {
    let value: T;
    try {
      value = (await result) as T;
    } catch (err) {
      this.settledAs = MicroError.from(err, Code.UNAVAILABLE);
      if (this.endListeners !== undefined) await this.ended(this.settledAs);
      throw err;
    }
    this.settledAs = null;
    if (this.endListeners !== undefined) {
      if (this.stream === undefined || this.plan.method.kind === 'unary') await this.ended(null);
      else void this.ended(null);
    }
    return value;
  }

  // A resolved chain ends as its last stream ended (a stream handed to the
  // caller, when that is over); a rejected one as the caller sees it.
  private async ended(failure: MicroError | null): Promise<void> {
    const stream = this.stream;
    let end: CallEnd;
    if (failure !== null) {
      end = { code: failure.code, message: failure.detail, header: stream ? await stream.headers : NO_METADATA, trailer: failure.metadata };
    } else if (stream) {
      const status = await stream.status;
      await this.callerDone();
      end = { code: status.code, message: status.message, header: await stream.headers, trailer: status.metadata };
    } else {
      end = { code: Code.OK, message: '', header: NO_METADATA, trailer: NO_METADATA };
    }
    this.end = end;
    if (this.endListeners !== undefined) this.reportListenerErrors(emitEnd(this.endListeners, end));
  }

  private reportListenerErrors(errors: readonly unknown[] | undefined): void {
    if (!errors) return;
    for (const err of errors) this.logger.error({ service: this.plan.service, method: this.plan.method.name, err }, 'client interceptor onEnd listener failed');
  }
}
