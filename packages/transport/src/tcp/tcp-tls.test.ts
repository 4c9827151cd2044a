import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import type { StatusError } from '../status-error.js';
import type { ServerStream, TlsOptions } from '../transport.js';
import { createTcpTransport } from './tcp-transport.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const opensslPresent = hasOpenssl();
if (!opensslPresent) console.warn('skipping tcp TLS tests: the openssl command is not installed');

interface Pki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function makePki(dir: string): Pki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  const leaf = (name: string, ext: string) => {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

const echo = async (s: ServerStream) => {
  try {
    for (let m = await s.read(); m !== null; m = await s.read()) await s.write(m);
    s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
  } catch {
    // A refused peer leaves nothing to answer.
  }
};

describe.skipIf(!opensslPresent)('createTcpTransport over TLS', () => {
  let dir: string;
  let pki: Pki;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcp-tls-'));
    pki = makePki(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function roundTrip(serverTls: TlsOptions, clientTls: TlsOptions): Promise<string> {
    const t = createTcpTransport();
    const l = await t.listen('127.0.0.1:0', { onStream: (s) => void echo(s), tls: serverTls });
    try {
      const conn = await t.dial(l.address, { tls: clientTls, connectTimeoutMs: 3000 });
      const c = conn.openStream('/s/Echo', new Metadata());
      await c.write(Buffer.from('over tls'));
      c.closeSend();
      const m = await c.read();
      await conn.close(0);
      return Buffer.from(m as Uint8Array).toString();
    } finally {
      await l.close(0);
    }
  }

  it('carries a call over TLS with a server certificate checked against the CA', async () => {
    expect(await roundTrip({ cert: pki.serverCert, key: pki.serverKey }, { ca: pki.ca })).toBe('over tls');
  });

  it('carries a call over mutual TLS when the client presents a certificate', async () => {
    const server = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true };
    expect(await roundTrip(server, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })).toBe('over tls');
  });

  it('refuses a client without a certificate when mutual TLS is required', async () => {
    const server = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true };
    const err = (await roundTrip(server, { ca: pki.ca }).catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
  });

  it('refuses a server whose certificate does not chain to the given CA', async () => {
    const err = (await roundTrip({ cert: pki.serverCert, key: pki.serverKey }, {}).catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toMatch(/certificate/i);
  });

  it('fails a plaintext client to a TLS port fast with a clear error', async () => {
    const t = createTcpTransport();
    const l = await t.listen('127.0.0.1:0', { onStream: () => {}, tls: { cert: pki.serverCert, key: pki.serverKey } });
    const started = Date.now();
    const err = (await t.dial(l.address, { connectTimeoutMs: 5000 }).catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toMatch(/TLS/);
    expect(Date.now() - started).toBeLessThan(2000);
    await l.close(0);
  });
});
