import { SpanKind } from '@opentelemetry/api';
import { Code, loadConfig, MemoryLogger, type MicroService, newService, createMemoryRegistry } from '@tsmicro/core';
import { type TransportName } from '@tsmicro/core/plugin';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { loadObservability, ObservabilityLoadError } from '../../packages/core/src/observability-loader.js';
import { Greeter, methods } from '../../packages/observability/test/greeter-fixture.js';
import { type InMemoryTracing, installTracing } from '../../packages/observability/test/in-memory-tracing.js';

const noFile = { file: false } as const;
let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = installTracing();
});
afterAll(() => tracing.shutdown());

const services: MicroService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  tracing.exporter.reset();
});

describe.each<TransportName>(['tcp', 'grpc'])('newService with observability from the environment, over %s', (transport) => {
  it('logs each call, serves /metrics and traces calls, from MICRO_LOG_CALLS, MICRO_METRICS_ADDRESS and MICRO_TRACING', async () => {
    const logger = new MemoryLogger('info');
    const registry = createMemoryRegistry();
    const env = { MICRO_LOG_CALLS: 'true', MICRO_METRICS_ADDRESS: '127.0.0.1:0', MICRO_TRACING: 'true' };
    const server = newService({ name: 'greeter', transport, server: { address: '127.0.0.1:0' }, registryInstance: registry, logger }, { env, ...noFile });
    server.handle(Greeter);
    services.push(server);
    await server.start();
    // A client in another service, built before that one started anything: its calls wait for the package to load.
    const caller = newService({ name: 'caller', transport, registryInstance: registry, logger }, { env: { MICRO_TRACING: 'true', MICRO_LOG_CALLS: '1' }, ...noFile });
    services.push(caller);
    expect(await caller.client().call('greeter', methods.sayHello, { name: 'obs' })).toEqual({ message: 'Hello obs' });

    await expect.poll(() => logger.records.filter((r) => r.msg === 'finished call').length).toBe(2);
    const calls = logger.records.filter((r) => r.msg === 'finished call');
    const spans = tracing.spans();
    expect(spans.map((s) => s.kind).sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
    const traceId = spans[0]?.spanContext().traceId;
    expect(calls.map((r) => [r.fields.service, r.fields['grpc.component'], r.fields['grpc.code'], r.fields.trace_id])).toEqual([
      ['greeter', 'server', 'OK', traceId],
      ['caller', 'client', 'OK', traceId],
    ]);

    expect(server.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const text = await (await fetch(`http://${server.metricsAddress}/metrics`)).text();
    expect(text).toContain('grpc_server_handled_total{grpc_type="unary",grpc_service="greeter.Greeter",grpc_method="SayHello",grpc_code="OK"} 1');
    expect(text).toMatch(/^tsmicro_server_active_streams 0$/m);
    expect(logger.records.find((r) => r.msg === 'serving metrics')?.fields.metrics).toBe(`http://${server.metricsAddress}/metrics`);
    // The caller set no metrics.address: nothing listens for it.
    expect(caller.metricsAddress).toBeUndefined();

    const address = server.metricsAddress as string;
    await server.stop();
    services.splice(services.indexOf(server), 1);
    expect(server.metricsAddress).toBeUndefined();
    await expect(fetch(`http://${address}/metrics`)).rejects.toThrow();
  });
});

describe('newService observability failures', () => {
  it('stops start-up with an error naming the address when metrics.address is taken, leaving nothing listening', async () => {
    const logger = new MemoryLogger('info');
    const first = newService({ name: 'm1', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: createMemoryRegistry(), logger }, { env: { MICRO_METRICS_ADDRESS: '127.0.0.1:0' }, ...noFile });
    services.push(first);
    await first.start();
    const taken = first.metricsAddress as string;
    const second = newService({ name: 'm2', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: createMemoryRegistry(), logger }, { env: { MICRO_METRICS_ADDRESS: taken }, ...noFile });
    await expect(second.start()).rejects.toThrow(`cannot serve metrics on ${taken} (metrics.address)`);
    expect(second.server.address).toBeUndefined();
    expect(logger.records.filter((r) => r.fields.service === 'm2').map((r) => r.msg)).toEqual(['listening', 'stopped: could not serve metrics']);
  });

  it('stops serving /metrics when registering fails', async () => {
    const refusing = Object.assign(createMemoryRegistry(), {
      register: async () => {
        throw new Error('registry refused');
      },
    });
    const logger = new MemoryLogger('info');
    const s = newService({ name: 'm3', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: refusing, logger }, { env: { MICRO_METRICS_ADDRESS: '127.0.0.1:0' }, ...noFile });
    await expect(s.start()).rejects.toThrow('registry refused');
    const served = logger.records.find((r) => r.msg === 'serving metrics')?.fields.metrics as string;
    expect(served).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await expect(fetch(served)).rejects.toThrow();
    expect(s.metricsAddress).toBeUndefined();
  });

  it('names the keys that asked for a package that is not installed', async () => {
    const config = loadConfig({ log: { calls: true }, metrics: { address: ':9464' } }, { env: {}, ...noFile });
    const err = await loadObservability(config, '@tsmicro/not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObservabilityLoadError);
    expect((err as Error).message).toBe(
      'log.calls (MICRO_LOG_CALLS), metrics.address (MICRO_METRICS_ADDRESS) needs the package @tsmicro/not-installed: install it, or pass logger and interceptors in code',
    );
  });

  it('loads nothing and adds no interceptor when no key asks for it', async () => {
    const logger = new MemoryLogger('info');
    const s = newService({ name: 'greeter', transport: 'memory', server: { address: '127.0.0.1:0' }, registryInstance: createMemoryRegistry(), logger }, { env: {}, ...noFile });
    s.handle(Greeter);
    services.push(s);
    await s.start();
    expect(s.server.router.routes().every((r) => r.chain === undefined)).toBe(true);
    await expect(s.client().call('greeter', methods.sayHello, { name: 'error' })).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    expect(logger.messages()).toEqual(['listening', 'registered']);
    expect(tracing.spans()).toEqual([]);
  });
});
