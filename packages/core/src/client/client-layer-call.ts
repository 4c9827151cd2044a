import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import type { Metadata } from '@tsmicro/transport';
import type { ContextValues } from '../interceptor/context-values.js';
import type { CallEnd, ClientInterceptedCall, InterceptedCall, MessageHook } from '../interceptor/interceptor.js';
import type { Node } from '../registry/registry.js';

/** LayeredCall is the attempt a ClientLayerCall views: it files hooks under a layer. */
export interface LayeredCall extends ClientInterceptedCall {
  addRequestHook(layer: number, hook: MessageHook): void;
  addResponseHook(layer: number, hook: MessageHook): void;
  addEndListener(layer: number, listener: (end: CallEnd) => void): void;
  /** keptPass is what is kept of a layer's pass through the layers inside it, for restartInside. */
  keptPass(outcome: Promise<unknown>): Promise<unknown>;
  /** restartInside drops what the layers inside `layer` registered on their earlier pass, `pass` (a keptPass). */
  restartInside(layer: number, pass: Promise<unknown>): void;
  run(): Promise<unknown>;
}

/**
 * LayerSlots is the part of the chain's protocol (see composeChain) the
 * attempt and each of its views share: each keeps the view of the layer
 * inside its own, and its own latest pass through it, so a call costs no
 * list of either. They are plain fields on either class, not a base class:
 * a view is made per inner layer and call, and a constructor with nothing
 * above it is the cheapest to run.
 */
export interface LayerSlots {
  innerView: ClientLayerCall | undefined;
  lastPass: Promise<unknown> | undefined;
}

/**
 * enterInside returns the view of the layer inside `layer`; a layer entered
 * again first drops what the layers inside it registered. Inside the
 * innermost there is only the attempt's run(), which the call reaches as
 * well as a view would, and nothing registered to drop: callers return
 * undefined for it rather than ask.
 */
export function enterInside(slots: LayerSlots, call: LayeredCall, layer: number): ClientLayerCall {
  const pass = slots.lastPass;
  if (pass !== undefined) {
    call.restartInside(layer, pass);
    slots.lastPass = undefined;
    slots.innerView = undefined;
  }
  let view = slots.innerView;
  if (view === undefined) {
    view = new ClientLayerCall(call, layer + 1);
    slots.innerView = view;
  }
  return view;
}

/**
 * ClientLayerCall is an attempt as the interceptors inside the outermost see
 * it: everything reads through to the attempt, and the hooks it registers
 * are filed under its layer, so a retry by an outer layer drops them.
 */
export class ClientLayerCall implements ClientInterceptedCall, LayerSlots {
  readonly side = 'client';
  innerView: ClientLayerCall | undefined = undefined;
  lastPass: Promise<unknown> | undefined = undefined;

  constructor(
    private readonly call: LayeredCall,
    private readonly layer: number,
  ) {}

  enterLayer(layer: number, innermost: boolean): InterceptedCall | undefined {
    return innermost ? undefined : enterInside(this, this.call, layer);
  }
  passed(_layer: number, outcome: Promise<unknown>): void {
    this.lastPass = this.call.keptPass(outcome);
  }

  get service(): string {
    return this.call.service;
  }
  get method(): MethodDefinition {
    return this.call.method;
  }
  get kind(): MethodKind {
    return this.call.kind;
  }
  get metadata(): Metadata {
    return this.call.metadata;
  }
  get deadline(): number | undefined {
    return this.call.deadline;
  }
  get signal(): AbortSignal {
    return this.call.signal;
  }
  get peer(): string {
    return this.call.peer;
  }
  get values(): ContextValues {
    return this.call.values;
  }
  get transport(): string {
    return this.call.transport;
  }
  get address(): string {
    return this.call.address;
  }
  get target(): string {
    return this.call.target;
  }
  get node(): Node {
    return this.call.node;
  }
  get attempt(): number {
    return this.call.attempt;
  }
  get request(): unknown {
    return this.call.request;
  }
  get ctx(): Context | undefined {
    return this.call.ctx;
  }

  onRequestMessage(hook: MessageHook): void {
    this.call.addRequestHook(this.layer, hook);
  }
  onResponseMessage(hook: MessageHook): void {
    this.call.addResponseHook(this.layer, hook);
  }
  onEnd(listener: (end: CallEnd) => void): void {
    this.call.addEndListener(this.layer, listener);
  }
  run(): Promise<unknown> {
    return this.call.run();
  }
}
