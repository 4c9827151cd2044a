import type { MethodKind } from './definition.js';
import type { InterceptedServerCall } from './intercepted-server-call.js';
import { composeChain } from './interceptor/compose-chain.js';
import type { InterceptedCall, Interceptor, NextCall } from './interceptor/interceptor.js';
import { NOT_AT_HAND } from './server-call.js';

/** HandlerInvoke is a bound handler method. */
export type HandlerInvoke = (...args: unknown[]) => unknown;

/**
 * routeChain composes a route's interceptors around its handler once, at
 * handle(); undefined when there are none, so the route keeps the plain
 * dispatch path. The innermost step reads the request (where the kind has
 * one) only when the chain reaches it, so an interceptor that rejects first
 * leaves the request unread and the handler uncalled.
 */
export function routeChain(kind: MethodKind, invoke: HandlerInvoke, interceptors: readonly Interceptor[]): NextCall | undefined {
  if (interceptors.length === 0) return undefined;
  return composeChain(interceptors, handlerStep(kind, invoke));
}

// The step at the centre of the onion: it resolves with the reply for the
// kinds that return one, and with undefined once a streaming handler returned.
function handlerStep(kind: MethodKind, invoke: HandlerInvoke): NextCall {
  switch (kind) {
    case 'unary':
      return (c: InterceptedCall) => {
        const call = c as InterceptedServerCall;
        // A transport that delivers a unary call with its request in spares
        // the wait, and the reaction and closure the wait takes.
        const now = call.requestNow();
        if (now !== NOT_AT_HAND) return Promise.resolve(invoke(call.ctx, now));
        return call.readRequest().then((request) => invoke(call.ctx, request));
      };
    case 'server_streaming':
      return (c: InterceptedCall) => {
        const call = c as InterceptedServerCall;
        return call.readRequest().then((request) => invoke(call.ctx, request, call)).then(nothing);
      };
    case 'client_streaming':
      return (c: InterceptedCall) => Promise.resolve(invoke((c as InterceptedServerCall).ctx, c));
    default:
      return (c: InterceptedCall) => Promise.resolve(invoke((c as InterceptedServerCall).ctx, c)).then(nothing);
  }
}

function nothing(): undefined {
  return undefined;
}
