import type { InterceptedCall, Interceptor, NextCall } from './interceptor.js';

/**
 * LayerEntry is what the chain tells a call as each layer's next is called.
 * A server call refuses a second pass. A client call hands the layers inside
 * a view that registers their hooks under their layer, so a layer that calls
 * next again (a retry) starts the inner layers afresh; passed hears how each
 * pass went, for the end of the hooks it leaves behind.
 */
export interface LayerEntry {
  /**
   * enterLayer returns the call to hand to the layers inside `layer`: this
   * call when it returns nothing. `innermost` says that inside is only the
   * chain's centre, which registers no hooks: passed is not called for it.
   */
  enterLayer(layer: number, innermost: boolean): InterceptedCall | undefined;
  passed?(layer: number, outcome: Promise<unknown>): void;
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
    const innermost = layer === interceptors.length;
    const entered: NextCall = (call) => {
      const entry = call as unknown as LayerEntry;
      let outcome: Promise<unknown>;
      try {
        outcome = Promise.resolve(inner(entry.enterLayer(layer, innermost) ?? call));
      } catch (err) {
        outcome = Promise.reject(err);
      }
      if (!innermost) entry.passed?.(layer, outcome);
      return outcome;
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
