import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnoseDial } from './grpc-dial-diagnosis.js';

const servers: net.Server[] = [];

async function serve(onSocket: (s: net.Socket) => void): Promise<string> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    onSocket(s);
    // Read on, so the socket sees the probe's close and the server can close.
    s.resume();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const settingsFrame = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
function goawayFrame(code: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeUIntBE(8, 0, 3);
  b[3] = 7;
  b.writeUInt32BE(code, 13);
  return b;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('diagnoseDial over plaintext', () => {
  it('says the server closed the connection when it accepts and closes at once', async () => {
    const address = await serve((s) => s.destroy());
    expect(await diagnoseDial(address, undefined)).toMatch(/connection closed by the server before any answer/);
  });

  it('names the GOAWAY and its code when the server sends one', async () => {
    const address = await serve((s) => s.end(Buffer.concat([settingsFrame, goawayFrame(11)])));
    expect(await diagnoseDial(address, undefined)).toBe('connection closed by the server: GOAWAY (HTTP/2 error code 11)');
  });

  it('says TLS only when the server answers in TLS', async () => {
    const address = await serve((s) => s.once('data', () => s.end(Buffer.from([0x15, 3, 3, 0, 2, 2, 70]))));
    expect(await diagnoseDial(address, undefined)).toMatch(/speaks TLS on this port/);
  });

  it('says the server does not speak HTTP/2 when it answers something else', async () => {
    const address = await serve((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    expect(await diagnoseDial(address, undefined)).toBe('the server does not speak HTTP/2');
  });

  it('says the server speaks HTTP/2 but refused the connection when it greets the probe normally', async () => {
    const h2 = http2.createServer();
    servers.push(h2 as unknown as net.Server);
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(h2.address() as net.AddressInfo).port}`;
    expect(await diagnoseDial(address, undefined)).toMatch(/speaks HTTP\/2 but closed or refused/);
  });

  it('reports the socket error when nothing listens', async () => {
    const address = await serve(() => {});
    await new Promise((r) => (servers.pop() as net.Server).close(r));
    expect(await diagnoseDial(address, undefined)).toMatch(/ECONNREFUSED/);
  });
});
