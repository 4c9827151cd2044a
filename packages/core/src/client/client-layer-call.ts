import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import { callReads } from '../interceptor/call-reads.js';
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
 * LayerEntry is the part of the chain's protocol (see composeChain) the
 * attempt and each of its views share: each keeps the view of the layer
 * inside its own, and its own latest pass through it, so a call costs no
 * list of either.
 */
export abstract class LayerEntry {
  private inner: ClientLayerCall | undefined;
  private pass: Promise<unknown> | undefined;

  protected abstract get layered(): LayeredCall;

  /**
   * enterLayer returns the view of the layer inside `layer`; a layer entered
   * again first drops what the layers inside it registered. Inside the
   * innermost there is only the attempt's run(), which this call reaches as
   * well as a view would, and nothing registered to drop.
   */
  enterLayer(layer: number, innermost: boolean): InterceptedCall | undefined {
    if (innermost) return undefined;
    if (this.pass !== undefined) {
      this.layered.restartInside(layer, this.pass);
      this.pass = undefined;
      this.inner = undefined;
    }
    this.inner ??= new ClientLayerCall(this.layered, layer + 1);
    return this.inner;
  }

  passed(_layer: number, outcome: Promise<unknown>): void {
    this.pass = this.layered.keptPass(outcome);
  }
}

/**
 * ClientLayerCall is an attempt as the interceptors inside the outermost see
 * it: everything reads through to the attempt, and the hooks it registers
 * are filed under its layer, so a retry by an outer layer drops them.
 */
export class ClientLayerCall extends callReads(LayerEntry) implements ClientInterceptedCall {
  readonly side = 'client';

  constructor(
    private readonly call: LayeredCall,
    private readonly layer: number,
  ) {
    super();
  }

  protected get layered(): LayeredCall {
    return this.call;
  }
  get readsFrom(): LayeredCall {
    return this.call;
  }

  get method(): MethodDefinition {
    return this.call.method;
  }
  get kind(): MethodKind {
    return this.call.kind;
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
