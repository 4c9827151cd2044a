import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError, TOO_MANY_REPLIES_TEXT } from '../status-error.js';
import type { CallKind, Connection, Listener, ServerStream } from '../transport.js';
import { createGrpcTransport } from './grpc-transport.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const ok = (metadata = new Metadata()) => ({ code: Code.OK, message: '', metadata });

type Handler = (stream: ServerStream) => Promise<void> | void;

const open: Array<Listener | Connection> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close(0)));
});

async function serve(
  handlers: Record<string, Handler>,
  kinds: Record<string, CallKind> = {},
): Promise<{ listener: Listener; conn: Connection }> {
  const transport = createGrpcTransport();
  const listener = await transport.listen('127.0.0.1:0', {
    onStream: (stream) => {
      const handler = handlers[stream.method];
      if (!handler) return stream.finish({ code: Code.UNIMPLEMENTED, message: 'no handler', metadata: new Metadata() });
      Promise.resolve(handler(stream)).catch((err: unknown) =>
        stream.finish({ code: Code.UNKNOWN, message: String(err), metadata: new Metadata() }),
      );
    },
  });
  listener.addMethods(Object.keys(handlers).map((path) => ({ path, kind: kinds[path] })));
  open.push(listener);
  const conn = await transport.dial(listener.address);
  open.unshift(conn);
  return { listener, conn };
}

async function readAll(stream: { read(): Promise<Uint8Array | null> }): Promise<string[]> {
  const out: string[] = [];
  for (let m = await stream.read(); m !== null; m = await stream.read()) out.push(dec(m) as string);
  return out;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not met within 2 s');
}

function reason(signal: AbortSignal): Promise<StatusError> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason as StatusError);
    else signal.addEventListener('abort', () => resolve(signal.reason as StatusError), { once: true });
  });
}

describe('createGrpcTransport', () => {
  it('carries a unary-shaped call with headers, trailers and the peer', async () => {
    const seen: { peer?: string; contentType?: string | undefined; deadline?: number | undefined } = {};
    const { conn, listener } = await serve({
      '/test.Echo/Unary': async (s) => {
        seen.peer = s.peer;
        seen.contentType = s.contentType;
        seen.deadline = s.deadline;
        const req = await s.read();
        expect(await s.read()).toBeNull();
        s.sendHeaders(new Metadata({ 'x-head': 'h1' }));
        await s.write(enc(`hello ${dec(req)}`));
        s.finish(ok(new Metadata({ 'x-trail': 't1' })));
      },
    });
    expect(listener.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listener.address.endsWith(':0')).toBe(false);
    expect(conn.state).toBe('ready');
    expect(createGrpcTransport().name).toBe('grpc');

    const call = conn.openStream('/test.Echo/Unary', new Metadata());
    expect(conn.activeStreams).toBe(1);
    await call.write(enc('jeff'));
    call.closeSend();
    expect(await readAll(call)).toEqual(['hello jeff']);
    expect((await call.headers).get('x-head')).toBe('h1');
    const status = await call.status;
    expect(status.code).toBe(Code.OK);
    expect(status.metadata.get('x-trail')).toBe('t1');
    expect(conn.activeStreams).toBe(0);
    expect(seen.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(seen.contentType).toBe('application/grpc');
    expect(seen.deadline).toBeUndefined();
    expect(listener.connections).toBe(1);
  });

  it('streams both ways at once and keeps message order', async () => {
    const { conn } = await serve({
      '/test.Echo/Bidi': async (s) => {
        for (let m = await s.read(); m !== null; m = await s.read()) await s.write(enc(`echo ${dec(m)}`));
        s.finish(ok());
      },
    });
    const call = conn.openStream('/test.Echo/Bidi', new Metadata());
    for (let i = 0; i < 50; i++) {
      await call.write(enc(String(i)));
      expect(dec(await call.read())).toBe(`echo ${i}`);
    }
    for (let i = 50; i < 100; i++) await call.write(enc(String(i)));
    call.closeSend();
    const rest = await readAll(call);
    expect(rest).toEqual(Array.from({ length: 50 }, (_, i) => `echo ${i + 50}`));
  });

  it('uploads many small messages from a client stream', async () => {
    const { conn } = await serve({
      '/test.Echo/Upload': async (s) => {
        let n = 0;
        while ((await s.read()) !== null) n++;
        await s.write(enc(String(n)));
        s.finish(ok());
      },
    });
    const call = conn.openStream('/test.Echo/Upload', new Metadata());
    for (let i = 0; i < 2000; i++) await call.write(enc('x'));
    call.closeSend();
    expect(await readAll(call)).toEqual(['2000']);
  });

  it('carries text and -bin metadata both ways', async () => {
    let got: Metadata | undefined;
    const { conn } = await serve({
      '/test.Echo/Meta': (s) => {
        got = s.metadata;
        s.sendHeaders(new Metadata({ 'x-reply': 'r', 'x-reply-bin': new Uint8Array([0, 255, 1]) }));
        s.finish(ok(new Metadata({ 'x-grpc-test-echo-trailing-bin': new Uint8Array([0xab, 0xab, 0xab]) })));
      },
    });
    const md = new Metadata({ 'x-text': ['a', 'b'], 'x-key-bin': new Uint8Array([1, 2, 3, 250]) });
    const call = conn.openStream('/test.Echo/Meta', md, { contentType: 'application/grpc+json' });
    call.closeSend();
    expect(await call.read()).toBeNull();
    // grpc-js joins repeated text values into one header, as HTTP allows.
    expect(got?.getAll('x-text')).toEqual(['a, b']);
    expect(got?.get('x-key-bin')).toEqual(new Uint8Array([1, 2, 3, 250]));
    expect(got?.has('tsmicro-content-type')).toBe(false);
    const headers = await call.headers;
    expect(headers.get('x-reply')).toBe('r');
    expect(headers.get('x-reply-bin')).toEqual(new Uint8Array([0, 255, 1]));
    const trailers = (await call.status).metadata;
    expect(trailers.get('x-grpc-test-echo-trailing-bin')).toEqual(new Uint8Array([0xab, 0xab, 0xab]));
  });

  it('exposes a non-proto content type to the server', async () => {
    let contentType: string | undefined;
    const { conn } = await serve({
      '/test.Echo/Ct': (s) => {
        contentType = s.contentType;
        s.finish(ok());
      },
    });
    const call = conn.openStream('/test.Echo/Ct', new Metadata(), { contentType: 'application/grpc+json' });
    call.closeSend();
    await call.status;
    expect(contentType).toBe('application/grpc+json');
  });

  it('round-trips a status message with whitespace and Unicode, after the messages', async () => {
    const message = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
    const { conn } = await serve({
      '/test.Echo/Fail': async (s) => {
        await s.write(enc('before'));
        s.finish({ code: Code.NOT_FOUND, message, metadata: new Metadata({ 'x-why': 'gone' }) });
        s.finish(ok()); // ignored
      },
    });
    const call = conn.openStream('/test.Echo/Fail', new Metadata());
    call.closeSend();
    expect(dec(await call.read())).toBe('before');
    const err = await call.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(Code.NOT_FOUND);
    expect((err as StatusError).message).toBe(message);
    expect((err as StatusError).metadata.get('x-why')).toBe('gone');
    const status = await call.status;
    expect(status.code).toBe(Code.NOT_FOUND);
    expect(status.message).toBe(message);
  });

  it('answers an unknown path with UNIMPLEMENTED', async () => {
    const { conn } = await serve({ '/test.Echo/Known': (s) => s.finish(ok()) });
    const call = conn.openStream('/test.Echo/Unknown', new Metadata());
    call.closeSend();
    await expect(call.read()).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    expect((await call.status).code).toBe(Code.UNIMPLEMENTED);
    expect((await call.headers).size).toBe(0);
  });

  it('ends a call at its deadline on both sides', async () => {
    let serverSignal: AbortSignal | undefined;
    let serverDeadline: number | undefined;
    const { conn } = await serve({
      '/test.Echo/Slow': (s) => {
        serverSignal = s.signal;
        serverDeadline = s.deadline;
      },
    });
    const deadline = Date.now() + 300;
    const call = conn.openStream('/test.Echo/Slow', new Metadata(), { deadline });
    await expect(call.read()).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect(serverDeadline).toBeGreaterThan(Date.now() - 10_000);
    expect(Math.abs((serverDeadline ?? 0) - deadline)).toBeLessThan(2000);
    const why = await reason(serverSignal as AbortSignal);
    expect(why).toBeInstanceOf(StatusError);
    // grpc-js resets the stream at the deadline on the client too; on a busy machine that reset can reach the server before its own timer fires.
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain(why.code);
  });

  it('aborts the server signal and rejects local reads when the client cancels', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((r) => {
      started = r;
    });
    let serverStream: ServerStream | undefined;
    const { conn } = await serve({
      '/test.Echo/Hang': (s) => {
        serverStream = s;
        started();
      },
    });
    const call = conn.openStream('/test.Echo/Hang', new Metadata());
    await call.write(enc('go'));
    await startedP;
    const pending = call.read();
    call.cancel(Code.ABORTED, 'changed my mind');
    await expect(pending).rejects.toMatchObject({ code: Code.ABORTED, message: 'changed my mind' });
    expect((await call.status).code).toBe(Code.ABORTED);
    const why = await reason((serverStream as ServerStream).signal);
    expect(why.code).toBe(Code.CANCELLED);
    await expect((serverStream as ServerStream).write(enc('late'))).rejects.toBeInstanceOf(StatusError);
    await expect((serverStream as ServerStream).read()).rejects.toBeInstanceOf(StatusError);
    expect(conn.activeStreams).toBe(0);
  });

  it('refuses streams on a closed connection with UNAVAILABLE', async () => {
    const { conn } = await serve({ '/test.Echo/Known': (s) => s.finish(ok()) });
    await conn.close();
    expect(conn.state).toBe('closed');
    await conn.closed;
    const call = conn.openStream('/test.Echo/Known', new Metadata());
    await expect(call.read()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    await expect(call.write(enc('x'))).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('lets open streams finish on close(grace) and cancels them after it', async () => {
    let finishLater: (() => void) | undefined;
    const { conn } = await serve({
      '/test.Echo/Later': (s) => {
        finishLater = () => s.finish(ok());
      },
      '/test.Echo/Never': () => {},
    });
    const a = conn.openStream('/test.Echo/Later', new Metadata());
    await a.write(enc('x'));
    await expect.poll(() => finishLater).toBeDefined();
    const closing = conn.close(10_000);
    expect(conn.state).toBe('closing');
    (finishLater as () => void)();
    await closing;
    expect((await a.status).code).toBe(Code.OK);

    const { conn: conn2 } = await serve({ '/test.Echo/Never': () => {} });
    const b = conn2.openStream('/test.Echo/Never', new Metadata());
    await b.write(enc('x'));
    await conn2.close(100);
    await expect(b.read()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('rejects dial with UNAVAILABLE naming the address when nothing listens', async () => {
    const transport = createGrpcTransport();
    const listener = await transport.listen('127.0.0.1:0', { onStream: () => {} });
    const address = listener.address;
    await listener.close();
    const err = await transport.dial(address, { connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(Code.UNAVAILABLE);
    expect((err as StatusError).message).toContain(address);
  });
});

describe('createGrpcTransport, deadlines without the client', () => {
  it.each(['unary', 'bidi'] as const)('ends a %s call at its deadline from the server side alone, so the framework arms no timer (endsAtDeadline)', async (kind) => {
    let server: ServerStream | undefined;
    const handlers = {
      '/test.Echo/Slow': (s: ServerStream) => {
        server = s;
      },
    };
    const { listener } = await serve(handlers, { '/test.Echo/Slow': kind });
    // A bare HTTP/2 peer that sends a deadline and never cancels: only the server's own timer can end the call.
    const session = http2.connect(`http://${listener.address}`);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/test.Echo/Slow', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '300m' });
      // The status comes trailers-only (in the response headers) when nothing was sent before it.
      const status = new Promise<string | undefined>((resolve) => {
        const take = (h: http2.IncomingHttpHeaders) => h['grpc-status'] !== undefined && resolve(String(h['grpc-status']));
        req.on('response', take);
        req.on('trailers', take);
      });
      req.end(Buffer.from([0, 0, 0, 0, 1, 120]));
      req.resume();
      await until(() => server !== undefined);
      expect(server?.endsAtDeadline).toBe(true);
      expect(server?.deadline).toBeGreaterThan(Date.now());
      const aborted = await reason((server as ServerStream).signal);
      expect(aborted.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(await status).toBe(String(Code.DEADLINE_EXCEEDED));
    } finally {
      session.destroy();
    }
  });

});

describe('createGrpcTransport, methods announced as unary', () => {
  const unary = { kind: 'unary' } as const;
  const serveUnary = (handlers: Record<string, Handler>) =>
    serve(handlers, Object.fromEntries(Object.keys(handlers).map((path) => [path, 'unary' as const])));

  it('carries request, reply, headers, trailers and the content type', async () => {
    let seen: { contentType?: string; peer?: string; text?: string | undefined } = {};
    const { conn } = await serveUnary({
      '/test.Echo/Unary': async (s) => {
        const req = await s.read();
        expect(await s.read()).toBeNull();
        seen = { contentType: s.contentType, peer: s.peer, text: s.metadata.get('x-text') as string | undefined };
        s.sendHeaders(new Metadata({ 'x-head': 'h1' }));
        await s.write(enc(`hello ${dec(req)}`));
        s.finish(ok(new Metadata({ 'x-trail': 't1', 'x-trail-bin': new Uint8Array([0, 1, 255]) })));
      },
    });
    const call = conn.openStream('/test.Echo/Unary', new Metadata({ 'x-text': 'a' }), { ...unary, contentType: 'application/grpc+json' });
    expect(conn.activeStreams).toBe(1);
    await call.write(enc('jeff'));
    call.closeSend();
    expect(await readAll(call)).toEqual(['hello jeff']);
    expect((await call.headers).get('x-head')).toBe('h1');
    const status = await call.status;
    expect(status.code).toBe(Code.OK);
    expect(status.metadata.get('x-trail')).toBe('t1');
    expect(status.metadata.get('x-trail-bin')).toEqual(new Uint8Array([0, 1, 255]));
    expect(seen).toEqual({ contentType: 'application/grpc+json', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), text: 'a' });
    expect(conn.activeStreams).toBe(0);
  });

  it('reports a handler status with its message and trailers, and no reply', async () => {
    const { conn } = await serveUnary({
      '/test.Echo/Fail': async (s) => {
        await s.write(enc('dropped'));
        s.finish({ code: Code.NOT_FOUND, message: 'gone ☺', metadata: new Metadata({ 'x-why': 'gone' }) });
      },
    });
    const call = conn.openStream('/test.Echo/Fail', new Metadata(), unary);
    await call.write(enc('x'));
    call.closeSend();
    const err = await call.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ code: Code.NOT_FOUND, message: 'gone ☺' });
    expect((err as StatusError).metadata.get('x-why')).toBe('gone');
    expect((await call.status).code).toBe(Code.NOT_FOUND);
  });

  it('ends with INTERNAL when a handler finishes OK without a reply, or writes twice', async () => {
    let second: Promise<void> | undefined;
    const { conn } = await serveUnary({
      '/test.Echo/Nothing': (s) => s.finish(ok()),
      '/test.Echo/Twice': async (s) => {
        await s.write(enc('one'));
        second = s.write(enc('two'));
        second.catch(() => {}); // awaited by the test below
        s.finish(ok());
      },
    });
    const nothing = conn.openStream('/test.Echo/Nothing', new Metadata(), unary);
    await nothing.write(enc('x'));
    nothing.closeSend();
    await expect(nothing.read()).rejects.toMatchObject({ code: Code.INTERNAL });
    const twice = conn.openStream('/test.Echo/Twice', new Metadata(), unary);
    await twice.write(enc('x'));
    twice.closeSend();
    expect(await readAll(twice)).toEqual(['one']);
    await expect(second).rejects.toMatchObject({ code: Code.INTERNAL });
  });

  it('takes exactly one request on the client side', async () => {
    const { conn } = await serveUnary({ '/test.Echo/Unary': (s) => s.finish(ok()) });
    const twice = conn.openStream('/test.Echo/Unary', new Metadata(), unary);
    await twice.write(enc('a'));
    await expect(twice.write(enc('b'))).rejects.toMatchObject({ code: Code.INTERNAL });
    twice.cancel();
    const none = conn.openStream('/test.Echo/Unary', new Metadata(), unary);
    none.closeSend();
    await expect(none.read()).rejects.toMatchObject({ code: Code.INTERNAL });
    await expect(none.write(enc('late'))).rejects.toMatchObject({ code: Code.INTERNAL });
    expect(conn.activeStreams).toBe(0);
  });

  it('answers a peer that sends a unary method two requests or none with UNIMPLEMENTED, never reaching the handler', async () => {
    let handled = 0;
    const { conn } = await serveUnary({
      '/test.Echo/Unary': async (s) => {
        handled++;
        await s.write(enc('reply'));
        s.finish(ok());
      },
    });
    // A streaming call object does not hold the peer to one request.
    const twice = conn.openStream('/test.Echo/Unary', new Metadata());
    await twice.write(enc('a'));
    await twice.write(enc('b'));
    twice.closeSend();
    const twiceStatus = await twice.status;
    expect(twiceStatus.code).toBe(Code.UNIMPLEMENTED);
    expect(twiceStatus.message).toMatch(/second request message for unary method \/test\.Echo\/Unary/);
    const none = conn.openStream('/test.Echo/Unary', new Metadata());
    none.closeSend();
    const noneStatus = await none.status;
    expect(noneStatus.code).toBe(Code.UNIMPLEMENTED);
    expect(noneStatus.message).toMatch(/no request message for unary method/);
    expect(handled).toBe(0);
    // The connection goes on serving.
    const good = conn.openStream('/test.Echo/Unary', new Metadata(), unary);
    await good.write(enc('c'));
    good.closeSend();
    expect(await readAll(good)).toEqual(['reply']);
    expect((await good.status).code).toBe(Code.OK);
    expect(handled).toBe(1);
  });

  it('ends a call at its deadline on both sides', async () => {
    let serverSignal: AbortSignal | undefined;
    const { conn } = await serveUnary({
      '/test.Echo/Slow': (s) => {
        serverSignal = s.signal;
      },
    });
    const call = conn.openStream('/test.Echo/Slow', new Metadata(), { ...unary, deadline: Date.now() + 300 });
    await call.write(enc('x'));
    call.closeSend();
    await expect(call.read()).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect((await reason(serverSignal as AbortSignal)).code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('tells the end through onEnd: the reply with headers and trailers, null on a failure, on a microtask once ended', async () => {
    const { conn } = await serveUnary({
      '/test.Echo/Unary': async (s) => {
        const req = s.takeNow?.();
        s.sendHeaders(new Metadata({ 'x-head': 'h1' }));
        await s.write(enc(`hello ${dec(req ?? null)}`));
        s.finish(ok(new Metadata({ 'x-trail': 't1' })));
      },
      '/test.Echo/Fail': (s) => s.finish({ code: Code.NOT_FOUND, message: 'nope', metadata: new Metadata({ 'x-why': 'gone' }) }),
    });
    type End = { reply: string | null; head: unknown; status: { code: number; message: string; trailer: unknown } };
    const ended = (path: string) => {
      const call = conn.openStream(path, new Metadata(), unary);
      const end = new Promise<End>((resolve) => {
        const self = { resolve };
        // The listener is a shared function with the caller's object as `this`, as the framework's is.
        call.onEnd?.(function (this: typeof self, reply, headers, status) {
          const trailer = status.metadata.get('x-trail') ?? status.metadata.get('x-why');
          this.resolve({ reply: dec(reply), head: headers.get('x-head'), status: { code: status.code, message: status.message, trailer } });
        }, self);
      });
      return { call, end };
    };
    const good = ended('/test.Echo/Unary');
    expect(good.call.onEnd).toBeTypeOf('function');
    await good.call.write(enc('jeff'));
    good.call.closeSend();
    expect(await good.end).toEqual({ reply: 'hello jeff', head: 'h1', status: { code: Code.OK, message: 'OK', trailer: 't1' } });
    const bad = ended('/test.Echo/Fail');
    await bad.call.write(enc('x'));
    bad.call.closeSend();
    expect(await bad.end).toEqual({ reply: null, head: undefined, status: { code: Code.NOT_FOUND, message: 'nope', trailer: 'gone' } });
    // A listener set after the end hears it too, a microtask later.
    let late: number | undefined;
    good.call.onEnd?.((_r, _h, status) => (late = status.code), undefined);
    expect(late).toBeUndefined();
    await Promise.resolve();
    expect(late).toBe(Code.OK);
    expect(conn.activeStreams).toBe(0);
  });

  it('ends a unary-kind call INTERNAL when the server sends a second reply, for onEnd and read() alike', async () => {
    // A method registered for streams lets the handler write twice.
    const { conn } = await serve({
      '/test.Echo/Twice': async (s) => {
        await s.write(enc('one'));
        await s.write(enc('two'));
        s.finish(ok());
      },
    });
    const told = conn.openStream('/test.Echo/Twice', new Metadata(), unary);
    const end = new Promise<[Uint8Array | null, number, string]>((resolve) =>
      told.onEnd?.((reply, _h, status) => resolve([reply, status.code, status.message]), undefined),
    );
    await told.write(enc('x'));
    told.closeSend();
    expect(await end).toEqual([null, Code.INTERNAL, TOO_MANY_REPLIES_TEXT]);
    const read = conn.openStream('/test.Echo/Twice', new Metadata(), unary);
    await read.write(enc('x'));
    read.closeSend();
    await expect(read.read()).rejects.toMatchObject({ code: Code.INTERNAL, message: TOO_MANY_REPLIES_TEXT });
  });

  it('tells a call cancelled before its request left through onEnd, with no reply', async () => {
    const { conn } = await serveUnary({ '/test.Echo/Unary': (s) => s.finish(ok()) });
    const call = conn.openStream('/test.Echo/Unary', new Metadata(), unary);
    const end = new Promise<[Uint8Array | null, number, string]>((resolve) =>
      call.onEnd?.((reply, _h, status) => resolve([reply, status.code, status.message]), undefined),
    );
    await call.write(enc('x'));
    call.cancel(Code.CANCELLED, 'changed my mind');
    expect(await end).toEqual([null, Code.CANCELLED, 'changed my mind']);
    expect(conn.activeStreams).toBe(0);
  });

  it('hands the handler its request once with takeNow; read() then ends', async () => {
    const taken: Array<string | null | undefined> = [];
    const { conn } = await serveUnary({
      '/test.Echo/Unary': async (s) => {
        const first = s.takeNow?.();
        taken.push(first === undefined ? undefined : dec(first), s.takeNow?.() === undefined ? undefined : 'again', dec(await s.read()));
        await s.write(enc('r'));
        s.finish(ok());
      },
    });
    const call = conn.openStream('/test.Echo/Unary', new Metadata(), unary);
    await call.write(enc('req'));
    call.closeSend();
    expect(await readAll(call)).toEqual(['r']);
    expect(taken).toEqual(['req', undefined, null]);
  });

  it('cancels: the pending read rejects with the local status and the handler sees CANCELLED', async () => {
    let serverStream: ServerStream | undefined;
    const { conn } = await serveUnary({
      '/test.Echo/Hang': (s) => {
        serverStream = s;
      },
    });
    const early = conn.openStream('/test.Echo/Hang', new Metadata(), unary);
    early.cancel(Code.ABORTED, 'before sending');
    await expect(early.read()).rejects.toMatchObject({ code: Code.ABORTED });
    const call = conn.openStream('/test.Echo/Hang', new Metadata(), unary);
    await call.write(enc('go'));
    call.closeSend();
    await expect.poll(() => serverStream).toBeDefined();
    const pending = call.read();
    call.cancel(Code.ABORTED, 'changed my mind');
    await expect(pending).rejects.toMatchObject({ code: Code.ABORTED, message: 'changed my mind' });
    expect((await call.status).code).toBe(Code.ABORTED);
    const server = serverStream as ServerStream;
    expect((await reason(server.signal)).code).toBe(Code.CANCELLED);
    await expect(server.write(enc('late'))).rejects.toBeInstanceOf(StatusError);
    await expect(server.read()).rejects.toBeInstanceOf(StatusError);
    expect(conn.activeStreams).toBe(0);
  });

  it('refuses a reply over the call size limit with RESOURCE_EXHAUSTED', async () => {
    const { conn } = await serveUnary({
      '/test.Echo/Big': async (s) => {
        await s.read();
        await s.write(new Uint8Array(2048));
        s.finish(ok());
      },
    });
    const call = conn.openStream('/test.Echo/Big', new Metadata(), { ...unary, maxMessageSize: 1024 });
    await call.write(enc('x'));
    call.closeSend();
    await expect(call.read()).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
  });

  it('interoperates with the other registration: a unary call to a bidi method and a stream to a unary one', async () => {
    const echo: Handler = async (s) => {
      const req = await s.read();
      await s.write(enc(`echo ${dec(req)}`));
      s.finish(ok());
    };
    const { conn: toBidi } = await serve({ '/test.Echo/Bidi': echo });
    const a = toBidi.openStream('/test.Echo/Bidi', new Metadata(), unary);
    await a.write(enc('a'));
    a.closeSend();
    expect(await readAll(a)).toEqual(['echo a']);
    const { conn: toUnary } = await serveUnary({ '/test.Echo/Unary': echo });
    const b = toUnary.openStream('/test.Echo/Unary', new Metadata());
    await b.write(enc('b'));
    b.closeSend();
    expect(await readAll(b)).toEqual(['echo b']);
  });

  it('ends calls still running at the listener grace deadline with UNAVAILABLE', async () => {
    const { conn, listener } = await serveUnary({ '/test.Echo/Never': () => {} });
    const call = conn.openStream('/test.Echo/Never', new Metadata(), unary);
    await call.write(enc('x'));
    call.closeSend();
    await expect.poll(() => listener.connections).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    await listener.close(50);
    await expect(call.read()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});
