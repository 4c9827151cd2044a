import { Code, type Client, isMicroError } from '@tsmicro/core';
import { createClient, createServer, type Server, transportByName } from '@tsmicro/core/plugin';
import { createPool, type TlsOptions } from '@tsmicro/transport';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { greeterMethods as m } from '../support/greeter-proto.js';
import { hasOpenssl, makeTestCerts, type TestCerts } from '../support/test-certs.js';
import { ConformanceGreeter, Probe } from '../conformance/conformance-greeter.js';

const opensslPresent = hasOpenssl();

async function failure(p: Promise<unknown>): Promise<{ code: Code; detail: string }> {
  const err = await p.then(
    () => new Error('expected the call to fail, it succeeded'),
    (e: unknown) => e,
  );
  if (!isMicroError(err)) throw err;
  return err;
}

describe.skipIf(!opensslPresent).each(['tcp', 'grpc'] as const)('TLS over %s', (transport) => {
  let certs: TestCerts;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(tls: TlsOptions): Promise<Server> {
    const server = createServer({ transport: transportByName(transport), graceMs: 0, tls, onHandlerError: () => {} });
    server.handle(new ConformanceGreeter(new Probe()));
    await server.start();
    cleanups.push(() => server.stop(0));
    return server;
  }

  function clientFor(server: Server, tls: TlsOptions | undefined): Client {
    const pool = createPool(transportByName(transport), { poolSize: 1, dialOptions: { tls, connectTimeoutMs: 3_000 } });
    const address = server.address as string;
    const client = createClient({ transport: transportByName(transport), connections: pool, resolve: () => address });
    cleanups.push(() => client.close());
    return client;
  }


  const serverTls = () => ({ cert: certs.serverCert, key: certs.serverKey });
  const mutualTls = () => ({ ...serverTls(), ca: certs.ca, requireClientCert: true });

  it('calls over TLS with a trusted server certificate', async () => {
    const client = clientFor(await start(serverTls()), { ca: certs.ca });
    expect(await client.call('greeter', m.sayHello, { name: 'tls' })).toEqual({ message: 'Hello tls' });
  });

  it('refuses a server certificate the client does not trust, naming the certificate problem', async () => {
    const client = clientFor(await start(serverTls()), { ca: certs.otherCa });
    const err = await failure(client.call('greeter', m.sayHello, { name: 'x' }));
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.detail).toMatch(/certificate|self.signed|verify/i);
  });

  it('calls over mutual TLS with a client certificate', async () => {
    const client = clientFor(await start(mutualTls()), { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    expect(await client.call('greeter', m.sayHello, { name: 'mtls' })).toEqual({ message: 'Hello mtls' });
  });

  it('refuses a client without a certificate when the server requires one', async () => {
    const client = clientFor(await start(mutualTls()), { ca: certs.ca });
    const started = Date.now();
    const err = await failure(client.call('greeter', m.sayHello, { name: 'x' }));
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('fails a plaintext client of a TLS port fast instead of hanging', async () => {
    const client = clientFor(await start(serverTls()), undefined);
    const started = Date.now();
    const err = await failure(client.call('greeter', m.sayHello, { name: 'x' }));
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('fails a TLS client of a plaintext port fast instead of hanging', async () => {
    const server = createServer({ transport: transportByName(transport), graceMs: 0, onHandlerError: () => {} });
    server.handle(new ConformanceGreeter(new Probe()));
    await server.start();
    cleanups.push(() => server.stop(0));
    const client = clientFor(server, { ca: certs.ca });
    const started = Date.now();
    const err = await failure(client.call('greeter', m.sayHello, { name: 'x' }));
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
