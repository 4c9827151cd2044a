import type { Metadata, MetadataInit } from '@tsmicro/transport';
import type { Context } from './context.js';
import type { MethodDefinition } from './definition.js';
import type { InterceptorLike } from './interceptor/interceptor.js';
import type { Node } from './registry/registry.js';
import type { BidiStreamClient, ClientStreamClient, ServerStreamClient } from './stream-types.js';

/** CallOptions tune one call. */
export interface CallOptions {
  /** Milliseconds the call may take before it fails with DEADLINE_EXCEEDED. */
  readonly timeout?: number;
  /** Absolute deadline; the earlier of this, timeout and ctx's deadline wins. */
  readonly deadline?: Date | number;
  /** Aborting it cancels the call; the server's ctx.signal aborts too. */
  readonly signal?: AbortSignal;
  /** Request headers. */
  readonly metadata?: MetadataInit;
  /** A handler's context: its deadline and cancellation carry over to this downstream call. */
  readonly ctx?: Context;
  /** Call this node directly, bypassing discovery ("host:port"). */
  readonly address?: string;
  /** Codec for this call: "proto" (default) or "json". */
  readonly codec?: string;
  /** Unary calls: receives the response headers. */
  readonly onHeader?: (metadata: Metadata) => void;
  /** Unary calls: receives the trailers. */
  readonly onTrailer?: (metadata: Metadata) => void;
  /**
   * Safe to retry on UNAVAILABLE after the request was sent; overrides the
   * method's `idempotent`. A stream is never retried once it is handed out.
   */
  readonly idempotent?: boolean;
  /** Extra attempts for this call; overrides the client's `retries`. */
  readonly retries?: number;
  /** Called with the node each attempt goes to (the last call is the node that answered). */
  readonly onNode?: (node: Node) => void;
  /**
   * Interceptors of this call only, inside the client's; composed when the
   * call starts, so a hot path should configure them on the client instead.
   */
  readonly interceptors?: readonly InterceptorLike[];
}

/**
 * Client calls services by name. Generated stubs (newGreeterService) wrap
 * these four methods with exact types.
 */
export interface Client {
  call<I, O>(service: string, method: MethodDefinition<I, O>, request: I, options?: CallOptions): Promise<O>;
  serverStream<I, O>(
    service: string,
    method: MethodDefinition<I, O>,
    request: I,
    options?: CallOptions,
  ): Promise<ServerStreamClient<O>>;
  clientStream<I, O>(service: string, method: MethodDefinition<I, O>, options?: CallOptions): Promise<ClientStreamClient<I, O>>;
  bidiStream<I, O>(service: string, method: MethodDefinition<I, O>, options?: CallOptions): Promise<BidiStreamClient<I, O>>;
  /** close cancels open calls and closes pooled connections. */
  close(): Promise<void>;
}
