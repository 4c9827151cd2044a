import { setTimeout as sleep } from 'node:timers/promises';
import { Code, codeName, type Interceptor, isMicroError, Metadata } from '@tsmicro/core';
import { transportByName, type TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { scaled } from '../hardening/support/hardening-scale.js';
import { failure } from '../support/failure.js';
import { type Served, serve } from '../support/serve.js';
import { Probe } from './conformance-greeter.js';
import { CountingGreeter, gate, Recorder, type Seen, stamp } from './interceptor-greeter.js';

/** seenBy waits until the recorder has the tagged call's end. */
async function seenBy(recorder: Recorder, tag: string, timeoutMs = 10_000): Promise<Seen> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const seen = recorder.seen.get(tag);
    if (seen) return seen;
    await sleep(10);
  }
  throw new Error(`no end recorded for ${tag}`);
}

let tags = 0;
const tag = (what: string) => `${what}-${++tags}`;
const tagged = (t: string, extra: Record<string, string> = {}) => ({ metadata: new Metadata({ 'x-tag': t, ...extra }) });

// Heap growth allowed while a million messages pass: far below what keeping
// them would take (a million decoded messages hold well over 100 MB).
const HEAP_BOUND = 64 * 1024 * 1024;

/**
 * interceptorSuite is what DESIGN.md promises of interceptors, run unchanged
 * on each transport: metadata both ways, rejection before the handler,
 * throws as statuses, every message seen without buffering, the final status
 * of every kind, and client interceptors that retry or answer themselves.
 */
export function interceptorSuite(transport: TransportName): void {
  const probe = new Probe();
  const handler = new CountingGreeter(probe);
  const onServer = new Recorder();
  const onClient = new Recorder();
  let served: Served;
  beforeAll(async () => {
    served = await serve(transport, [handler], {
      interceptors: [onServer, gate()],
      clientInterceptors: [onClient, stamp],
    });
  });
  afterAll(() => served.close());
  const client = () => served.client;

  describe('metadata', () => {
    it('reads and adds request headers and adds response headers and trailers on a unary call', async () => {
      let header = new Metadata();
      let trailer = new Metadata();
      await client().call('greeter', m.sayHello, { name: 'meta' }, {
        metadata: { 'x-set-trace': '1' },
        onHeader: (md) => (header = md),
        onTrailer: (md) => (trailer = md),
      });
      // x-added came from the client interceptor, x-seen and x-checked from the server's.
      expect(header.get('x-seen')).toBe('client');
      expect(header.get('x-trace-id')).toBe('set-by-interceptor');
      expect(trailer.get('x-checked')).toBe('yes');
    });

    it('adds response headers and trailers on every stream kind', async () => {
      const ss = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: 1 });
      for await (const _ of ss);
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream);
      await cs.send({ data: 'x', count: 0 });
      await cs.closeAndRecv();
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream);
      bidi.closeSend();
      await bidi.recv().catch(() => undefined);
      for (const s of [ss, cs, bidi]) {
        expect((await s.header()).get('x-seen')).toBe('client');
        expect((await s.trailer()).get('x-checked')).toBe('yes');
      }
    });
  });

  describe('rejection before the handler', () => {
    it('answers UNAUTHENTICATED on every kind without calling the handler or reading a request', async () => {
      const before = handler.calls;
      const deny = (t: string) => tagged(t, { 'x-deny': '1' });
      const unary = tag('deny-unary');
      expect((await failure(client().call('greeter', m.sayHello, { name: 'x' }, deny(unary)))).code).toBe(Code.UNAUTHENTICATED);
      const server = tag('deny-server');
      const ss = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: 3 }, deny(server));
      expect((await failure(ss.recv())).code).toBe(Code.UNAUTHENTICATED);
      const upload = tag('deny-client');
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream, deny(upload));
      await cs.send({ data: 'x', count: 0 }).catch(() => undefined);
      expect((await failure(cs.closeAndRecv())).code).toBe(Code.UNAUTHENTICATED);
      const chat = tag('deny-bidi');
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, deny(chat));
      await bidi.send({ data: 'x', count: 0 }).catch(() => undefined);
      expect((await failure(bidi.recv())).code).toBe(Code.UNAUTHENTICATED);
      for (const t of [unary, server, upload, chat]) {
        const seen = await seenBy(onServer, t);
        expect([t, codeName(seen.end.code), seen.requests]).toEqual([t, 'UNAUTHENTICATED', 0]);
      }
      expect(handler.calls).toBe(before);
    });

    it('ends the call with the status of a rejected message', async () => {
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream);
      await cs.send({ data: 'fine', count: 0 });
      await cs.send({ data: 'forbidden', count: 0 }).catch(() => undefined);
      expect((await failure(cs.closeAndRecv())).code).toBe(Code.PERMISSION_DENIED);
    });

    it('turns a plain throw into UNKNOWN without its detail or stack, and serves the next call', async () => {
      // What reached the caller: the status message and every trailer.
      const wire = (e: Awaited<ReturnType<typeof failure>>) => JSON.stringify([e.message, e.metadata.toJSON()]);
      const thrown = await failure(client().call('greeter', m.sayHello, { name: 'x' }, { metadata: { 'x-throw': '1' } }));
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream);
      await bidi.send({ data: 'crash', count: 0 }).catch(() => undefined);
      const hooked = await failure(bidi.recv());
      for (const err of [thrown, hooked]) {
        expect(codeName(err.code)).toBe('UNKNOWN');
        expect(wire(err)).not.toMatch(/secret|\bat .*:\d+:\d+/);
      }
      expect(await client().call('greeter', m.sayHello, { name: 'again' })).toEqual({ message: 'Hello again' });
    });
  });

  describe('messages', () => {
    it('passes messages through the layers as an onion: requests outermost first, replies innermost first', async () => {
      const order: string[] = [];
      const layer =
        (name: string): Interceptor =>
        (next) =>
        async (call) => {
          order.push(`${name} in`);
          call.onRequestMessage((msg) => ({ ...(msg as Req), data: `${(msg as Req).data}>${name}` }));
          call.onResponseMessage((msg) => ({ ...(msg as Res), data: `${(msg as Res).data}<${name}` }));
          const stream = await next(call);
          order.push(`${name} out`);
          return stream;
        };
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, { interceptors: [layer('a'), layer('b')] });
      await bidi.send({ data: 'm', count: 0 });
      expect((await bidi.recv()).data).toBe('echo:m>a>b<b<a');
      bidi.closeSend();
      await bidi.recv().catch(() => undefined);
      expect(order).toEqual(['a in', 'b in', 'b out', 'a out']);
    });

    it('transforms each reply of a stream', async () => {
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, { metadata: { 'x-shout': '1' } });
      await bidi.send({ data: 'hi', count: 0 });
      expect((await bidi.recv()).data).toBe('ECHO:HI');
      bidi.closeSend();
      await bidi.recv().catch(() => undefined);
    });

    it('loses no message of a client stream behind a slow async interceptor', async () => {
      const t = tag('slow');
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream, tagged(t, { 'x-slow': '300' }));
      for (let i = 0; i < 200; i++) await cs.send({ data: `m${i}`, count: i });
      expect(await cs.closeAndRecv()).toEqual({ data: 'm199', index: 200 });
      expect((await seenBy(onServer, t)).requests).toBe(200);
    });

    // A million messages each way over tcp and memory; grpc-js moves a message
    // several times slower, so in `npm test` it gets a hundred thousand to keep
    // the run short, and the million under `npm run test:hardening`.
    const many = transport === 'grpc' ? scaled(100_000, 1_000_000) : 1_000_000;
    const payload = 'p'.repeat(100);

    it(`observes every message of a ${many}-message client stream with bounded memory`, async () => {
      const t = tag('many-up');
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream, tagged(t));
      for (let i = 0; i < many; i++) {
        await cs.send({ data: payload, count: i });
        if (i % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      expect((await cs.closeAndRecv()).index).toBe(many);
      const [server, caller] = [await seenBy(onServer, t), await seenBy(onClient, t)];
      expect([server.requests, server.responses, caller.requests, caller.responses]).toEqual([many, 1, many, 1]);
      expect(peak).toBeLessThan(HEAP_BOUND);
    }, 600_000);

    it(`observes every message of a ${many}-message server stream with bounded memory`, async () => {
      const t = tag('many-down');
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      let got = 0;
      const ss = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: payload, count: many }, tagged(t));
      for await (const _ of ss) {
        if (got++ % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      expect(got).toBe(many);
      const [server, caller] = [await seenBy(onServer, t), await seenBy(onClient, t)];
      expect([server.requests, server.responses, caller.requests, caller.responses]).toEqual([1, many, 1, many]);
      expect(peak).toBeLessThan(HEAP_BOUND);
    }, 600_000);
  });

  describe('final status', () => {
    it('is OK for every kind that ends well, on both sides', async () => {
      const t = { unary: tag('ok-unary'), server: tag('ok-server'), client: tag('ok-client'), bidi: tag('ok-bidi') };
      await client().call('greeter', m.sayHello, { name: 'x' }, tagged(t.unary));
      for await (const _ of await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: 2 }, tagged(t.server)));
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream, tagged(t.client));
      await cs.send({ data: 'x', count: 0 });
      await cs.closeAndRecv();
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, tagged(t.bidi));
      await bidi.send({ data: 'x', count: 0 });
      await bidi.recv();
      bidi.closeSend();
      await bidi.recv().catch(() => undefined);
      for (const each of Object.values(t)) {
        const [server, caller] = [await seenBy(onServer, each), await seenBy(onClient, each)];
        expect([each, server.end.code, caller.end.code]).toEqual([each, Code.OK, Code.OK]);
        // The server's hooks saw every message, the unary request a transport hands over with its call included.
        expect([each, server.requests, server.responses]).toEqual([each, 1, each === t.server ? 2 : 1]);
        expect(caller.node).toBe(served.address);
        expect(caller.end.trailer.get('x-checked')).toBe('yes');
        expect([server.end.header.get('x-seen'), caller.end.header.get('x-seen')]).toEqual(['client', 'client']);
        expect([server.aborted, caller.aborted]).toEqual([false, false]);
      }
    });

    it('is INVALID_ARGUMENT for a unary request that does not decode: the handler never runs, the server interceptors hear it, the connection serves on', async () => {
      const t = tag('malformed');
      const before = handler.calls;
      const conn = await transportByName(served.transport).dial(served.address);
      try {
        // Written and half-closed at once, so a transport may hand the request over with the call.
        const bad = conn.openStream(m.sayHello.path, new Metadata({ 'x-tag': t }), { kind: 'unary' });
        await bad.write(new Uint8Array([0xff, 0xff, 0xff]));
        bad.closeSend();
        expect(codeName((await bad.status).code)).toBe('INVALID_ARGUMENT');
        expect(codeName((await seenBy(onServer, t)).end.code)).toBe('INVALID_ARGUMENT');
        expect(handler.calls).toBe(before);
        const good = conn.openStream(m.sayHello.path, new Metadata(), { kind: 'unary' });
        await good.write(m.sayHello.requestType.encode({ name: 'ok' }));
        good.closeSend();
        const bytes = await good.read();
        expect(bytes && m.sayHello.responseType.decode(bytes)).toEqual({ message: 'Hello ok' });
      } finally {
        await conn.close(0);
      }
    });

    it('is CANCELLED on both sides when the caller cancels a unary call or closes a stream', async () => {
      const unary = tag('cancel-unary');
      const abort = new AbortController();
      const call = client().call('greeter', m.sayHello, { name: `hang:${unary}` }, { ...tagged(unary), signal: abort.signal });
      await sleep(100);
      abort.abort();
      expect((await failure(call)).code).toBe(Code.CANCELLED);
      const chat = tag('cancel-bidi');
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, tagged(chat));
      await bidi.send({ data: `hang:${chat}`, count: 0 });
      await bidi.recv();
      bidi.close();
      for (const t of [unary, chat]) {
        await probe.aborted(t);
        expect([t, codeName((await seenBy(onServer, t)).end.code), codeName((await seenBy(onClient, t)).end.code)]).toEqual([
          t,
          'CANCELLED',
          'CANCELLED',
        ]);
      }
    });

    // CANCELLED by a signal, DEADLINE_EXCEEDED and a peer process dying, for every kind: end-status-suite.ts.
  });

  describe('client interceptors', () => {
    it('retries a unary call the server refused, on the same node', async () => {
      const t = tag('retry');
      const nodes: string[] = [];
      const retry: Interceptor = (next) => async (call) => {
        if (call.side === 'client') nodes.push(call.node.address);
        try {
          return await next(call);
        } catch (err) {
          if (!isMicroError(err) || err.code !== Code.ABORTED) throw err;
          return next(call);
        }
      };
      const reply = await client().call('greeter', m.sayHello, { name: 'twice' }, { ...tagged(t, { 'x-flaky': t }), interceptors: [retry] });
      expect(reply).toEqual({ message: 'Hello twice' });
      expect(nodes).toEqual([served.address]);
      expect((await seenBy(onClient, t)).end.code).toBe(Code.OK);
    });

    it('keeps the hooks of outer layers through a retry, and gives each pass of the inner ones its own end', async () => {
      const t = tag('retry-hooks');
      const outer: string[] = [];
      const inner: string[] = [];
      // Registers after next was called, as an interceptor timing the wire would.
      const late: Interceptor = (next) => (call) => {
        const result = next(call);
        call.onResponseMessage((msg) => void outer.push(`reply ${(msg as { message: string }).message}`));
        call.onEnd((end) => outer.push(`end ${codeName(end.code)}`));
        return result;
      };
      const retry: Interceptor = (next) => async (call) => {
        try {
          return await next(call);
        } catch (err) {
          if (!isMicroError(err) || err.code !== Code.ABORTED) throw err;
          return next(call);
        }
      };
      const counting: Interceptor = (next) => (call) => {
        call.onResponseMessage(() => void inner.push('reply'));
        call.onEnd((end) => inner.push(`end ${codeName(end.code)}`));
        return next(call);
      };
      const reply = await client().call('greeter', m.sayHello, { name: 'again' }, {
        ...tagged(t, { 'x-flaky': t }),
        interceptors: [late, retry, counting],
      });
      expect(reply).toEqual({ message: 'Hello again' });
      expect(outer).toEqual(['reply Hello again', 'end OK']);
      expect(inner).toEqual(['end ABORTED', 'reply', 'end OK']);
      expect(codeName((await seenBy(onClient, t)).end.code)).toBe('OK');
    });

    it('short-circuits a unary call: nothing reaches the server', async () => {
      const t = tag('short');
      const before = handler.calls;
      const cached: Interceptor = () => async () => ({ message: 'from cache' });
      const reply = await client().call('greeter', m.sayHello, { name: 'x' }, { ...tagged(t), interceptors: [cached] });
      expect(reply).toEqual({ message: 'from cache' });
      expect(handler.calls).toBe(before);
      expect((await seenBy(onClient, t)).end.code).toBe(Code.OK);
      expect(onServer.seen.has(t)).toBe(false);
    });
  });
}
