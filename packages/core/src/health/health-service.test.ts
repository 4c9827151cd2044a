import { Code, createPool, createGrpcTransport } from '@tsmicro/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { isEOF, loadProto, type Client } from '../index.js';
import { createClient, createServer, type Server } from '../plugin.js';
import { healthMethods } from './health-proto.js';
import { healthService, type HealthService } from './health-service.js';

const greeterProto = new URL('../../../../test/fixtures/greeter.proto', import.meta.url).pathname;

interface Running {
  server: Server;
  client: Client;
  health: HealthService;
}

let running: Running | undefined;

async function start(): Promise<Running> {
  const transport = createGrpcTransport();
  const server = createServer({ transport, graceMs: 20_000 });
  server.handle({ sayHello: async () => ({ message: 'hi' }) }, { definition: loadProto(greeterProto).service('greeter.Greeter') });
  const health = healthService(server);
  server.handle(health.handler, { definition: health.definition });
  const address = await server.start();
  const client = createClient({ transport, connections: createPool(transport, {}), resolve: () => address });
  running = { server, client, health };
  return running;
}

afterEach(async () => {
  await running?.client.close();
  await running?.server.stop(0);
  running = undefined;
});

describe('healthService', () => {
  it('reports NOT_SERVING until setServing and lets served services follow the server', async () => {
    const { client, health } = await start();
    expect(await client.call('h', healthMethods.check, { service: '' })).toEqual({ status: 'NOT_SERVING' });
    health.setServing();
    expect(await client.call('h', healthMethods.check, { service: '' })).toEqual({ status: 'SERVING' });
    expect(await client.call('h', healthMethods.check, { service: 'greeter.Greeter' })).toEqual({ status: 'SERVING' });
    health.setNotServing('greeter.Greeter');
    expect(await client.call('h', healthMethods.check, { service: 'greeter.Greeter' })).toEqual({ status: 'NOT_SERVING' });
    expect(await client.call('h', healthMethods.check, { service: '' })).toEqual({ status: 'SERVING' });
  });

  it('answers NOT_FOUND for a service the server does not know', async () => {
    const { client, health } = await start();
    health.setServing();
    await expect(client.call('h', healthMethods.check, { service: 'no.Such' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  it('lists every known service with its status', async () => {
    const { client, health } = await start();
    health.setServing();
    const { statuses } = await client.call('h', healthMethods.list, {});
    expect(statuses['']).toEqual({ status: 'SERVING' });
    expect(statuses['greeter.Greeter']).toEqual({ status: 'SERVING' });
    expect(statuses['grpc.health.v1.Health']).toEqual({ status: 'SERVING' });
  });

  it('streams each change to a watcher and ends the watch at shutdown', async () => {
    const { client, health } = await start();
    const watch = await client.serverStream('h', healthMethods.watch, { service: '' });
    expect(await watch.recv()).toEqual({ status: 'NOT_SERVING' });
    health.setServing();
    expect(await watch.recv()).toEqual({ status: 'SERVING' });
    health.setServing(); // no change, no message
    health.shutdown();
    expect(await watch.recv()).toEqual({ status: 'NOT_SERVING' });
    await expect(watch.recv()).rejects.toSatisfy(isEOF);
    health.setServing(); // shutdown is final
    expect(health.status()).toBe('NOT_SERVING');
  });

  it('tells a watcher of an unknown service SERVICE_UNKNOWN, then the status it is given', async () => {
    const { client, health } = await start();
    const watch = await client.serverStream('h', healthMethods.watch, { service: 'later.Service' });
    expect(await watch.recv()).toEqual({ status: 'SERVICE_UNKNOWN' });
    health.setServing('later.Service');
    expect(await watch.recv()).toEqual({ status: 'SERVING' });
    watch.close();
  });
});
