import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type Client, Code, Context, Metadata, Endpoint, type Interceptor, Service } from '@tsmicro/core';
import { createClient, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Greeter, methods, type Served, serveGreeter } from '../test/greeter-fixture.js';
import { type InMemoryTracing, installTracing, parentOf } from '../test/in-memory-tracing.js';
import { createRpcTracing } from './rpc-tracing.js';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = installTracing();
});
afterAll(() => tracing.shutdown());
afterEach(() => tracing.exporter.reset());

const tracer = () => trace.getTracer('test');

/** Hop answers SayHello by calling the next service with its ctx, inside a span of its own work. */
@Service('greeter.Greeter')
class Hop {
  constructor(
    private readonly name: string,
    private readonly next: Client | undefined,
  ) {}
  @Endpoint()
  async sayHello(ctx: Context, req: { name: string }): Promise<{ message: string }> {
    // A library span made inside the handler must nest under the server span.
    await tracer().startActiveSpan(`${this.name}.work`, async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      span.end();
    });
    if (!this.next) {
      if (req.name === 'fail') throw new Error('broken');
      return { message: `${this.name}(${req.name})` };
    }
    const reply = (await this.next.call('greeter', methods.sayHello, req, { ctx })) as { message: string };
    return { message: `${this.name}(${reply.message})` };
  }
}

function clientOf(transportName: TransportName, address: string, interceptors: Interceptor[]): Client {
  const transport = transportByName(transportName);
  return createClient({ transport, connections: createPool(transport, { poolSize: 1 }), resolve: () => address, interceptors });
}

function byName(spans: ReadableSpan[], name: string, kind?: SpanKind): ReadableSpan {
  const found = spans.filter((s) => s.name === name && (kind === undefined || s.kind === kind));
  expect(found, `${name} ${kind ?? ''}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

describe.each<TransportName>(['grpc', 'tcp', 'memory'])('createRpcTracing over %s', (transport) => {
  const served: Served[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const s of served.splice(0)) await s.close();
  });

  /** chain starts C, B and A (A calls B calls C) and returns a traced client of A. */
  async function chain(): Promise<Client> {
    const tracingInterceptor = createRpcTracing();
    let next: Client | undefined;
    for (const name of ['C', 'B', 'A']) {
      const s = await serveGreeter(transport, { server: [tracingInterceptor], handler: new Hop(name, next) });
      served.push(s);
      next = clientOf(transport, s.address, [tracingInterceptor]);
      clients.push(next);
    }
    return next as Client;
  }

  it('links A → B → C into one trace with correct parents, each handler’s own span under its server span', async () => {
    const a = await chain();
    const reply = await tracer().startActiveSpan('test', async (root) => {
      try {
        return await a.call('greeter', methods.sayHello, { name: 'jeff' });
      } finally {
        root.end();
      }
    });
    expect(reply).toEqual({ message: 'A(B(C(jeff)))' });
    await expect.poll(() => tracing.spans().length).toBe(10);
    const spans = tracing.spans();
    const root = byName(spans, 'test');
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));

    const clientsSpans = spans.filter((s) => s.kind === SpanKind.CLIENT).sort((x, y) => x.startTime[1] - y.startTime[1]);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(clientsSpans).toHaveLength(3);
    expect(servers).toHaveLength(3);
    // Walk down: test → client → server A → (A.work, client) → server B → (B.work, client) → server C → C.work
    let parent = root;
    for (const hop of ['A', 'B', 'C']) {
      const call = spans.find((s) => s.kind === SpanKind.CLIENT && parentOf(s) === parent.spanContext().spanId) as ReadableSpan;
      expect(call, `client span under ${parent.name}`).toBeDefined();
      const server = spans.find((s) => s.kind === SpanKind.SERVER && parentOf(s) === call.spanContext().spanId) as ReadableSpan;
      expect(server, `server span of ${hop}`).toBeDefined();
      expect(parentOf(byName(spans, `${hop}.work`))).toBe(server.spanContext().spanId);
      for (const s of [call, server]) {
        expect(s.name).toBe('greeter.Greeter/SayHello');
        expect(s.attributes).toMatchObject({
          'rpc.system': 'grpc',
          'rpc.service': 'greeter.Greeter',
          'rpc.method': 'SayHello',
          'rpc.grpc.status_code': Code.OK,
        });
        expect(s.status.code).toBe(SpanStatusCode.UNSET);
      }
      parent = server;
    }
  });

  it('marks the failing hop and every client above it ERROR, with the status code', async () => {
    const a = await chain();
    await expect(a.call('greeter', methods.sayHello, { name: 'fail' })).rejects.toMatchObject({ code: Code.UNKNOWN });
    await expect.poll(() => tracing.spans().filter((s) => s.kind !== SpanKind.INTERNAL).length).toBe(6);
    const rpc = tracing.spans().filter((s) => s.kind !== SpanKind.INTERNAL);
    for (const s of rpc) {
      expect(s.attributes['rpc.grpc.status_code']).toBe(Code.UNKNOWN);
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
    }
    // Without a parent, the first client span starts the trace.
    expect(new Set(rpc.map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('leaves a server span UNSET on a client-fault code such as INVALID_ARGUMENT, and fails the client span', async () => {
    const tracingInterceptor = createRpcTracing();
    const s = await serveGreeter(transport, { server: [tracingInterceptor], client: [tracingInterceptor], handler: Greeter });
    served.push(s);
    await expect(s.client.call('greeter', methods.sayHello, { name: 'error' })).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect.poll(() => tracing.spans().length).toBe(2);
    const server = tracing.spans().find((x) => x.kind === SpanKind.SERVER) as ReadableSpan;
    const client = tracing.spans().find((x) => x.kind === SpanKind.CLIENT) as ReadableSpan;
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    expect(server.attributes['rpc.grpc.status_code']).toBe(Code.INVALID_ARGUMENT);
    expect(client.status).toEqual({ code: SpanStatusCode.ERROR, message: 'INVALID_ARGUMENT: bad name' });
    expect(parentOf(server)).toBe(client.spanContext().spanId);
  });

  it('starts a new trace when the caller’s traceparent is malformed, keeping the call alive', async () => {
    const s = await serveGreeter(transport, { server: [createRpcTracing()] });
    served.push(s);
    const metadata = new Metadata({ traceparent: 'zz-not-a-trace', tracestate: '=,=' });
    expect(await s.client.call('greeter', methods.sayHello, { name: 'x' }, { metadata })).toEqual({ message: 'Hello x' });
    await expect.poll(() => tracing.spans().length).toBe(1);
    const [server] = tracing.spans();
    expect(parentOf(server!)).toBeUndefined();
    expect(server?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends W3C traceparent in the metadata and traces a server stream with one span ending when it ends', async () => {
    const tracingInterceptor = createRpcTracing();
    const seen: (string | undefined)[] = [];
    const recordHeaders: Interceptor = (next) => (call) => {
      seen.push(call.metadata.getString('traceparent'));
      return next(call);
    };
    const s = await serveGreeter(transport, { server: [recordHeaders, tracingInterceptor], client: [tracingInterceptor] });
    served.push(s);
    const stream = await s.client.serverStream('greeter', methods.serverStream, { data: 'x', count: 3 });
    let n = 0;
    for await (const _ of stream) n++;
    expect(n).toBe(3);
    await expect.poll(() => tracing.spans().length).toBe(2);
    const [first, second] = tracing.spans();
    expect(first?.spanContext().traceId).toBe(second?.spanContext().traceId);
    expect(tracing.spans().map((x) => x.name)).toEqual(['greeter.Greeter/ServerStream', 'greeter.Greeter/ServerStream']);
    const client = tracing.spans().find((x) => x.kind === SpanKind.CLIENT) as ReadableSpan;
    expect(seen).toEqual([`00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`]);
  });
});
