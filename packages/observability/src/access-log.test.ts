import { Code, MemoryLogger, Metadata } from '@tsmicro/core';
import { type TransportName } from '@tsmicro/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { callEveryKind, methods, type Served, serveGreeter } from '../test/greeter-fixture.js';
import { installTracing } from '../test/in-memory-tracing.js';
import { createAccessLog } from './access-log.js';
import { createRpcTracing } from './rpc-tracing.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe.each<TransportName>(['tcp', 'grpc'])('createAccessLog over %s', (transport) => {
  it('writes one info line per call on each side with service, method, kind, code, duration and peer', async () => {
    const logger = new MemoryLogger('info');
    const accessLog = createAccessLog(logger);
    served = await serveGreeter(transport, { server: [accessLog], client: [accessLog] });
    await callEveryKind(served.client);
    await expect.poll(() => logger.records.length).toBe(10);
    const server = logger.records.filter((r) => r.fields['grpc.component'] === 'server').map((r) => r.fields);
    const client = logger.records.filter((r) => r.fields['grpc.component'] === 'client').map((r) => r.fields);
    expect(logger.messages()).toEqual(Array(10).fill('finished call'));
    for (const lines of [server, client]) {
      expect(lines.map((f) => [f['grpc.method'], f['grpc.method_type'], f['grpc.code']])).toEqual([
        ['SayHello', 'unary', 'OK'],
        ['SayHello', 'unary', 'InvalidArgument'],
        ['ServerStream', 'server_stream', 'OK'],
        ['ClientStream', 'client_stream', 'OK'],
        ['AllStream', 'bidi_stream', 'OK'],
      ]);
      for (const f of lines) {
        expect(f['grpc.service']).toBe('greeter.Greeter');
        expect(typeof f['grpc.time_ms']).toBe('number');
        expect(f['grpc.time_ms'] as number).toBeGreaterThanOrEqual(0);
        expect(f.trace_id).toBeUndefined();
      }
    }
    expect(client[0]?.['peer.address']).toBe(served.address);
    expect(server[0]?.['peer.address']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server[1]?.['grpc.error']).toBe('bad name');
    expect(logger.records.every((r) => r.level === 'info')).toBe(true);
  });

  it('logs the final code of a call that failed on a deadline or a handler crash', async () => {
    const logger = new MemoryLogger('info');
    const accessLog = createAccessLog(logger);
    served = await serveGreeter(transport, { server: [accessLog], client: [accessLog] });
    await expect(served.client.call('greeter', methods.sayHello, { name: 'crash' })).rejects.toMatchObject({ code: Code.UNKNOWN });
    await expect.poll(() => logger.records.map((r) => [r.fields['grpc.component'], r.fields['grpc.code']])).toEqual([
      ['server', 'Unknown'],
      ['client', 'Unknown'],
    ]);
    const stream = await served.client.bidiStream('greeter', methods.allStream, { timeout: 100 });
    await expect(stream.recv()).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    await expect.poll(() => logger.records.filter((r) => r.fields['grpc.component'] === 'client').map((r) => r.fields['grpc.code'])).toEqual([
      'Unknown',
      'DeadlineExceeded',
    ]);
  });

  it('writes nothing when the logger’s level drops info lines', async () => {
    const logger = new MemoryLogger('warn');
    const accessLog = createAccessLog(logger);
    served = await serveGreeter(transport, { server: [accessLog], client: [accessLog] });
    await callEveryKind(served.client);
    expect(logger.records).toEqual([]);
  });

  it('names the trace of each call: the span’s with tracing on, the caller’s traceparent without', async () => {
    const tracing = installTracing();
    try {
      const logger = new MemoryLogger('info');
      const accessLog = createAccessLog(logger);
      const tracingInterceptor = createRpcTracing();
      served = await serveGreeter(transport, { server: [accessLog, tracingInterceptor], client: [tracingInterceptor, accessLog] });
      await served.client.call('greeter', methods.sayHello, { name: 'a' });
      await expect.poll(() => logger.records.length).toBe(2);
      const traceId = tracing.spans()[0]?.spanContext().traceId;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(logger.records.map((r) => r.fields.trace_id)).toEqual([traceId, traceId]);
    } finally {
      await tracing.shutdown();
    }
    // No tracing on the server: the id still comes from the caller's traceparent header.
    const logger = new MemoryLogger('info');
    const s = await serveGreeter(transport, { server: [createAccessLog(logger)] });
    try {
      const metadata = new Metadata({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      await s.client.call('greeter', methods.sayHello, { name: 'a' }, { metadata });
      await s.client.call('greeter', methods.sayHello, { name: 'a' }, { metadata: new Metadata({ traceparent: 'garbage' }) });
      await expect.poll(() => logger.records.length).toBe(2);
      expect(logger.records.map((r) => r.fields.trace_id)).toEqual(['0af7651916cd43dd8448eb211c80319c', undefined]);
    } finally {
      await s.close();
    }
  });
});
