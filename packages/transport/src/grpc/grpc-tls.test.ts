import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import type { TlsOptions } from '../transport.js';
import { createGrpcTransport } from './grpc-transport.js';

// A throwaway CA with a server and a client certificate, made by openssl.
let dir: string;
const pem: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', 'san.ext');
  }
  for (const f of ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key']) pem[f] = readFileSync(join(dir, f), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createGrpcTransport over TLS', () => {
  it('serves a mutual-TLS call and refuses a client without a certificate', async () => {
    const transport = createGrpcTransport();
    const serverTls: TlsOptions = { cert: pem['server.pem'], key: pem['server.key'], ca: pem['ca.pem'], requireClientCert: true };
    const listener = await transport.listen('127.0.0.1:0', {
      tls: serverTls,
      onStream: async (s) => {
        await s.write((await s.read()) ?? new Uint8Array());
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      },
    });
    listener.addMethods([{ path: '/tls.Test/Echo' }]);
    try {
      const conn = await transport.dial(listener.address, {
        tls: { ca: pem['ca.pem'], cert: pem['client.pem'], key: pem['client.key'] },
      });
      const call = conn.openStream('/tls.Test/Echo', new Metadata());
      await call.write(new Uint8Array([4, 2]));
      call.closeSend();
      expect(await call.read()).toEqual(new Uint8Array([4, 2]));
      expect(await call.read()).toBeNull();
      await conn.close();

      await expect(
        transport.dial(listener.address, { tls: { ca: pem['ca.pem'] }, connectTimeoutMs: 1000 }),
      ).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    } finally {
      await listener.close();
    }
  });
});
