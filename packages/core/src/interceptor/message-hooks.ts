import { Code, EMPTY_METADATA } from '@tsmicro/transport';
import type { CallEnd, MessageHook } from './interceptor.js';

/** OK_BARE_END is how most calls end: OK with no headers, trailers or message. Shared, as ends are read-only. */
export const OK_BARE_END: CallEnd = Object.freeze({ code: Code.OK, message: '', header: EMPTY_METADATA, trailer: EMPTY_METADATA });

// Hooks are kept in registration order. Request messages pass them in that
// order (outermost layer first on both sides), response messages in reverse:
// both then follow the onion.

/** runRequestHooks passes a request message through every hook, first registered first. */
export function runRequestHooks(hooks: readonly MessageHook[], message: unknown): unknown {
  for (let i = 0; i < hooks.length; i++) {
    const replaced = (hooks[i] as MessageHook)(message);
    if (replaced !== undefined) message = replaced;
  }
  return message;
}

/** runResponseHooks passes a response message through every hook, last registered first. */
export function runResponseHooks(hooks: readonly MessageHook[], message: unknown): unknown {
  for (let i = hooks.length - 1; i >= 0; i--) {
    const replaced = (hooks[i] as MessageHook)(message);
    if (replaced !== undefined) message = replaced;
  }
  return message;
}

/**
 * emitEnd tells every end listener, each once; one that throws does not stop
 * the others. It returns what they threw, for the caller to report.
 */
export function emitEnd(listeners: readonly ((end: CallEnd) => void)[], end: CallEnd): unknown[] | undefined {
  let thrown: unknown[] | undefined;
  for (let i = 0; i < listeners.length; i++) {
    try {
      (listeners[i] as (end: CallEnd) => void)(end);
    } catch (err) {
      (thrown ??= []).push(err);
    }
  }
  return thrown;
}
