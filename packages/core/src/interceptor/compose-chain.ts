import type { InterceptedCall, Interceptor, NextCall } from './interceptor.js';

/**
 * LayerEntry is what the chain tells a call as each layer's next is called:
 * a client call forgets the hooks inner layers registered on an earlier
 * pass (an interceptor retrying), a server call refuses a second pass.
 */
export interface LayerEntry {
  enterLayer(layer: number): void;
}

/**
 * composeChain nests interceptors around `center` once, outermost first, and
 * returns the step that runs them all. Whatever an interceptor throws,
 * synchronously or not, comes out as the returned promise's rejection.
 */
export function composeChain(interceptors: readonly Interceptor[], center: NextCall): NextCall {
  let next = center;
  for (let layer = interceptors.length; layer > 0; layer--) {
    const inner = next;
    const entered: NextCall = (call) => {
      try {
        (call as unknown as LayerEntry).enterLayer(layer);
        return Promise.resolve(inner(call));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    next = (interceptors[layer - 1] as Interceptor)(entered);
    if (typeof next !== 'function') {
      throw new TypeError(`interceptor ${layer} of ${interceptors.length} did not return a function: an Interceptor is (next) => (call) => next(call)`);
    }
  }
  const outermost = next;
  return (call: InterceptedCall) => {
    try {
      return Promise.resolve(outermost(call));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
