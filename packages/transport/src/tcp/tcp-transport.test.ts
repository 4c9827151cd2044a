import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError, isStatusError } from '../status-error.js';
import type { Connection, Listener, ServerStream, Transport } from '../transport.js';
import { createTcpTransport } from './tcp-transport.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(onStream: (s: ServerStream) => void, transport: Transport = createTcpTransport(), maxConcurrentStreams?: number) {
  const listener: Listener = await transport.listen('127.0.0.1:0', { onStream, ...(maxConcurrentStreams ? { maxConcurrentStreams } : {}) });
  closers.push(() => listener.close(0));
  const conn: Connection = await transport.dial(listener.address);
  closers.push(() => conn.close(0));
  return { listener, conn };
}

const text = (s: string) => Buffer.from(s);
const str = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

async function echoAll(s: ServerStream): Promise<void> {
  for (;;) {
    const m = await s.read();
    if (m === null) break;
    await s.write(m);
  }
  s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
}

describe('createTcpTransport', () => {
  it('carries a unary call with metadata, content type and trailers both ways', async () => {
    let seen: ServerStream | undefined;
    const { conn } = await setup(async (s) => {
      seen = s;
      const req = await s.read();
      expect(await s.read()).toBeNull();
      s.sendHeaders(new Metadata({ 'x-resp': 'h', 'x-raw-bin': new Uint8Array([0, 1, 2, 255]) }));
      await s.write(text(`hello ${str(req)}`));
      s.finish({ code: Code.OK, message: '', metadata: new Metadata({ 'x-trailer': 't' }) });
    });
    const md = new Metadata({ 'x-req': 'v', 'x-id-bin': new Uint8Array([255, 0, 128]) });
    const c = conn.openStream('/pkg.Greeter/SayHello', md, { contentType: 'application/grpc+proto' });
    await c.write(text('jeff'));
    c.closeSend();
    expect(str(await c.read())).toBe('hello jeff');
    expect(await c.read()).toBeNull();
    const headers = await c.headers;
    expect(headers.get('x-resp')).toBe('h');
    expect([...(headers.get('x-raw-bin') as Uint8Array)]).toEqual([0, 1, 2, 255]);
    const st = await c.status;
    expect(st.code).toBe(Code.OK);
    expect(st.metadata.get('x-trailer')).toBe('t');
    expect(seen?.method).toBe('/pkg.Greeter/SayHello');
    expect(seen?.contentType).toBe('application/grpc+proto');
    expect([...((seen?.metadata.get('x-id-bin') as Uint8Array | undefined) ?? [])]).toEqual([255, 0, 128]);
    expect(seen?.metadata.get('x-req')).toBe('v');
    expect(seen?.deadline).toBeUndefined();
    expect(seen?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('hands a unary call over with its request in, and a streaming one before its first message', async () => {
    const atHandOff = new Map<string, string | null>();
    const { listener, conn } = await setup((s) => {
      const now = s.takeNow?.();
      atHandOff.set(s.method, now === undefined ? null : str(now));
      void (async () => {
        const m = now ?? (await s.read());
        await s.write(text(`got ${str(m)}`));
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      })();
    });
    listener.addMethods([
      { path: '/t.S/Unary', kind: 'unary' },
      { path: '/t.S/Late', kind: 'unary' },
      { path: '/t.S/Bidi', kind: 'bidi_streaming' },
    ]);
    const unary = conn.openStream('/t.S/Unary', new Metadata(), { kind: 'unary' });
    void unary.write(text('req'));
    unary.closeSend();
    const bidi = conn.openStream('/t.S/Bidi', new Metadata(), { kind: 'bidi_streaming' });
    void bidi.write(text('first'));
    bidi.closeSend();
    expect(str(await unary.read())).toBe('got req');
    expect(str(await bidi.read())).toBe('got first');
    expect(atHandOff.get('/t.S/Unary')).toBe('req');
    expect(atHandOff.get('/t.S/Bidi')).toBeNull();
    // A unary request that comes after its headers is read as it arrives.
    const late = conn.openStream('/t.S/Late', new Metadata(), { kind: 'unary' });
    await vi.waitFor(() => expect(atHandOff.has('/t.S/Late')).toBe(true));
    expect(atHandOff.get('/t.S/Late')).toBeNull();
    void late.write(text('later'));
    late.closeSend();
    expect(str(await late.read())).toBe('got later');
    expect((await late.status).code).toBe(Code.OK);
  });

  it('applies readWith continuations in place, to waiting and to queued messages alike', async () => {
    const self = { prefix: 'got ' };
    const onMessage = function (this: typeof self, m: Uint8Array | null) {
      if (m !== null && str(m) === 'bad') throw new Error('refused by the continuation');
      return m === null ? 'end' : `${this.prefix}${str(m)}`;
    };
    const onFailure = function (this: typeof self, err: StatusError) {
      return new Error(`${this.prefix}failure ${err.code}`);
    };
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Bidi', new Metadata());
    await c.write(text('one'));
    await vi.waitFor(() => expect(server).toBeDefined());
    const readWith = server?.readWith?.bind(server);
    expect(readWith).toBeTypeOf('function');
    if (!readWith) return;
    // The first read may wait for its message; the later ones find theirs queued.
    expect(await readWith(onMessage, onFailure, self)).toBe('got one');
    await c.write(text('two'));
    await c.write(text('bad'));
    c.closeSend();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readWith(onMessage, onFailure, self)).toBe('got two');
    await expect(readWith(onMessage, onFailure, self)).rejects.toThrow('refused by the continuation');
    expect(await readWith(onMessage, onFailure, self)).toBe('end');
  });

  it('applies readIn continuations to each message where it lies, on both sides, waiting or queued', async () => {
    // The continuation sees the bytes a message arrived in, frame header and
    // all, and the message's range in them; a message that was waited for
    // and one that was queued read alike.
    const seen: boolean[] = [];
    const asText = function (this: { seen: typeof seen }, b: Uint8Array | null, start: number, end: number) {
      if (b === null) return 'end';
      this.seen.push(b.length > end - start);
      const t = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString();
      if (t === 'bad') throw new Error('refused by the continuation');
      return t;
    };
    const self = { seen };
    const mapped = (err: StatusError) => new Error(`mapped ${err.code}`);
    let server!: ServerStream;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Bidi', new Metadata());
    await vi.waitFor(() => expect(server).toBeDefined());
    expect(server.readIn).toBeTypeOf('function');
    const waiting = server.readIn?.(asText, mapped, self);
    await c.write(text('one'));
    expect(await waiting).toBe('one');
    for (const m of ['two', 'three', 'bad']) await c.write(text(m));
    c.closeSend();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await server.readIn?.(asText, mapped, self)).toBe('two');
    expect(await server.readIn?.(asText, mapped, self)).toBe('three');
    await expect(server.readIn?.(asText, mapped, self)).rejects.toThrow('refused by the continuation');
    expect(await server.readIn?.(asText, mapped, self)).toBe('end');
    // No message came as a view of its own.
    expect(seen).toEqual([true, true, true, true]);
    // The client reads its replies in place too, and a failure goes through onFailure.
    for (const m of ['r1', 'r2']) await server.write(text(m));
    expect(await c.readIn?.(asText, mapped, self)).toBe('r1');
    expect(await c.readIn?.(asText, mapped, self)).toBe('r2');
    expect(seen).toHaveLength(6);
    const pending = c.readIn?.(asText, mapped, self);
    server.finish({ code: Code.NOT_FOUND, message: 'gone', metadata: new Metadata() });
    await expect(pending).rejects.toThrow(`mapped ${Code.NOT_FOUND}`);
  });

  it('ends a waiting readIn with null at the clean end, and refuses a second read while one waits', async () => {
    let server!: ServerStream;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Bidi', new Metadata());
    await c.write(text('first'));
    await vi.waitFor(() => expect(server).toBeDefined());
    expect(str(await server.read())).toBe('first');
    const range = (b: Uint8Array | null, start: number, end: number) => (b === null ? 'end' : end - start);
    const mapped = (err: StatusError) => new Error(`mapped ${err.code}`);
    const waiting = server.readIn?.(range, mapped, undefined);
    await expect(server.readIn?.(range, mapped, undefined)).rejects.toThrow(`mapped ${Code.FAILED_PRECONDITION}`);
    c.closeSend();
    expect(await waiting).toBe('end');
  });

  it('rejects a pending readWith with what onFailure makes of the reset', async () => {
    let server!: ServerStream;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Bidi', new Metadata());
    await c.write(text('hello'));
    await vi.waitFor(() => expect(server).toBeDefined());
    expect(str(await server.read())).toBe('hello');
    const pending = server.readWith?.(
      (m) => m,
      (err) => new Error(`mapped ${err.code}`),
      undefined,
    );
    c.cancel(Code.CANCELLED, 'gone');
    await expect(pending).rejects.toThrow(`mapped ${Code.CANCELLED}`);
  });

  it('streams many server messages, then ends cleanly', async () => {
    const { conn } = await setup(async (s) => {
      await s.read();
      for (let i = 0; i < 1000; i++) await s.write(text(`m${i}`));
      s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
    });
    const c = conn.openStream('/s/ServerStream', new Metadata());
    await c.write(text('go'));
    c.closeSend();
    const got: string[] = [];
    for (let m = await c.read(); m !== null; m = await c.read()) got.push(str(m) as string);
    expect(got.length).toBe(1000);
    expect(got[999]).toBe('m999');
  });

  it('keeps order and returns credit while the reader trails the writer by a message or two', async () => {
    // 2 MiB in 1 KiB messages is many windows' worth: a credit lost as the
    // queue fills and empties would stall the stream.
    const count = 2048;
    const { conn } = await setup(async (s) => {
      await s.read();
      for (let i = 0; i < count; i++) await s.write(Buffer.alloc(1024, i % 251));
      s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
    });
    const c = conn.openStream('/s/ServerStream', new Metadata());
    await c.write(text('go'));
    c.closeSend();
    let n = 0;
    for (let m = await c.read(); m !== null; m = await c.read()) {
      expect([m.length, m[0], m[1023]]).toEqual([1024, n % 251, n % 251]);
      n++;
      // Now and then the reader falls behind, so one, two or more messages queue.
      if (n % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(n).toBe(count);
  });

  it('hands out a whole window of queued small messages in order, whichever way they are read, and returns their credit', async () => {
    // A reader that stops until the writer has filled the window, again and
    // again: thousands of messages queue at once, from many received chunks,
    // some split across two of them. Every message carries its index, so a
    // message read from the wrong place, or a credit lost, shows.
    const transport = createTcpTransport({ initialWindowSize: 64 * 1024 });
    const count = 30_000;
    const messageOf = (i: number) => Buffer.from(`${i}:${'x'.repeat(i % 23)}`);
    let opened!: (s: ServerStream) => void;
    const serverStream = new Promise<ServerStream>((resolve) => {
      opened = resolve;
    });
    const { conn } = await setup((s) => opened(s), transport);
    const c = conn.openStream('/s/ClientStream', new Metadata());
    const writing = (async () => {
      for (let i = 0; i < count; i++) await c.write(messageOf(i));
      c.closeSend();
    })();
    const server = await serverStream;
    const asText = (bytes: Uint8Array, start: number, end: number) => Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString();
    let n = 0;
    let inPlace = 0;
    while (n < count) {
      // Wait until the writer has stalled on a full window.
      await new Promise((r) => setTimeout(r, 20));
      const burst = n + 3000;
      while (n < Math.min(burst, count)) {
        let got: string | null | undefined;
        if (n % 4 === 0) got = str(await server.read());
        else if (n % 4 === 1) got = await server.readWith?.((m) => str(m), (err) => err, undefined);
        else if (n % 4 === 2) got = await server.readIn?.((b, start, end) => (b === null ? null : asText(b, start, end)), (err) => err, undefined);
        else {
          got = server.takeNowWith?.(asText, undefined);
          if (got === undefined) got = str(await server.read());
          else inPlace++;
        }
        expect(got).toBe(messageOf(n).toString());
        n++;
      }
    }
    expect(await server.read()).toBeNull();
    // Most of those taken at once found their message already queued.
    expect(inPlace).toBeGreaterThan(count / 8);
    await writing;
    c.cancel();
  });

  it('on a failed call, hands the client its queued messages before the error', async () => {
    const { conn } = await setup(async (s) => {
      for (let i = 0; i < 1000; i++) await s.write(text(`r${i}`));
      s.finish({ code: Code.NOT_FOUND, message: 'no such thing', metadata: new Metadata() });
    });
    const c = conn.openStream('/s/Fail', new Metadata());
    c.closeSend();
    // All 1,000 replies and the failure are in before the first read.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const got: string[] = [];
    const err = await (async () => {
      for (let m = await c.read(); m !== null; m = await c.read()) got.push(str(m) as string);
    })().catch((e: unknown) => e);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => `r${i}`));
    expect(isStatusError(err) && err.code).toBe(Code.NOT_FOUND);
  });

  it('on a cancelled call, drops the queued messages on the server and fails its read', async () => {
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Cancelled', new Metadata());
    for (let i = 0; i < 100; i++) await c.write(text(`q${i}`));
    await vi.waitFor(() => expect(server).toBeDefined());
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.cancel(Code.CANCELLED, 'gone');
    await vi.waitFor(() => expect(server?.signal.aborted).toBe(true));
    await expect(server?.read()).rejects.toMatchObject({ code: Code.CANCELLED });
  });

  it('sends messages handed over encoded: in place, in their own buffer when large, and queued past the window', async () => {
    // An encoded message is laid out where the transport wants it; here, filled with one byte value.
    const encoded = (size: number, fill: number) => ({ byteLength: size, encodeInto: (b: Buffer, off: number) => void b.fill(fill, off, off + size) });
    const sizes = [16, 5000, 0, 100_000, 70_000, 16];
    const { conn } = await setup(async (s) => {
      await s.read();
      expect(s.writeEncoded).toBeTypeOf('function');
      // No awaits between writes: the 100 kB message outruns the 64 KiB window, so it and those after it queue.
      const written = sizes.map((n, i) => s.writeEncoded?.(encoded(n, i + 1)));
      await Promise.all(written);
      s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
    });
    const c = conn.openStream('/s/ServerStream', new Metadata());
    await c.write(text('go'));
    c.closeSend();
    const got: Uint8Array[] = [];
    for (let m = await c.read(); m !== null; m = await c.read()) got.push(m);
    expect(got.map((m) => m.length)).toEqual(sizes);
    expect(got.map((m, i) => m.every((b) => b === i + 1))).toEqual(sizes.map(() => true));
    expect((await c.status).code).toBe(Code.OK);
  });

  it('collects a client stream into one reply', async () => {
    const { conn } = await setup(async (s) => {
      let sum = 0;
      for (let m = await s.read(); m !== null; m = await s.read()) sum += Number(str(m));
      await s.write(text(String(sum)));
      s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
    });
    const c = conn.openStream('/s/ClientStream', new Metadata());
    for (let i = 1; i <= 100; i++) await c.write(text(String(i)));
    c.closeSend();
    expect(str(await c.read())).toBe('5050');
    expect(await c.read()).toBeNull();
  });

  it('echoes a bidirectional stream in lock step', async () => {
    const { conn } = await setup((s) => void echoAll(s));
    const c = conn.openStream('/s/Bidi', new Metadata());
    for (let i = 0; i < 50; i++) {
      await c.write(text(`ping${i}`));
      expect(str(await c.read())).toBe(`ping${i}`);
    }
    c.closeSend();
    expect(await c.read()).toBeNull();
  });

  it('rejects read with the StatusError of a non-OK status after earlier messages', async () => {
    const { conn } = await setup(async (s) => {
      await s.write(text('partial'));
      s.finish({ code: Code.NOT_FOUND, message: 'no such thing', metadata: new Metadata({ 'x-why': 'gone' }) });
    });
    const c = conn.openStream('/s/Fail', new Metadata());
    c.closeSend();
    expect(str(await c.read())).toBe('partial');
    const err = await c.read().catch((e: unknown) => e);
    expect(isStatusError(err) && err.code).toBe(Code.NOT_FOUND);
    expect((err as StatusError).metadata.get('x-why')).toBe('gone');
    expect((await c.status).code).toBe(Code.NOT_FOUND);
    expect((await c.headers).size).toBe(0);
  });

  it('carries the deadline to the server and ends the call with DEADLINE_EXCEEDED when it passes', async () => {
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    });
    const deadline = Date.now() + 300;
    const c = conn.openStream('/s/Slow', new Metadata(), { deadline });
    const err = await c.read().catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(Code.DEADLINE_EXCEEDED);
    expect(server?.deadline).toBeGreaterThan(deadline - 100);
    expect(server?.deadline).toBeLessThan(deadline + 100);
    await waitFor(() => server?.signal.aborted === true);
    expect((server?.signal.reason as StatusError | undefined)?.code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('aborts the server signal when the server-side deadline passes even if the client stays silent', async () => {
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Slow', new Metadata(), { deadline: Date.now() + 200 });
    await waitFor(() => server !== undefined);
    await waitFor(() => server?.signal.aborted === true);
    expect((server?.signal.reason as StatusError | undefined)?.code).toBe(Code.DEADLINE_EXCEEDED);
    expect((await c.status).code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('cancels both ways: the client sees CANCELLED and the server signal aborts', async () => {
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Cancel', new Metadata());
    await c.write(text('x'));
    await waitFor(() => server !== undefined);
    const pending = c.read();
    c.cancel();
    expect(((await pending.catch((e: unknown) => e)) as StatusError).code).toBe(Code.CANCELLED);
    await waitFor(() => server?.signal.aborted === true);
    expect((server?.signal.reason as StatusError | undefined)?.code).toBe(Code.CANCELLED);
    expect(((await server?.read().catch((e: unknown) => e)) as StatusError | undefined)?.code).toBe(Code.CANCELLED);
    expect(conn.activeStreams).toBe(0);
  });

  it('accepts a 4 MiB message and answers 4 MiB + 1 with RESOURCE_EXHAUSTED while other calls go on', async () => {
    const { conn } = await setup(async (s) => {
      let n = 0;
      try {
        for (let m = await s.read(); m !== null; m = await s.read()) n += m.length;
        await s.write(text(String(n)));
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      } catch {
        // The oversize call is already over for the server too.
      }
    });
    const big = conn.openStream('/s/Big', new Metadata());
    const bystander = conn.openStream('/s/Small', new Metadata());
    await bystander.write(text('abc'));
    await big.write(new Uint8Array(4 * 1024 * 1024));
    big.closeSend();
    expect(str(await big.read())).toBe(String(4 * 1024 * 1024));
    const tooBig = conn.openStream('/s/TooBig', new Metadata());
    void tooBig.write(new Uint8Array(4 * 1024 * 1024 + 1)).catch(() => {});
    const err = await tooBig.read().catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(Code.RESOURCE_EXHAUSTED);
    bystander.closeSend();
    expect(str(await bystander.read())).toBe('3');
    expect(conn.state).toBe('ready');
  });

  it('refuses streams beyond maxConcurrentStreams with RESOURCE_EXHAUSTED', async () => {
    const { conn } = await setup(() => {}, createTcpTransport(), 2);
    const a = conn.openStream('/s/A', new Metadata());
    const b = conn.openStream('/s/B', new Metadata());
    const c = conn.openStream('/s/C', new Metadata());
    expect(((await c.read().catch((e: unknown) => e)) as StatusError).code).toBe(Code.RESOURCE_EXHAUSTED);
    a.cancel();
    b.cancel();
  });

  it('runs 10,000 concurrent streams on one connection', async () => {
    const { conn } = await setup((s) => void echoAll(s));
    const calls = Array.from({ length: 10_000 }, async (_, i) => {
      const c = conn.openStream('/s/Echo', new Metadata());
      await c.write(text(String(i)));
      c.closeSend();
      const m = await c.read();
      expect(await c.read()).toBeNull();
      return str(m);
    });
    const out = await Promise.all(calls);
    expect(out[9999]).toBe('9999');
    expect(conn.activeStreams).toBe(0);
  });

  it('keeps a writer to a non-reading peer bounded: write() stays pending', async () => {
    const transport = createTcpTransport({ initialWindowSize: 64 * 1024 });
    let server: ServerStream | undefined;
    const { conn } = await setup((s) => {
      server = s;
    }, transport);
    const c = conn.openStream('/s/Stall', new Metadata());
    const chunk = new Uint8Array(1024);
    let accepted = 0;
    for (;;) {
      const w = c.write(chunk).then(() => true);
      const done = await Promise.race([w, new Promise<false>((r) => setTimeout(() => r(false), 100))]);
      if (!done) break;
      accepted++;
      expect(accepted).toBeLessThan(1000);
    }
    // 64 KiB of window holds 63 frames of 1034 bytes; the 64th waits.
    expect(accepted).toBeGreaterThanOrEqual(60);
    expect(accepted).toBeLessThanOrEqual(64);
    // Reading on the server returns credit and lets the writer go on.
    for (let i = 0; i < 40; i++) await server?.read();
    const more = await Promise.race([c.write(chunk).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2000))]);
    expect(more).toBe(true);
    c.cancel();
  });

  it('fails the call with UNAVAILABLE when openStream is used on a closed connection', async () => {
    const { conn } = await setup(() => {});
    await conn.close(0);
    expect(conn.state).toBe('closed');
    const c = conn.openStream('/s/X', new Metadata());
    expect(((await c.read().catch((e: unknown) => e)) as StatusError).code).toBe(Code.UNAVAILABLE);
    expect((await c.status).code).toBe(Code.UNAVAILABLE);
  });

  it('lets open calls finish on Listener.close(grace) and refuses new ones', async () => {
    let server: ServerStream | undefined;
    const { listener, conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Drain', new Metadata());
    await waitFor(() => server !== undefined);
    const closing = listener.close(5000);
    await waitFor(() => conn.state === 'closing');
    const late = conn.openStream('/s/Late', new Metadata());
    expect(((await late.read().catch((e: unknown) => e)) as StatusError).code).toBe(Code.UNAVAILABLE);
    await server?.write(text('last'));
    server?.finish({ code: Code.OK, message: '', metadata: new Metadata() });
    expect(str(await c.read())).toBe('last');
    expect(await c.read()).toBeNull();
    await closing;
    await conn.closed;
    expect(conn.state).toBe('closed');
  });

  it('resets calls still open after the grace period with UNAVAILABLE', async () => {
    let server: ServerStream | undefined;
    const { listener, conn } = await setup((s) => {
      server = s;
    });
    const c = conn.openStream('/s/Stuck', new Metadata());
    await waitFor(() => server !== undefined);
    await listener.close(50);
    expect(((await c.read().catch((e: unknown) => e)) as StatusError).code).toBe(Code.UNAVAILABLE);
    expect((server?.signal.reason as StatusError | undefined)?.code).toBe(Code.UNAVAILABLE);
    expect(listener.connections).toBe(0);
  });

  it('fails dial with UNAVAILABLE when nothing listens', async () => {
    const transport = createTcpTransport();
    const l = await transport.listen('127.0.0.1:0', { onStream: () => {} });
    const addr = l.address;
    await l.close();
    const err = await transport.dial(addr).catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(Code.UNAVAILABLE);
  });
});

/** waitFor polls a condition with a generous bound. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
