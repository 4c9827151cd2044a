import type { Code, Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { MethodDefinition, MethodKind } from '../definition.js';
import type { Node } from '../registry/registry.js';
import type { ContextValues } from './context-values.js';

/*
 * Interceptors: one model for client and server, every call kind, every transport.
 *
 *   const timing: Interceptor = (next) => async (call) => {
 *     const started = performance.now();
 *     call.onEnd((end) => record(call.service, call.method.name, call.kind, end.code, performance.now() - started));
 *     call.onRequestMessage(() => received++);    // every request message, without buffering
 *     return next(call);                           // the rest of the chain
 *   };
 *
 * - Order is an onion, outermost first: the first interceptor of a list runs
 *   first on the way in and last on the way out. On the server the levels
 *   nest service (createServer / newService) > class (@UseInterceptors on the
 *   class) > method (@UseInterceptors on the method) > handler; on the client
 *   createClient > per call (CallOptions.interceptors) > the wire. Same on
 *   grpc, tcp and memory.
 * - A chain is composed once (at handle() on the server, at createClient on
 *   the client; per-call interceptors are composed per call). Nothing runs for
 *   a route or client without interceptors.
 * - The interceptor body runs before any message is read or written: a server
 *   interceptor that throws (a MicroError, say UNAUTHENTICATED) before calling
 *   next rejects the call without calling the handler or reading the request.
 *   Anything thrown that is not a MicroError reaches the peer as UNKNOWN
 *   "handler failed" (server) with no stack, and the server goes on serving.
 *   An async interceptor may take its time: messages wait in the transport's
 *   flow-control window meanwhile, none is lost.
 * - What next resolves with, and what an interceptor must resolve with:
 *     server, unary and client_streaming: the reply message (return another to
 *       replace it; return one without calling next to answer from here);
 *     server, server_streaming and bidi_streaming: undefined once the handler
 *       returned;
 *     client, unary: the reply message (call next again to retry on the same
 *       node, or return a reply without calling next to short-circuit). A
 *       retry runs the interceptors inside this one afresh: the hooks they
 *       registered on the earlier pass are dropped once their end listeners
 *       heard how that pass ended; hooks of the interceptors outside stay,
 *       whenever they were registered;
 *     client, streaming kinds: the stream object handed to the caller (pass it
 *       through; wrap messages with the hooks below, not the object).
 * - Messages: onRequestMessage / onResponseMessage register a synchronous hook
 *   called for every message in that direction, one at a time, as it passes
 *   this layer (request hooks in registration order, response hooks in
 *   reverse, so both follow the onion). A hook observes (returns undefined),
 *   transforms (returns the replacement) or rejects (throws a MicroError: the
 *   call ends with that status on both sides). Server: request messages after
 *   decoding, before the handler; replies before encoding. Client: requests
 *   before encoding; replies after decoding, before the caller.
 * - onEnd hears the final status once, whatever ended the call: the handler,
 *   an interceptor's throw, CANCELLED, DEADLINE_EXCEEDED, a dead peer
 *   (UNAVAILABLE or CANCELLED, as the transport saw it), a server shutting
 *   down. Client: once per attempt, before the caller sees the outcome of a
 *   unary call or a failure; for a stream handed to the caller, once its
 *   status came and the caller read every reply, saw it fail, or closed it
 *   (or dropped it: then once it is garbage-collected).
 * - values carries typed context values (createContextKey): a server
 *   interceptor sets call.values (the handler reads ctx.values); a client
 *   call made with { ctx } reads through to the handler's values.
 */

/** Interceptor wraps the rest of a call's chain: it is given `next` and returns what runs in its place. */
export type Interceptor = (next: NextCall) => NextCall;

/** NextCall runs the rest of the chain (inner interceptors, then the handler or the wire); see the block above for its result. */
export type NextCall = (call: InterceptedCall) => Promise<unknown>;

/** MessageHook sees one message: undefined keeps it, another value replaces it, a throw ends the call. */
export type MessageHook = (message: unknown) => unknown;

/** CallEnd is how a call ended, as its onEnd listeners hear it. */
export interface CallEnd {
  readonly code: Code;
  /** Status message ("" for OK). */
  readonly message: string;
  /** Response headers: what the server sent, or what the client received (empty when none). */
  readonly header: Metadata;
  /** Trailers that came with the status. */
  readonly trailer: Metadata;
}

/** CallBase is what every interceptor sees of a call, client or server. */
export interface CallBase {
  readonly side: 'server' | 'client';
  /** Full proto service name, "greeter.Greeter". */
  readonly service: string;
  /** The method, with its name, path and message types. */
  readonly method: MethodDefinition;
  /** method.kind: unary, server_streaming, client_streaming or bidi_streaming. */
  readonly kind: MethodKind;
  /** Request headers: what the client sends (add to them before next on the client). */
  readonly metadata: Metadata;
  /** Absolute deadline in ms since the epoch, if any. */
  readonly deadline: number | undefined;
  /**
   * Server: aborts when the call ends other than OK (cancelled, deadline,
   * dead connection, shutdown). Client: the caller's cancellation
   * (CallOptions.signal and ctx.signal); the call's end is onEnd.
   */
  readonly signal: AbortSignal;
  /** The other side's address: the caller's on the server, the one this attempt dials on the client. */
  readonly peer: string;
  /** Typed values for this call (see createContextKey). */
  readonly values: ContextValues;
  /** onRequestMessage hooks every request message passing this layer. */
  onRequestMessage(hook: MessageHook): void;
  /** onResponseMessage hooks every response message passing this layer. */
  onResponseMessage(hook: MessageHook): void;
  /** onEnd hears the final status once (at once if the call already ended). */
  onEnd(listener: (end: CallEnd) => void): void;
}

/** ServerInterceptedCall is an incoming call as a server interceptor sees it. */
export interface ServerInterceptedCall extends CallBase {
  readonly side: 'server';
  /** The handler's context: the same values, metadata, deadline and signal. */
  readonly ctx: Context;
  /** Headers to send back, before the first message or with the status. */
  readonly responseHeader: Metadata;
  /** Trailers to send back with the status. */
  readonly responseTrailer: Metadata;
}

/** ClientInterceptedCall is one attempt of an outgoing call as a client interceptor sees it. */
export interface ClientInterceptedCall extends CallBase {
  readonly side: 'client';
  /** The name the caller called ("greeter"), or the address of an `address` call. */
  readonly target: string;
  /** The node this attempt goes to. */
  readonly node: Node;
  /**
   * The transport this attempt goes over ("grpc", "tcp"; "memory" in-process)
   * and the address it dials there (peer is the same): in the interceptor's
   * body, the node's way the attempt tries first; once a stream is open (in
   * hooks and onEnd), the way it took, which a failed dial may have moved to
   * the node's next. A node listening on several transports has an address
   * on each; node.address is only the first.
   */
  readonly transport: string;
  readonly address: string;
  /** 1 for the first attempt, 2 for the first retry of the client's retry policy… */
  readonly attempt: number;
  /** The request of a unary or server-streaming call; undefined for the streaming-request kinds. */
  readonly request: unknown;
  /** The context the call was made with ({ ctx }), if any. */
  readonly ctx: Context | undefined;
}

/** InterceptedCall is a call as an interceptor sees it; `side` tells which. */
export type InterceptedCall = ServerInterceptedCall | ClientInterceptedCall;

/** InterceptorObject is an object with an intercept method, as interceptor classes build. */
export interface InterceptorObject {
  intercept: Interceptor;
}

/**
 * InterceptorClass is a class whose instances intercept; the server builds it
 * through its typedi container, so its constructor dependencies are injected.
 */
// biome-ignore lint/suspicious/noExplicitAny: interceptor classes take any constructor arguments
export type InterceptorClass = new (...args: any[]) => InterceptorObject;

/** InterceptorLike is what interceptor lists accept: a function, an object with intercept, or a class. */
export type InterceptorLike = Interceptor | InterceptorObject | InterceptorClass;
