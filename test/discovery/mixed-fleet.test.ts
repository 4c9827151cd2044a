import * as grpc from '@grpc/grpc-js';
import { type Client, type MicroService, newService } from '@tsmicro/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEtcd } from '../../packages/registry-etcd/src/test-etcd.js';
import { serverAvailable } from '@tsmicro/core/testing';
import { greeterProtoPath, type HelloReply, type HelloRequest } from '../support/greeter-messages.js';
import { type FleetNode, startFleetNode } from '../support/fleet-process.js';
import { rawUnary } from '../support/raw-unary.js';
import { loadRawService, rawMethod } from '../support/raw-service.js';
import { runExample } from '../support/run-example.js';
import { callMany, callUntil, sleep } from './call-load.js';

type Served = Record<string, { totalStreams: number }>;
const served = (stats: Served, transport: string) => stats[transport]?.totalStreams ?? 0;

// Three greeter processes in one etcd: one on grpc only, one on grpc and tcp, one on tcp only.
describe.skipIf(!serverAvailable('etcd'))('a mixed fleet of grpc, grpc+tcp and tcp nodes', () => {
  let etcd: TestEtcd;
  let grpcOnly: FleetNode;
  let dual: FleetNode;
  let tcpOnly: FleetNode;
  let service: MicroService;
  let client: Client;

  beforeAll(async () => {
    etcd = await TestEtcd.launch();
    const env = (transport: string) => ({
      MICRO_TRANSPORT: transport,
      MICRO_REGISTRY: 'etcd',
      MICRO_REGISTRY_ADDRESS: etcd.address,
      MICRO_REGISTER_TTL: '5s',
      MICRO_REGISTER_INTERVAL: '1s',
    });
    [grpcOnly, dual, tcpOnly] = await Promise.all([
      startFleetNode(env('grpc'), ['grpc']),
      startFleetNode(env('grpc,tcp'), ['grpc', 'tcp']),
      startFleetNode(env('tcp'), ['tcp']),
    ]);
    // Default preference: in-process (not here), tcp, grpc.
    service = newService(
      {
        name: 'fleet.client',
        transport: 'grpc',
        registry: { kind: 'etcd', address: [etcd.address], ttlMs: 5_000, intervalMs: 1_000 },
        selector: { strategy: 'roundRobin' },
      },
      { env: {}, file: false },
    );
    client = service.client();
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([grpcOnly, dual, tcpOnly].map((n) => n?.stop()));
    await etcd?.destroy();
  }, 60_000);

  it('calls all three by name, over tcp wherever it is offered', async () => {
    const outcomes = await callMany(client, 90, 3);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    const [g, d, t] = await Promise.all([grpcOnly.stats(), dual.stats(), tcpOnly.stats()]);
    // Round robin over three nodes: each took its share, and only the grpc-only node over grpc.
    expect(served(g, 'grpc')).toBe(30);
    expect(served(d, 'tcp')).toBe(30);
    expect(served(d, 'grpc')).toBe(0);
    expect(served(t, 'tcp')).toBe(30);
  });

  it('passes the greeter contract checker and a raw grpc-js client on the grpc address of the dual node', async () => {
    const before = served(await dual.stats(), 'grpc');
    const address = dual.addresses.get('grpc') as string;
    const exit = await runExample('examples/dist/greeter/client.js', ['--address', address], {}, 60_000);
    expect(exit.output).not.toMatch(/^FAIL/m);
    expect(exit.code).toBe(0);

    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    try {
      const sayHello = rawMethod<HelloRequest, HelloReply>(loadRawService(greeterProtoPath, 'greeter.Greeter'), 'SayHello');
      const reply = await rawUnary(raw, sayHello, { name: 'stock' });
      expect(reply.value.message).toBe('Hello stock');
      expect(reply.status.code).toBe(grpc.status.OK);
    } finally {
      raw.close();
    }
    expect(served(await dual.stats(), 'grpc')).toBeGreaterThan(before);
  }, 90_000);

  it('falls back to grpc without a failed call when the dual node loses its tcp listener', async () => {
    // Pooled tcp connections to the dual node are open and in use when its listener goes.
    expect((await callMany(client, 9, 3)).filter((o) => o.error !== undefined)).toEqual([]);
    const before = await dual.stats();
    let closed = false;
    const closing = (async () => {
      await sleep(300);
      await dual.close('tcp');
      closed = true;
      // Calls go on against a node whose tcp is gone.
      await sleep(700);
    })();
    const outcomes = await callUntil(client, closing, 3);
    expect(closed).toBe(true);
    expect(outcomes.filter((o) => o.error !== undefined).map((o) => String(o.error))).toEqual([]);
    const after = await dual.stats();
    expect(served(after, 'tcp')).toBeGreaterThan(served(before, 'tcp'));
    expect(served(after, 'grpc')).toBeGreaterThan(served(before, 'grpc'));
    // And later calls keep going over grpc.
    const more = await callMany(client, 30, 3);
    expect(more.filter((o) => o.error !== undefined)).toEqual([]);
    const latest = await dual.stats();
    expect(served(latest, 'tcp')).toBe(served(after, 'tcp'));
    expect(served(latest, 'grpc')).toBe(served(after, 'grpc') + 10);
  }, 60_000);
});
