import { INVALID_SPAN_CONTEXT, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { type InterceptedCall, type Interceptor, Metadata } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { callEveryKind, methods, type Served, serveGreeter } from '../test/greeter-fixture.js';
import { installTracing } from '../test/in-memory-tracing.js';
import { createRpcTracing } from './rpc-tracing.js';
import { spanKey } from './span-key.js';
import { noTracerProvider, nothingRegistered } from './tracer-provider.js';

// What the server's interceptors inside tracing see of each call.
interface Seen {
  readonly traceparent: string | undefined;
  readonly span: unknown;
}

function recorder(seen: Seen[]): Interceptor {
  return (next) => (call) => {
    seen.push({ traceparent: call.metadata.getString('traceparent'), span: call.values.get(spanKey) });
    return next(call);
  };
}

describe('createRpcTracing before anything is registered with the OpenTelemetry API', () => {
  it('hands each call straight on, reading nothing of it', async () => {
    expect(nothingRegistered()).toBe(true);
    // Any read of the call would throw: metadata, values, method, peer...
    const call = new Proxy(
      {},
      {
        get(_target, key) {
          throw new Error(`read ${String(key)}`);
        },
      },
    ) as InterceptedCall;
    let passed: unknown;
    const next = async (c: InterceptedCall) => {
      passed = c;
      return 'reply';
    };
    expect(await createRpcTracing()(next)(call)).toBe('reply');
    // Compared by identity: a deep comparison would read the call.
    expect(passed === call).toBe(true);
  });
});

describe.each<TransportName>(['tcp', 'grpc'])('createRpcTracing with no SDK registered, over %s', (transport) => {
  const served: Served[] = [];
  afterEach(async () => {
    for (const s of served.splice(0)) await s.close();
  });

  it('sends no traceparent and puts no span in context values, on every call kind', async () => {
    expect(noTracerProvider()).toBe(true);
    const tracing = createRpcTracing();
    const seen: Seen[] = [];
    const s = await serveGreeter(transport, { server: [tracing, recorder(seen)], client: [tracing] });
    served.push(s);
    await callEveryKind(s.client);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.every((x) => x.traceparent === undefined && x.span === undefined)).toBe(true);
  });

  it('keeps serving a call whose caller sent a traceparent it cannot use', async () => {
    const tracing = createRpcTracing();
    const s = await serveGreeter(transport, { server: [tracing] });
    served.push(s);
    const metadata = new Metadata({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(await s.client.call('greeter', methods.sayHello, { name: 'x' }, { metadata })).toEqual({ message: 'Hello x' });
    expect(await s.client.call('greeter', methods.sayHello, { name: 'y' }, { metadata: new Metadata({ traceparent: 'zz' }) })).toEqual({
      message: 'Hello y',
    });
  });

  it('traces the calls that follow an SDK registered after the interceptor was made, and stops once it is gone', async () => {
    const tracing = createRpcTracing();
    const s = await serveGreeter(transport, { server: [tracing], client: [tracing] });
    served.push(s);
    await s.client.call('greeter', methods.sayHello, { name: 'before' });
    const sdk = installTracing();
    try {
      expect(noTracerProvider()).toBe(false);
      await s.client.call('greeter', methods.sayHello, { name: 'during' });
      await expect.poll(() => sdk.spans().length).toBe(2);
      const kinds = sdk.spans().map((x) => x.kind);
      expect(kinds.sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
      expect(new Set(sdk.spans().map((x) => x.spanContext().traceId)).size).toBe(1);
    } finally {
      await sdk.shutdown();
    }
    expect(noTracerProvider()).toBe(true);
    sdk.exporter.reset();
    await s.client.call('greeter', methods.sayHello, { name: 'after' });
    expect(sdk.spans()).toHaveLength(0);
  });

  it('asks a tracer given in the options on every call, registered SDK or not', async () => {
    let started = 0;
    const tracer = {
      startSpan: () => {
        started++;
        return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      },
    } as unknown as Tracer;
    const tracing = createRpcTracing({ tracer });
    const s = await serveGreeter(transport, { server: [tracing], client: [tracing] });
    served.push(s);
    await s.client.call('greeter', methods.sayHello, { name: 'a' });
    await s.client.call('greeter', methods.sayHello, { name: 'b' });
    expect(started).toBe(4);
  });
});
