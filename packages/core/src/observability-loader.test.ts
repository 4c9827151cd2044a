import { describe, expect, it } from 'vitest';
import type { InterceptedCall, Interceptor, NextCall } from './interceptor/interceptor.js';
import { deferredInterceptor, ObservabilityLoadError } from './observability-loader.js';

const call = {} as InterceptedCall;

describe('deferredInterceptor', () => {
  it('waits for the interceptors, then composes them around next once, outermost first', async () => {
    let release: (list: Interceptor[]) => void = () => {};
    const loading = new Promise<Interceptor[]>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    let composed = 0;
    const tag =
      (name: string): Interceptor =>
      (next) => {
        composed++;
        return (c) => {
          seen.push(name);
          return next(c);
        };
      };
    const next: NextCall = async () => 'reply';
    const chain = deferredInterceptor(loading)(next);
    const early = chain(call);
    release([tag('outer'), tag('inner')]);
    expect(await early).toBe('reply');
    expect(await chain(call)).toBe('reply');
    expect(seen).toEqual(['outer', 'inner', 'outer', 'inner']);
    expect(composed).toBe(2);
  });

  it('rejects calls with the load error when the package could not be loaded', async () => {
    const failed = Promise.reject(new ObservabilityLoadError('log.calls (MICRO_LOG_CALLS) needs the package @tsmicro/observability'));
    const chain = deferredInterceptor(failed)(async () => 'reply');
    await expect(chain(call)).rejects.toThrow('needs the package @tsmicro/observability');
  });
});
