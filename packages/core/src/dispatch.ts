import { ACCEPTED, Code, Metadata, type ServerStream } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import { codecForContentType } from './codec/codecs.js';
import { InterceptedServerCall } from './intercepted-server-call.js';
import type { NextCall } from './interceptor/interceptor.js';
import { MicroError } from './errors.js';
import type { Route } from './router.js';
import { NOT_AT_HAND, ServerCall } from './server-call.js';

/** DispatchOptions are the server settings one call needs. */
export interface DispatchOptions {
  readonly maxSendSize: number;
  /** Called with errors handlers threw that were not MicroErrors, for logging. */
  readonly onHandlerError: (err: unknown, route: Route) => void;
  /** Called once when a dispatched call has ended. */
  readonly onEnd: (call: ServerCall<unknown, unknown>) => void;
}

/**
 * dispatch runs one incoming call: it finds the route, runs the handler by
 * its kind, and returns its ServerCall (options.onEnd hears when it is
 * over). Unknown paths and content types end the call at once.
 */
export function dispatch(stream: ServerStream, route: Route | undefined, options: DispatchOptions): ServerCall<unknown, unknown> | undefined {
  if (!route) {
    stream.finish({ code: Code.UNIMPLEMENTED, message: `unknown method ${stream.method}`, metadata: new Metadata() });
    return undefined;
  }
  const codec = codecForContentType(stream.contentType);
  if (!codec) {
    stream.finish({ code: Code.INVALID_ARGUMENT, message: `unsupported content type ${stream.contentType}`, metadata: new Metadata() });
    return undefined;
  }
  const { method, service } = route;
  if (route.chain !== undefined) return runIntercepted(stream, codec, route, route.chain, options);
  const call = new ServerCall(
    stream,
    codec,
    method.requestType,
    method.responseType,
    service.typeName,
    method.name,
    options.maxSendSize,
    options.onEnd,
  );
  if (method.kind === 'unary') runUnary(call, route, options);
  else runStreaming(call, route, options);
  return call;
}

// runUnary runs a unary handler and ends the call with its outcome. It
// follows the handler with one reaction, or none for a handler that returns
// its reply at once, rather than an async frame per call.
function runUnary(call: ServerCall<unknown, unknown>, route: Route, options: DispatchOptions): void {
  let request: unknown;
  try {
    // A transport that delivers a unary call with its request in spares the wait.
    request = call.requestNow();
  } catch (err) {
    handlerFailed(call, err, route, options);
    return;
  }
  if (request !== NOT_AT_HAND) invokeUnary(call, route, options, request);
  else invokeOnRequest(call, route, options);
}

// invokeOnRequest calls a unary handler once its request is read. Apart from
// runUnary so that runUnary, whose request is almost always at hand, makes
// no closure context (V8 makes one on every entry to a function holding closures).
function invokeOnRequest(call: ServerCall<unknown, unknown>, route: Route, options: DispatchOptions): void {
  call.readRequest().then(
    (r) => invokeUnary(call, route, options, r),
    (err: unknown) => handlerFailed(call, err, route, options),
  );
}

// invokeUnary calls a unary handler with its request and sends what it returns.
function invokeUnary(call: ServerCall<unknown, unknown>, route: Route, options: DispatchOptions, request: unknown): void {
  let reply: unknown;
  try {
    reply = route.invoke(call.ctx, request);
  } catch (err) {
    handlerFailed(call, err, route, options);
    return;
  }
  if (isThenable(reply)) {
    reply.then(
      (r) => replied(call, r, route, options),
      (err: unknown) => handlerFailed(call, err, route, options),
    );
  } else replied(call, reply, route, options);
}

// isThenable tells what `await` would wait for.
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

// sendReply sends a call's one reply unless the call has ended already. A
// reply the transport took at once (ACCEPTED cannot fail) needs no wait, so
// there is nothing to await and the status follows it a microtask sooner.
function sendReply(call: ServerCall<unknown, unknown>, reply: unknown): Promise<void> | undefined {
  if (call.isEnded) return undefined;
  const written = call.send(reply);
  return written === ACCEPTED ? undefined : written;
}

// runStreaming follows a streaming handler with one reaction on its promise
// rather than an async frame suspended beside it: a stream may stay open
// for hours, and what it holds meanwhile is per open stream.
function runStreaming(call: ServerCall<unknown, unknown>, route: Route, options: DispatchOptions): void {
  const { ctx } = call;
  let done: Promise<unknown>;
  switch (route.method.kind) {
    case 'server_streaming':
      done = call.readRequest().then((request) => route.invoke(ctx, request, call));
      break;
    case 'client_streaming':
      done = invoke(route, ctx, call).then((reply) => (call.isEnded ? undefined : call.send(reply)));
      break;
    default:
      done = invoke(route, ctx, call);
  }
  done.then(
    () => call.close(),
    (err: unknown) => handlerFailed(call, err, route, options),
  );
}

// runIntercepted runs a call through its route's interceptor chain; the
// reply of the kinds that have one is sent once every interceptor is done.
// It follows the chain with one reaction rather than an async frame per call.
function runIntercepted(stream: ServerStream, codec: Codec, route: Route, chain: NextCall, options: DispatchOptions): ServerCall<unknown, unknown> {
  const call = new InterceptedServerCall(stream, codec, route, options);
  void chain(call).then(
    (reply) => chainReplied(call, reply, route, options),
    (err: unknown) => handlerFailed(call, err, route, options),
  );
  return call;
}

// chainReplied sends the reply of the kinds that have one and ends the call; it never rejects.
function chainReplied(call: InterceptedServerCall, reply: unknown, route: Route, options: DispatchOptions): Promise<void> | undefined {
  const { kind } = route.method;
  if (kind === 'unary' || kind === 'client_streaming') return replied(call, reply, route, options);
  call.close();
  return undefined;
}

// replied sends a call's one reply and ends the call; it never rejects.
function replied(call: ServerCall<unknown, unknown>, reply: unknown, route: Route, options: DispatchOptions): Promise<void> | undefined {
  let written: Promise<void> | undefined;
  try {
    written = sendReply(call, reply);
  } catch (err) {
    handlerFailed(call, err, route, options);
    return undefined;
  }
  if (written !== undefined) {
    return written.then(
      () => call.close(),
      (err: unknown) => handlerFailed(call, err, route, options),
    );
  }
  call.close();
  return undefined;
}

// invoke calls a handler, turning a synchronous throw into a rejection.
function invoke(route: Route, ...args: unknown[]): Promise<unknown> {
  try {
    return Promise.resolve(route.invoke(...args));
  } catch (err) {
    return Promise.reject(err);
  }
}

// handlerFailed ends a call with the status of what its handler threw.
function handlerFailed(call: ServerCall<unknown, unknown>, err: unknown, route: Route, options: DispatchOptions): void {
  if (call.isEnded) return;
  if (!(err instanceof MicroError)) options.onHandlerError(err, route);
  call.fail(err);
}
