import { randomUUID } from 'node:crypto';
import type { ServiceRecord } from '@tsmicro/core';
import { createEtcdRegistry, type EtcdRegistry } from '@tsmicro/registry-etcd';
import { serverAvailable } from '@tsmicro/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEtcd } from '../../packages/registry-etcd/src/test-etcd.js';
import { lines, runCli } from './support/cli-process.js';
import { type GreeterServer, startGreeter } from './support/greeter-server.js';

const hasEtcd = serverAvailable('etcd');
let etcd: TestEtcd;
let registry: EtcdRegistry;
let greeter: GreeterServer;
let record: ServiceRecord;

beforeAll(async () => {
  if (!hasEtcd) return;
  etcd = await TestEtcd.launch();
  greeter = await startGreeter();
  registry = createEtcdRegistry({ address: etcd.address, logger: { warn: () => {} } });
  record = {
    name: 'greeter',
    version: '1.0.0',
    metadata: {},
    endpoints: [],
    nodes: [{ id: `greeter-${randomUUID()}`, address: greeter.address, metadata: { transport: 'grpc', codec: 'proto' } }],
  };
  await registry.register(record, { ttlMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await registry?.deregister(record).catch(() => {});
  await registry?.close();
  await greeter?.stop();
  await etcd?.destroy();
});

describe.skipIf(!hasEtcd)('tsmicro with a registry', () => {
  it('calls a service by name, found through --registry-address', async () => {
    const result = await runCli(['call', '--registry-address', etcd.address, 'greeter', 'greeter.Greeter/SayHello', '{"name":"registry"}']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ message: 'Hello registry' });
  });

  it('reads the registry address from MICRO_REGISTRY_ADDRESS and lists the services in it', async () => {
    const result = await runCli(['list'], '', { env: { MICRO_REGISTRY_ADDRESS: etcd.address } });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([`greeter 1.0.0\t${greeter.address} (grpc)`]);
  });

  it('checks the health of a service by name', async () => {
    const result = await runCli(['health', 'greeter', '--registry-address', etcd.address]);
    expect([result.code, result.stdout]).toEqual([0, 'SERVING\n']);
  });

  it('reports NOT_FOUND for a name nobody registered', async () => {
    const result = await runCli(['call', '--registry-address', etcd.address, 'nobody', 'greeter.Greeter/SayHello', '{}']);
    expect(result.stderr).toBe('ERROR: NOT_FOUND: service nobody has no grpc node in the registry\n');
    expect(result.code).toBe(64 + 5);
  });
});
