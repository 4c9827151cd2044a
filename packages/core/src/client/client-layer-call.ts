import type { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import type { ContextValues } from '../interceptor/context-values.js';
import { forwardReads } from '../interceptor/forward-reads.js';
import type { CallEnd, ClientInterceptedCall, InterceptedCall, MessageHook } from '../interceptor/interceptor.js';
import type { Node } from '../registry/registry.js';

/** LayeredCall is the attempt a ClientLayerCall views: it files hooks under a layer. */
export interface LayeredCall extends ClientInterceptedCall {
  addRequestHook(layer: number, hook: MessageHook): void;
  addResponseHook(layer: number, hook: MessageHook): void;
  addEndListener(layer: number, listener: (end: CallEnd) => void): void;
  enterLayer(layer: number): InterceptedCall;
  passed(layer: number, outcome: Promise<unknown>): void;
  run(): Promise<unknown>;
}

/**
 * ClientLayerCall is an attempt as the interceptors inside the outermost see
 * it: everything reads through to the attempt, and the hooks it registers
 * are filed under its layer, so a retry by an outer layer drops them.
 */
export class ClientLayerCall implements ClientInterceptedCall {
  readonly side = 'client';
  declare readonly service: string;
  declare readonly method: MethodDefinition;
  declare readonly kind: MethodKind;
  declare readonly metadata: Metadata;
  declare readonly deadline: number | undefined;
  declare readonly signal: AbortSignal;
  declare readonly peer: string;
  declare readonly transport: string;
  declare readonly address: string;
  declare readonly values: ContextValues;
  declare readonly target: string;
  declare readonly node: Node;
  declare readonly attempt: number;
  declare readonly request: unknown;
  declare readonly ctx: Context | undefined;

  constructor(
    private readonly call: LayeredCall,
    private readonly layer: number,
  ) {}

  onRequestMessage(hook: MessageHook): void {
    this.call.addRequestHook(this.layer, hook);
  }
  onResponseMessage(hook: MessageHook): void {
    this.call.addResponseHook(this.layer, hook);
  }
  onEnd(listener: (end: CallEnd) => void): void {
    this.call.addEndListener(this.layer, listener);
  }
  enterLayer(layer: number): InterceptedCall {
    return this.call.enterLayer(layer);
  }
  passed(layer: number, outcome: Promise<unknown>): void {
    this.call.passed(layer, outcome);
  }
  run(): Promise<unknown> {
    return this.call.run();
  }
}

/** CLIENT_CALL_READS are the members of a client call every view reads through. */
export const CLIENT_CALL_READS = [
  'service',
  'method',
  'kind',
  'metadata',
  'deadline',
  'signal',
  'peer',
  'transport',
  'address',
  'values',
  'target',
  'node',
  'attempt',
  'request',
  'ctx',
] as const;

forwardReads(ClientLayerCall.prototype, 'call', CLIENT_CALL_READS);
