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

// Where the OpenTelemetry API (major version 1, the range this package
// depends on) keeps whatever an application registers: a tracer provider, a
// propagator, a context manager, a diagnostic logger. It keeps them on one
// object under this key, made by the first registration.
const apiGlobals = Symbol.for('opentelemetry.js.api.1');

/**
 * nothingRegistered tells whether nothing at all is registered with the
 * OpenTelemetry API: then no propagator reads or writes trace context, no
 * context manager holds an active span and no span records, so a call
 * traced by the global tracer is exactly a call not traced. It is one
 * global read, asked per call (an application may register at any time).
 */
export function nothingRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[apiGlobals] === undefined;
}
