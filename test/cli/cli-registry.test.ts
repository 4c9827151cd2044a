import { randomUUID } from 'node:crypto';
import { noopLogger, type ServiceRecord } from '@tsmicro/core';
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
  registry = createEtcdRegistry({ address: etcd.address, logger: noopLogger });
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

  it('finds the grpc address of a node that lists tcp first, and lists every transport of it', async () => {
    const dual: ServiceRecord = {
      ...record,
      name: 'dual',
      nodes: [
        {
          id: `dual-${randomUUID()}`,
          address: '127.0.0.1:1',
          metadata: { transport: 'tcp', transports: 'tcp,grpc', 'address.tcp': '127.0.0.1:1', 'address.grpc': greeter.address },
        },
      ],
    };
    await registry.register(dual, { ttlMs: 30_000 });
    try {
      const result = await runCli(['call', '--registry-address', etcd.address, 'dual', 'greeter.Greeter/SayHello', '{"name":"dual"}']);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ message: 'Hello dual' });
      const list = await runCli(['list', '--registry-address', etcd.address]);
      expect(lines(list.stdout)).toContain(`dual 1.0.0\t127.0.0.1:1 (tcp), ${greeter.address} (grpc)`);
    } finally {
      await registry.deregister(dual);
    }
  });

  it('takes a grpc:// address and refuses one of another transport', async () => {
    const ok = await runCli(['call', `grpc://${greeter.address}`, 'greeter.Greeter/SayHello', '{"name":"scheme"}']);
    expect(JSON.parse(ok.stdout)).toEqual({ message: 'Hello scheme' });
    const refused = await runCli(['call', `tcp://${greeter.address}`, 'greeter.Greeter/SayHello', '{}']);
    expect(refused.stderr).toMatch(/the CLI speaks grpc/);
    expect(refused.code).not.toBe(0);
  });

  it('reports NOT_FOUND for a name nobody registered', async () => {
    const result = await runCli(['call', '--registry-address', etcd.address, 'nobody', 'greeter.Greeter/SayHello', '{}']);
    expect(result.stderr).toBe('ERROR: NOT_FOUND: service nobody has no grpc node in the registry\n');
    expect(result.code).toBe(64 + 5);
  });
});
