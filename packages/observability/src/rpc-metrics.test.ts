import { type TransportName } from '@tsmicro/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { callEveryKind, methods, type Served, serveGreeter } from '../test/greeter-fixture.js';
import { type MetricsServer, MetricsServerError, serveMetrics } from './metrics-server.js';
import { createRpcMetrics } from './rpc-metrics.js';

let served: Served | undefined;
let endpoint: MetricsServer | undefined;
afterEach(async () => {
  await served?.close();
  await endpoint?.close();
  served = undefined;
  endpoint = undefined;
});

/** scrape GETs /metrics over a real socket and returns the sample lines. */
async function scrape(address: string): Promise<string[]> {
  const res = await fetch(`http://${address}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return (await res.text()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function sample(lines: string[], name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = lines.find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const m = (type: string, method: string) => ({ grpc_type: type, grpc_service: 'greeter.Greeter', grpc_method: method });

describe.each<TransportName>(['tcp', 'grpc'])('createRpcMetrics over %s', (transport) => {
  it('counts calls, codes and messages on both sides under go-grpc-middleware names, scraped from /metrics', async () => {
    const metrics = createRpcMetrics();
    served = await serveGreeter(transport, { server: [metrics.interceptor], client: [metrics.interceptor] });
    endpoint = await serveMetrics(metrics.registry, '127.0.0.1:0');
    await callEveryKind(served.client);
    const lines = await scrape(endpoint.address);

    for (const side of ['server', 'client']) {
      expect(sample(lines, `grpc_${side}_started_total`, m('unary', 'SayHello'))).toBe(2);
      expect(sample(lines, `grpc_${side}_handled_total`, { ...m('unary', 'SayHello'), grpc_code: 'OK' })).toBe(1);
      expect(sample(lines, `grpc_${side}_handled_total`, { ...m('unary', 'SayHello'), grpc_code: 'InvalidArgument' })).toBe(1);
      expect(sample(lines, `grpc_${side}_handling_seconds_count`, m('unary', 'SayHello'))).toBe(2);
      expect(sample(lines, `grpc_${side}_handled_total`, { ...m('server_stream', 'ServerStream'), grpc_code: 'OK' })).toBe(1);
      expect(sample(lines, `grpc_${side}_handled_total`, { ...m('client_stream', 'ClientStream'), grpc_code: 'OK' })).toBe(1);
      expect(sample(lines, `grpc_${side}_handled_total`, { ...m('bidi_stream', 'AllStream'), grpc_code: 'OK' })).toBe(1);
    }
    // Server: receives requests, sends responses; the client the other way round.
    const flows: [string, string, number, number][] = [
      ['unary', 'SayHello', 2, 1],
      ['server_stream', 'ServerStream', 1, 2],
      ['client_stream', 'ClientStream', 2, 1],
      ['bidi_stream', 'AllStream', 2, 2],
    ];
    for (const [type, method, requests, responses] of flows) {
      expect(sample(lines, 'grpc_server_msg_received_total', m(type, method)), `server received ${method}`).toBe(requests);
      expect(sample(lines, 'grpc_server_msg_sent_total', m(type, method)), `server sent ${method}`).toBe(responses);
      expect(sample(lines, 'grpc_client_msg_sent_total', m(type, method)), `client sent ${method}`).toBe(requests);
      expect(sample(lines, 'grpc_client_msg_received_total', m(type, method)), `client received ${method}`).toBe(responses);
    }
  });

  it('reports open pool connections and active streams as gauges while a stream is open', async () => {
    const metrics = createRpcMetrics();
    served = await serveGreeter(transport, { server: [metrics.interceptor] });
    const { server, client } = served;
    metrics.watchServer(() => server.stats());
    endpoint = await serveMetrics(metrics.registry, '127.0.0.1:0');
    const open = await client.bidiStream('greeter', methods.allStream);
    await open.send({ data: 'hold', count: 0 });
    await open.recv();
    const active = async () => (await scrape(endpoint!.address)).find((l) => l.startsWith('tsmicro_server_active_streams '));
    expect(await active()).toBe('tsmicro_server_active_streams 1');
    open.closeSend();
    for await (const _ of open) {
      // drain to the end
    }
    await expect.poll(active).toBe('tsmicro_server_active_streams 0');
  });
});

describe('createRpcMetrics pool gauges', () => {
  it('reports connections and leased streams per address from a pool source', async () => {
    const metrics = createRpcMetrics();
    metrics.watchPool(() => ({ '10.0.0.1:50051': { connections: [{ leases: 3 }, { leases: 1 }] } }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('tsmicro_client_pool_connections{address="10.0.0.1:50051"} 2');
    expect(text).toContain('tsmicro_client_active_streams{address="10.0.0.1:50051"} 4');
  });
});

describe('serveMetrics', () => {
  it('answers 404 off /metrics and 405 to other methods', async () => {
    endpoint = await serveMetrics(createRpcMetrics().registry, '127.0.0.1:0');
    expect((await fetch(`http://${endpoint.address}/`)).status).toBe(404);
    const post = await fetch(`http://${endpoint.address}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('rejects an address in use with an error naming it and metrics.address', async () => {
    endpoint = await serveMetrics(createRpcMetrics().registry, '127.0.0.1:0');
    const taken = endpoint.address;
    const err = await serveMetrics(createRpcMetrics().registry, taken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsServerError);
    expect((err as Error).message).toContain(taken);
    expect((err as Error).message).toContain('metrics.address');
  });

  it('rejects an address that is not host:port', async () => {
    await expect(serveMetrics(createRpcMetrics().registry, 'nowhere')).rejects.toThrow(/metrics.address "nowhere" is not host:port/);
  });
});

describe('createRpcMetrics handling-seconds histogram', () => {
  it('writes cumulative buckets with le, +Inf, _sum and _count per method', async () => {
    const metrics = createRpcMetrics({ buckets: [0.05, 10] });
    served = await serveGreeter('memory', { server: [metrics.interceptor] });
    await served.client.call('greeter', methods.sayHello, { name: 'a' });
    await served.client.call('greeter', methods.sayHello, { name: 'b' });
    const text = await metrics.registry.metrics();
    const labels = 'grpc_type="unary",grpc_service="greeter.Greeter",grpc_method="SayHello"';
    expect(text).toContain('# TYPE grpc_server_handling_seconds histogram');
    expect(text).toContain(`grpc_server_handling_seconds_bucket{${labels},le="10"} 2`);
    expect(text).toContain(`grpc_server_handling_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`grpc_server_handling_seconds_count{${labels}} 2`);
    expect(text).toMatch(new RegExp(`grpc_server_handling_seconds_sum\\{${labels.replace(/[{}]/g, '\\$&')}\\} [0-9.e-]+`));
    expect(text).toContain('# TYPE grpc_server_started_total counter');
  });

  it('refuses buckets that are empty, unordered or not finite', () => {
    expect(() => createRpcMetrics({ buckets: [] })).toThrow(/strictly increasing/);
    expect(() => createRpcMetrics({ buckets: [1, 0.5] })).toThrow('got [1, 0.5]');
    expect(() => createRpcMetrics({ buckets: [0.1, Number.POSITIVE_INFINITY] })).toThrow(/finite/);
  });

  it('joins a registry given to it, next to the application’s own metrics, and refuses a second set in the same one', async () => {
    const { Registry, Counter } = await import('prom-client');
    const registry = new Registry();
    new Counter({ name: 'app_jobs_total', help: 'jobs', registers: [registry] });
    createRpcMetrics({ registry });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE app_jobs_total counter');
    expect(text).toContain('# TYPE grpc_client_handled_total counter');
    expect(() => createRpcMetrics({ registry })).toThrow(/already been registered/);
  });
});
