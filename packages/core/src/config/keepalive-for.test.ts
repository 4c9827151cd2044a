import { type ListenOptions, type Transport, createMemoryTransport } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { createServer } from '../server.js';
import { ConfigError } from './config-error.js';
import { keepaliveFor } from './keepalive-for.js';
import { loadConfig } from './load-config.js';

const noFile = { file: false } as const;

// recording wraps the memory transport under another name and keeps the options each listen got.
function recording(name: string, seen: Map<string, ListenOptions>): Transport {
  const inner = createMemoryTransport();
  return {
    ...inner,
    name,
    dial: (address, options) => inner.dial(address, options),
    listen: (address, options) => {
      seen.set(name, options);
      return inner.listen(address, options);
    },
  } as Transport;
}

describe('keepaliveFor', () => {
  it('gives grpc the grpc-go compatible default and tcp a short one when the config sets none', () => {
    const config = loadConfig({}, { env: {}, ...noFile });
    expect(config.keepalive).toEqual({});
    expect(keepaliveFor(config.keepalive, 'grpc')).toEqual({ timeMs: 300_000, timeoutMs: 20_000 });
    expect(keepaliveFor(config.keepalive, 'tcp')).toEqual({ timeMs: 30_000, timeoutMs: 10_000 });
    expect(keepaliveFor(config.keepalive, 'memory')).toBeUndefined();
  });

  it('uses what the config sets on every transport, each missing field from the transport', () => {
    const config = loadConfig({}, { env: { MICRO_KEEPALIVE_TIME: '1m' }, ...noFile });
    expect(keepaliveFor(config.keepalive, 'grpc')).toEqual({ timeMs: 60_000, timeoutMs: 20_000 });
    expect(keepaliveFor(config.keepalive, 'tcp')).toEqual({ timeMs: 60_000, timeoutMs: 10_000 });
    const both = loadConfig({ keepalive: { timeMs: 5_000, timeoutMs: 1_000 } }, { env: {}, ...noFile });
    expect(keepaliveFor(both.keepalive, 'tcp')).toEqual({ timeMs: 5_000, timeoutMs: 1_000 });
  });

  it('rejects a bad keepalive and names the keys it accepts', () => {
    expect(() => loadConfig({ keepalive: { timeMs: 0 } }, { env: {}, ...noFile })).toThrow(ConfigError);
    expect(() => loadConfig({ keepalive: { every: 1 } } as never, { env: {}, ...noFile })).toThrow(/accepted keys are timeMs, timeoutMs/);
  });

  it('reaches each listener of a server on several transports as its own', async () => {
    const seen = new Map<string, ListenOptions>();
    const server = createServer({
      transport: recording('grpc', seen),
      address: 'a:0',
      also: [{ transport: recording('tcp', seen), address: 'b:0' }],
      keepalive: (name) => keepaliveFor({}, name),
    });
    await server.start();
    await server.stop();
    expect(seen.get('grpc')?.keepalive).toEqual({ timeMs: 300_000, timeoutMs: 20_000 });
    expect(seen.get('tcp')?.keepalive).toEqual({ timeMs: 30_000, timeoutMs: 10_000 });
  });
});
