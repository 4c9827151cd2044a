import { connect } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { Connection, Listener, ServerStream } from '../transport.js';
import { createGrpcTransport } from './grpc-transport.js';

const MiB = 1024 * 1024;
const ok = { code: Code.OK, message: '', metadata: new Metadata() };
const open: Array<Listener | Connection> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close(0)));
});

async function serve(onStream: (s: ServerStream) => void, paths: string[]): Promise<{ listener: Listener; conn: Connection }> {
  const transport = createGrpcTransport();
  const listener = await transport.listen('127.0.0.1:0', { onStream });
  listener.addMethods(paths.map((path) => ({ path })));
  open.push(listener);
  const conn = await transport.dial(listener.address);
  open.unshift(conn);
  return { listener, conn };
}

describe('createGrpcTransport limits', () => {
  it('answers a 4 MiB + 1 request with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const seen: number[] = [];
    const { conn } = await serve(
      async (s) => {
        try {
          for (let m = await s.read(); m !== null; m = await s.read()) seen.push(m.byteLength);
          s.finish(ok);
        } catch (err) {
          expect((err as StatusError).code).toBe(Code.CANCELLED);
        }
      },
      ['/limits.Test/Put'],
    );
    const big = conn.openStream('/limits.Test/Put', new Metadata());
    await big.write(new Uint8Array(4 * MiB + 1)).catch(() => {});
    big.closeSend();
    await expect(big.read()).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect(seen).toEqual([]);

    const fine = conn.openStream('/limits.Test/Put', new Metadata());
    await fine.write(new Uint8Array(4 * MiB));
    fine.closeSend();
    expect(await fine.read()).toBeNull();
    expect(seen).toEqual([4 * MiB]);
    expect(conn.state).toBe('ready');
  });

  it('answers a reply over the client limit with RESOURCE_EXHAUSTED', async () => {
    const { conn } = await serve(
      async (s) => {
        await s.write(new Uint8Array(4 * MiB + 1)).catch(() => {});
        s.finish(ok);
      },
      ['/limits.Test/Get'],
    );
    const call = conn.openStream('/limits.Test/Get', new Metadata());
    call.closeSend();
    await expect(call.read()).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
  });

  it('refuses an oversize message from its length prefix, before its body arrives', async () => {
    const { listener } = await serve(async (s) => {
      await s.read().catch(() => null);
      s.finish(ok);
    }, ['/limits.Test/Put']);
    const session = connect(`http://${listener.address}`);
    try {
      const req = session.request({
        ':method': 'POST',
        ':path': '/limits.Test/Put',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(4 * MiB + 1, 1);
      // Only the prefix and a few bytes: the rest of the 4 MiB never comes.
      req.write(Buffer.concat([prefix, Buffer.alloc(16)]));
      const status = await new Promise<string>((resolve, reject) => {
        req.on('response', (h) => {
          if (h['grpc-status'] !== undefined) resolve(String(h['grpc-status']));
        });
        req.on('trailers', (t) => resolve(String(t['grpc-status'])));
        req.on('error', reject);
        req.resume();
      });
      expect(Number(status)).toBe(Code.RESOURCE_EXHAUSTED);
      req.close();
    } finally {
      session.destroy();
    }
  });

  it('keeps a server write pending while the client does not read', async () => {
    let written = 0;
    let pendingWrite: Promise<void> | undefined;
    let stuck!: () => void;
    const isStuck = new Promise<void>((r) => {
      stuck = r;
    });
    const chunk = new Uint8Array(64 * 1024);
    const { conn } = await serve(
      async (s) => {
        while (written < 50 * MiB) {
          const w = s.write(chunk);
          w.catch(() => {});
          const settled = await Promise.race([w.then(() => true, () => true), new Promise((r) => setTimeout(r, 1000, false))]);
          if (!settled) {
            pendingWrite = w;
            stuck();
            return;
          }
          written += chunk.byteLength;
        }
        stuck();
      },
      ['/limits.Test/Flood'],
    );
    const call = conn.openStream('/limits.Test/Flood', new Metadata());
    call.closeSend();
    await isStuck;
    expect(pendingWrite).toBeDefined();
    expect(written).toBeLessThan(8 * MiB);
    // Reading frees the writer again.
    let freed = false;
    const free = (pendingWrite as Promise<void>).then(() => {
      freed = true;
    });
    while (!freed) await Promise.race([call.read(), free]);
    call.cancel();
  });

  it('ends an idle stream with UNAVAILABLE when the close grace runs out', async () => {
    let serverSignal: AbortSignal | undefined;
    const { conn, listener } = await serve(async (s) => {
      serverSignal = s.signal;
      await s.write(new Uint8Array([1]));
    }, ['/limits.Test/Hang']);
    const call = conn.openStream('/limits.Test/Hang', new Metadata());
    await call.write(new Uint8Array([0]));
    expect(await call.read()).toEqual(new Uint8Array([1]));
    expect(listener.connections).toBe(1);
    await listener.close(50);
    const err = await call.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(Code.UNAVAILABLE);
    expect(serverSignal?.aborted).toBe(true);
    expect((serverSignal?.reason as StatusError | undefined)?.code).toBe(Code.UNAVAILABLE);
    await expect.poll(() => listener.connections).toBe(0);
  });

  it('fails a stream stuck behind unread messages when the server is force-closed', async () => {
    let serverSignal: AbortSignal | undefined;
    const { conn, listener } = await serve(async (s) => {
      serverSignal = s.signal;
      try {
        for (;;) await s.write(new Uint8Array(64 * 1024));
      } catch (err) {
        expect((err as StatusError).code).toBe(Code.UNAVAILABLE);
      }
    }, ['/limits.Test/Flood']);
    const call = conn.openStream('/limits.Test/Flood', new Metadata());
    call.closeSend();
    expect((await call.read())?.byteLength).toBe(64 * 1024);
    await new Promise((r) => setTimeout(r, 200)); // let the windows fill
    await listener.close(50);
    let err: unknown;
    try {
      while ((await call.read()) !== null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    // grpc-js sees the reset stream of a destroyed session as CANCELLED
    // ("Call cancelled"); a dropped connection would read UNAVAILABLE.
    expect([Code.CANCELLED, Code.UNAVAILABLE]).toContain((err as StatusError).code);
    expect((serverSignal?.reason as StatusError | undefined)?.code).toBe(Code.UNAVAILABLE);
    expect(listener.connections).toBe(0);
  });

  it('lets a stream finish within the close grace period', async () => {
    let release!: () => void;
    const { conn, listener } = await serve(async (s) => {
      await new Promise<void>((r) => {
        release = r;
      });
      await s.write(new Uint8Array([2]));
      s.finish(ok);
    }, ['/limits.Test/Slow']);
    const call = conn.openStream('/limits.Test/Slow', new Metadata());
    call.closeSend();
    await expect.poll(() => release).toBeDefined();
    const closing = listener.close(10_000);
    setTimeout(() => release(), 100);
    expect(await call.read()).toEqual(new Uint8Array([2]));
    expect(await call.read()).toBeNull();
    await closing;
    expect(listener.connections).toBe(0);
  });
});
