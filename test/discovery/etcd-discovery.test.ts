import { type Client, Code, type MicroService, isMicroError, newService } from '@tsmicro/core';
import { serverAvailable } from '@tsmicro/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEtcdRegistry } from '../../packages/registry-etcd/src/index.js';
import { TestEtcd } from '../../packages/registry-etcd/src/test-etcd.js';
import { greeterMethods, type Req, type Res } from '../support/greeter-proto.js';
import { callMany, callUntil, countByAddress, sayHello, sleep, waitFor } from './call-load.js';
import { type GreeterProcess, runGreeterToExit, startGreeter } from './greeter-process.js';
import { closedPort } from '../support/closed-port.js';

// Short leases so a crashed node leaves within a test's patience: etcd keeps
// a node this long after its process stopped renewing it.
const TTL_MS = 3_000;

describe.skipIf(!serverAvailable('etcd'))('micro.newService with MICRO_REGISTRY=etcd', () => {
  let etcd: TestEtcd;
  let servers: GreeterProcess[] = [];
  let service: MicroService;
  let client: Client;

  const serverEnv = () => ({
    MICRO_REGISTRY: 'etcd',
    MICRO_REGISTRY_ADDRESS: etcd.address,
    MICRO_REGISTER_TTL: `${TTL_MS}ms`,
    MICRO_REGISTER_INTERVAL: '1s',
    MICRO_SERVER_GRACE: '10s',
  });
  const registeredAddresses = async () =>
    (await service.registry.getService('greeter')).flatMap((r) => r.nodes.map((n) => n.address)).sort();
  const addressesOf = (list: readonly GreeterProcess[]) => list.map((s) => s.address).sort();

  beforeAll(async () => {
    etcd = await TestEtcd.launch();
    servers = await Promise.all([startGreeter(serverEnv()), startGreeter(serverEnv()), startGreeter(serverEnv())]);
    service = newService(
      {
        name: 'greeter.client',
        transport: 'grpc',
        registry: { kind: 'etcd', address: [etcd.address], ttlMs: TTL_MS, intervalMs: 1_000 },
        client: { retries: 3, retryBackoff: { initialMs: 20, maxMs: 200, multiplier: 2 }, timeoutMs: 10_000 },
        selector: { strategy: 'roundRobin' },
      },
      { env: {}, file: false },
    );
    client = service.client();
    // The first call by name loads the etcd registry, which service.registry then reads.
    expect((await sayHello(client, 'warm-up')).error).toBeUndefined();
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await Promise.all(servers.map((s) => s.stop()));
    await service?.stop();
    await etcd?.destroy();
  }, 60_000);

  it('spreads 3,000 calls by name across three server processes within ±10% (round robin)', async () => {
    const outcomes = await callMany(client, 3_000, 30);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(await registeredAddresses()).toEqual(addressesOf(servers));
    // Counted per node that answered each successful call (the node of its last attempt).
    const counts = countByAddress(outcomes);
    expect([...counts.keys()].sort()).toEqual(addressesOf(servers));
    for (const count of counts.values()) {
      expect(count).toBeGreaterThanOrEqual(900);
      expect(count).toBeLessThanOrEqual(1_100);
    }
  });

  it('keeps serving from its cache with a warning while etcd is down, and finds the servers again after etcd comes back empty', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await etcd.stop();
    const duringOutage = await callMany(client, 150, 10);
    expect(duringOutage.filter((o) => o.error !== undefined)).toEqual([]);
    expect(countByAddress(duringOutage).size).toBe(3);
    await waitFor('a warning that etcd is unreachable', () => warn.mock.calls.some((c) => /etcd/.test(String(c[0]))), 10_000);

    // A wiped etcd is a brand-new cluster: every registration is gone until the servers put theirs back.
    etcd.wipe();
    await etcd.start();
    // A registry opened now knows only what is in the new etcd: the servers' own re-registrations.
    const fresh = createEtcdRegistry({ address: etcd.address });
    try {
      await waitFor('all three servers registered again', async () => {
        const found = (await fresh.getService('greeter')).flatMap((r) => r.nodes.map((n) => n.address)).sort();
        return JSON.stringify(found) === JSON.stringify(addressesOf(servers));
      }, 20_000, 200);
    } finally {
      await fresh.close();
    }
    // The client's watch-driven cache follows the new cluster too.
    await waitFor('the client to see all three again', async () => {
      const found = await registeredAddresses().catch(() => []);
      return JSON.stringify(found) === JSON.stringify(addressesOf(servers));
    }, 10_000, 100);
    warn.mockRestore();
    const after = await callMany(client, 300, 10);
    expect(after.filter((o) => o.error !== undefined)).toEqual([]);
    expect([...countByAddress(after).keys()].sort()).toEqual(addressesOf(servers));
  });

  it('retries idempotent calls on the others when a server is killed with SIGKILL, drops it within its TTL, then calls only the survivors', async () => {
    const [victim, ...survivors] = servers as [GreeterProcess, ...GreeterProcess[]];
    let killedAt = 0;
    const killed = sleep(300).then(() => {
      killedAt = Date.now();
      victim.signal('SIGKILL');
    });
    const gone = killed.then(() =>
      waitFor('the killed node to leave the registry', async () => !(await registeredAddresses()).includes(victim.address), TTL_MS + 5_000, 25),
    );
    const during = await callUntil(client, gone.then(() => sleep(200)), 10, { idempotent: true });
    const leftAfterMs = Date.now() - killedAt;
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(during.filter((o) => o.error !== undefined)).toEqual([]);
    expect(during.some((o) => o.node?.address === victim.address && o.pickedAt < killedAt)).toBe(true);
    // etcd expires a lease up to about half a second after its TTL; the rest is the watch and the poll.
    expect(leftAfterMs).toBeLessThan(TTL_MS + 2_000);

    const after = await callMany(client, 300, 10);
    expect(after.filter((o) => o.error !== undefined)).toEqual([]);
    expect([...countByAddress(after).keys()].sort()).toEqual(addressesOf(survivors));
    servers = survivors;
  });

  it('deregisters a stopping server before it drains: no new call reaches it while its in-flight call finishes', async () => {
    const [stopping, ...others] = servers as [GreeterProcess, ...GreeterProcess[]];
    // A client stream left open is a call in flight on the stopping server until we end it.
    const inFlight = await client.clientStream<Req, Res>('greeter', greeterMethods.clientStream, { address: stopping.address });
    await inFlight.send({ data: 'before', count: 0 });

    let exitedYet = false;
    void stopping.exited.then(() => (exitedYet = true));
    stopping.signal('SIGTERM');
    let removedAt = 0;
    const removed = waitFor('the stopping node to leave the registry', async () => {
      if ((await registeredAddresses()).includes(stopping.address)) return false;
      removedAt = Date.now();
      return true;
    }, 10_000, 10);
    // No retries: a call that reached the draining server would fail with UNAVAILABLE.
    const load = callUntil(client, stopping.exited, 5, { retries: 0 });
    await removed;
    // Well into the drain (it starts a second after deregistering), the held call still completes.
    await sleep(2_000);
    expect(exitedYet).toBe(false);
    await inFlight.send({ data: 'during drain', count: 0 });
    const reply = await inFlight.closeAndRecv();
    expect(reply).toEqual({ data: 'before,during drain', index: 2 });
    expect(await stopping.exited).toEqual({ code: 0, signal: null });
    const outcomes = await load;

    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(outcomes.filter((o) => o.node?.address === stopping.address && o.pickedAt >= removedAt)).toEqual([]);
    expect([...countByAddress(outcomes).keys()]).toContain(others[0]?.address);
    servers = others;
  });

  it('stops a server at start-up with an error naming MICRO_REGISTRY_ADDRESS when etcd is not at that address', async () => {
    const deadAddress = `127.0.0.1:${await closedPort()}`;
    const exit = await runGreeterToExit({ ...serverEnv(), MICRO_REGISTRY_ADDRESS: deadAddress });
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.output).toContain('MICRO_REGISTRY_ADDRESS');
    expect(exit.output).toContain(deadAddress);
    expect(exit.output).not.toMatch(/LISTENING/);
  });

  it('fails a call to a service nobody registered with UNAVAILABLE, without retrying', async () => {
    const started = Date.now();
    const err = await client.call('nobody', greeterMethods.sayHello, { name: 'x' }).catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.UNAVAILABLE);
    expect(String(err)).toContain('nobody');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
