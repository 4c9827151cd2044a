import { ProxyTracerProvider, trace } from '@opentelemetry/api';

// What the global provider delegates to before an SDK registers: the API's no-op provider.
const unregistered = new ProxyTracerProvider().getDelegate();

/**
 * noTracerProvider tells whether no SDK is registered as the global tracer
 * provider, so spans of the global tracer would record nothing and carry no
 * context of their own. It is asked per call (an SDK may register at any
 * time) and costs a global read. A provider it does not recognise (another
 * copy of the API, say) counts as registered.
 */
export function noTracerProvider(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === unregistered;
}
