import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { Connection, Listener, MethodInfo, ServerStream } from '../transport.js';
import { createGrpcTransport, type GrpcTransportOptions } from './grpc-transport.js';

const MiB = 1024 * 1024;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const ok = () => ({ code: Code.OK, message: '', metadata: new Metadata() });

const open: Array<Listener | Connection> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close(0)));
});

async function serve(
  onStream: (s: ServerStream) => void,
  options: GrpcTransportOptions = {},
  methods: MethodInfo[] = [{ path: '/test.Stream/Any' }],
): Promise<Connection> {
  const transport = createGrpcTransport(options);
  const listener = await transport.listen('127.0.0.1:0', { onStream });
  listener.addMethods(methods);
  open.push(listener);
  const conn = await transport.dial(listener.address);
  open.unshift(conn);
  return conn;
}

async function readAll(stream: { read(): Promise<Uint8Array | null> }): Promise<string[]> {
  const out: string[] = [];
  for (let m = await stream.read(); m !== null; m = await stream.read()) out.push(dec(m) as string);
  return out;
}

const settlesWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(r, ms, false))]);

describe('grpc server streams', () => {
  it('slows a client that writes faster than the handler reads', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let received = 0;
    const conn = await serve(async (s) => {
      await released;
      while ((await s.read()) !== null) received++;
      s.finish(ok());
    });
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    const chunk = new Uint8Array(64 * 1024);
    let accepted = 0;
    let stalled: Promise<void> | undefined;
    while (accepted < 64 * MiB) {
      const w = call.write(chunk);
      if (!(await settlesWithin(w, 500))) {
        stalled = w;
        break;
      }
      accepted += chunk.byteLength;
    }
    expect(stalled).toBeDefined();
    expect(accepted).toBeLessThan(8 * MiB);
    release();
    await stalled;
    call.closeSend();
    expect(await call.read()).toBeNull();
    expect(received).toBe(accepted / chunk.byteLength + 1);
  });

  it('ends a stream with UNKNOWN when onStream throws at once', async () => {
    const conn = await serve(() => {
      throw new Error('boom');
    });
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    await expect(call.read()).rejects.toMatchObject({ code: Code.UNKNOWN, message: 'boom' });
    expect((await call.status).code).toBe(Code.UNKNOWN);
  });

  it('reads null again after the end, and refuses reads and writes after finish', async () => {
    let checks: Promise<unknown> | undefined;
    const conn = await serve(async (s) => {
      expect(dec(await s.read())).toBe('one');
      expect(await s.read()).toBeNull();
      expect(await s.read()).toBeNull();
      await s.write(enc('reply'));
      s.finish(ok());
      checks = Promise.all([
        expect(s.write(enc('late'))).rejects.toMatchObject({ code: Code.INTERNAL }),
        expect(s.read()).rejects.toBeInstanceOf(StatusError),
      ]);
    });
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    await call.write(enc('one'));
    call.closeSend();
    expect(await readAll(call)).toEqual(['reply']);
    expect((await call.status).code).toBe(Code.OK);
    await checks;
  });

  it('delivers every message written before finish, then OK, without awaiting the writes', async () => {
    const conn = await serve((s) => {
      for (let i = 0; i < 200; i++) void s.write(enc(String(i))).catch(() => {});
      s.finish(ok());
    });
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    call.closeSend();
    expect(await readAll(call)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect((await call.status).code).toBe(Code.OK);
  });

  it('runs interceptors from the server options on streaming and unary calls', async () => {
    const seen: string[] = [];
    const interceptor: grpc.ServerInterceptor = (method, call) =>
      new grpc.ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              seen.push(`${method.path} ${String(metadata.get('x-in')[0])}`);
              nextMetadata(metadata);
            },
          }),
        sendMetadata: (metadata, nextMetadata) => {
          metadata.set('x-intercepted', 'yes');
          nextMetadata(metadata);
        },
      });
    const conn = await serve(
      async (s) => {
        for (let m = await s.read(); m !== null; m = await s.read()) await s.write(m);
        s.finish(ok());
      },
      { serverOptions: { interceptors: [interceptor] } },
      [{ path: '/test.Stream/Any' }, { path: '/test.Stream/Unary', kind: 'unary' }],
    );
    const call = conn.openStream('/test.Stream/Any', new Metadata({ 'x-in': 'bidi' }));
    for (let i = 0; i < 50; i++) await call.write(enc(String(i)));
    call.closeSend();
    expect(await readAll(call)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect((await call.headers).get('x-intercepted')).toBe('yes');
    const unary = conn.openStream('/test.Stream/Unary', new Metadata({ 'x-in': 'unary' }), { kind: 'unary' });
    await unary.write(enc('u'));
    unary.closeSend();
    expect(await readAll(unary)).toEqual(['u']);
    expect((await unary.headers).get('x-intercepted')).toBe('yes');
    expect(seen).toEqual(['/test.Stream/Any bidi', '/test.Stream/Unary unary']);
  });

  it('keeps every message in order through an interceptor whose hooks finish later', async () => {
    // grpc-js's interceptor layer holds one message while the headers' hook
    // is at work: messages handed over meanwhile must wait their turn.
    const interceptor: grpc.ServerInterceptor = (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        sendMetadata: (metadata, next) => setTimeout(() => next(metadata), 20),
        sendMessage: (message, next) => setTimeout(() => next(message), 1),
      });
    const conn = await serve(
      async (s) => {
        await s.read();
        // Not awaited: the writes pile up behind the slow hooks.
        const writes = Array.from({ length: 40 }, (_, i) => s.write(enc(String(i))));
        await Promise.all(writes);
        s.finish(ok());
      },
      { serverOptions: { interceptors: [interceptor] } },
    );
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    await call.write(enc('go'));
    call.closeSend();
    expect(await readAll(call)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect((await call.status).code).toBe(Code.OK);
  });

  it('sends a unary reply, then its status and trailers, through an interceptor whose message hook finishes later', async () => {
    // grpc-js's interceptor layer drops a status given while a message hook
    // is at work: the unary reply must be through before the status goes.
    const statuses: string[] = [];
    const interceptor: grpc.ServerInterceptor = (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        sendMessage: (message, next) => setTimeout(() => next(message), 20),
        sendStatus: (status, next) => {
          statuses.push(`${status.code} ${String(status.metadata?.get('x-trail')[0])}`);
          next(status);
        },
      });
    const conn = await serve(
      async (s) => {
        const m = await s.read();
        await s.write(m as Uint8Array);
        const trailers = dec(m) === 'with' ? new Metadata({ 'x-trail': 't1' }) : new Metadata();
        s.finish({ code: Code.OK, message: '', metadata: trailers });
      },
      { serverOptions: { interceptors: [interceptor] } },
      [{ path: '/test.Stream/Unary', kind: 'unary' }],
    );
    for (const word of ['with', 'without']) {
      const unary = conn.openStream('/test.Stream/Unary', new Metadata(), { kind: 'unary' });
      await unary.write(enc(word));
      unary.closeSend();
      expect(await readAll(unary)).toEqual([word]);
      const status = await unary.status;
      expect(status.code).toBe(Code.OK);
      expect(status.metadata.get('x-trail')).toBe(word === 'with' ? 't1' : undefined);
    }
    expect(statuses).toEqual(['0 t1', '0 undefined']);
  });

  it('settles waiting writes and a held status when the client cancels behind slow interceptor hooks', async () => {
    const interceptor: grpc.ServerInterceptor = (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        sendMessage: (message, next) => setTimeout(() => next(message), 20),
      });
    let writes: Promise<PromiseSettledResult<void>[]> | undefined;
    const conn = await serve(
      (s) => {
        void s.read().then(() => {
          writes = Promise.allSettled(Array.from({ length: 50 }, (_, i) => s.write(enc(String(i)))));
          s.finish(ok());
        });
      },
      { serverOptions: { interceptors: [interceptor] } },
    );
    const call = conn.openStream('/test.Stream/Any', new Metadata());
    await call.write(enc('go'));
    expect(dec(await call.read())).toBe('0');
    call.cancel(Code.CANCELLED, 'enough');
    const settled = await (writes as Promise<PromiseSettledResult<void>[]>);
    // Some writes went out before the cancel; every one still waiting was rejected, none is left hanging.
    const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: Code.CANCELLED });
    expect((await call.status).code).toBe(Code.CANCELLED);
  });
});
