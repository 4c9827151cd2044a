import { execFile } from 'node:child_process';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serveGreeter } from '../test/greeter-fixture.js';
import { type InMemoryTracing, installTracing, parentOf } from '../test/in-memory-tracing.js';
import { createRpcTracing } from './rpc-tracing.js';

const script = new URL('../test/instrumented-grpc-client.cjs', import.meta.url).pathname;

interface ClientRun {
  readonly error?: string;
  readonly reply?: string;
  readonly spans: { name: string; kind: number; traceId: string; spanId: string }[];
}

function runClient(address: string, name: string): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, address, name], { timeout: 20_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop();
      if (!line) return reject(new Error(`instrumented client printed nothing (${err?.message}):\n${stderr}`));
      resolve(JSON.parse(line) as ClientRun);
    });
  });
}

describe('a stock grpc-js client instrumented by @opentelemetry/instrumentation-grpc', () => {
  let tracing: InMemoryTracing;
  let served: Served;
  beforeAll(async () => {
    tracing = installTracing();
    served = await serveGreeter('grpc', { server: [createRpcTracing()] });
  });
  afterAll(async () => {
    await served?.close();
    await tracing?.shutdown();
  });

  it('continues its trace in the tsmicro server span', async () => {
    const run = await runClient(served.address, 'otel');
    expect(run.error).toBeUndefined();
    expect(run.reply).toBe('Hello otel');
    const client = run.spans.find((s) => s.kind === SpanKind.CLIENT);
    expect(client, JSON.stringify(run.spans)).toBeDefined();
    await expect.poll(() => tracing.spans().length).toBe(1);
    const server = tracing.spans()[0];
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.spanContext().traceId).toBe(client?.traceId);
    expect(parentOf(server!)).toBe(client?.spanId);
  });
});
