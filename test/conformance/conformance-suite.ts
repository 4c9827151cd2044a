import { setTimeout as sleep } from 'node:timers/promises';
import { Code, codeName, isEOF, isMicroError, Metadata } from '@tsmicro/core';
import { transportByName, type TransportName } from '@tsmicro/core/plugin';
import { isStatusError } from '@tsmicro/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { closedPort } from '../support/closed-port.js';
import { failure } from '../support/failure.js';
import { spawnPeer } from '../support/peer-process.js';
import { type Served, serve } from '../support/serve.js';
import { ConformanceGreeter, Probe } from './conformance-greeter.js';

const MAX = 4 * 1024 * 1024;

/** outcome is "OK" for a call that resolved, else the code name it failed with. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (isMicroError(err) || isStatusError(err)) return codeName(err.code);
    throw err;
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

let tags = 0;
const tag = (what: string) => `${what}-${++tags}`;

/**
 * conformanceSuite is every behaviour DESIGN.md promises of a transport,
 * written once over the public API; test/conformance runs it unchanged on
 * each transport, and over the in-process route between two services of one process.
 */
export function conformanceSuite(transport: TransportName | 'in-process'): void {
  const probe = new Probe();
  let served: Served;
  beforeAll(async () => {
    served = await serve(transport, [new ConformanceGreeter(probe)]);
  });
  afterAll(() => served.close());
  const client = () => served.client;

  describe('call kinds', () => {
    it('answers a unary call', async () => {
      expect(await client().call('greeter', m.sayHello, { name: 'jeff' })).toEqual({ message: 'Hello jeff' });
    });

    it('streams every reply of a server-streaming call, then EOF', async () => {
      const s = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'tick', count: 5 });
      const got: Res[] = [];
      for await (const r of s) got.push(r);
      expect(got.map((r) => r.data)).toEqual(['tick:0', 'tick:1', 'tick:2', 'tick:3', 'tick:4']);
      expect(isEOF(await s.recv().catch((e: unknown) => e))).toBe(true);
    });

    it('collects a client stream into one reply', async () => {
      const s = await client().clientStream<Req, Res>('greeter', m.clientStream);
      for (const d of ['a', 'b', 'c']) await s.send({ data: d, count: 0 });
      expect(await s.closeAndRecv()).toEqual({ data: 'a,b,c', index: 3 });
    });

    it('echoes each bidirectional message as it arrives and ends at half-close', async () => {
      const s = await client().bidiStream<Req, Res>('greeter', m.allStream);
      for (let i = 0; i < 3; i++) {
        await s.send({ data: `m${i}`, count: i });
        expect(await s.recv()).toEqual({ data: `echo:m${i}`, index: i });
      }
      s.closeSend();
      expect(isEOF(await s.recv().catch((e: unknown) => e))).toBe(true);
    });
  });

  describe('metadata', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const metadata = () => new Metadata({ 'x-trace-id': 'abc', 'x-trace-bin': bytes });

    it('carries request headers to a unary handler and its headers and trailers back, -bin values as bytes', async () => {
      let header = new Metadata();
      let trailer = new Metadata();
      await client().call('greeter', m.sayHello, { name: 'meta' }, {
        metadata: metadata(),
        onHeader: (md) => (header = md),
        onTrailer: (md) => (trailer = md),
      });
      expect(header.get('x-trace-id')).toBe('abc');
      expect(trailer.get('x-trace-id')).toBe('abc-end');
      expect(Buffer.from(header.get('x-trace-bin') as Uint8Array)).toEqual(Buffer.from(bytes));
      expect(Buffer.from(trailer.get('x-trace-bin') as Uint8Array)).toEqual(Buffer.from(bytes));
    });

    it('carries headers and trailers on every stream kind', async () => {
      const server = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'meta', count: 1 }, { metadata: metadata() });
      for await (const _ of server);
      const cs = await client().clientStream<Req, Res>('greeter', m.clientStream, { metadata: metadata() });
      await cs.send({ data: 'meta', count: 0 });
      await cs.closeAndRecv();
      const bidi = await client().bidiStream<Req, Res>('greeter', m.allStream, { metadata: metadata() });
      await bidi.send({ data: 'meta', count: 0 });
      await bidi.recv();
      bidi.closeSend();
      await bidi.recv().catch(() => undefined);
      for (const s of [server, cs, bidi]) {
        expect((await s.header()).get('x-trace-id')).toBe('abc');
        const trailer = await s.trailer();
        expect(trailer.get('x-trace-id')).toBe('abc-end');
        expect(Buffer.from(trailer.get('x-trace-bin') as Uint8Array)).toEqual(Buffer.from(bytes));
      }
    });
  });

  describe('deadlines', () => {
    it('fails a call past its deadline with DEADLINE_EXCEEDED and aborts the handler', async () => {
      const t = tag('deadline');
      const err = await failure(client().call('greeter', m.sayHello, { name: `hang:${t}` }, { timeout: 150 }));
      expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
      // The same words on every transport: no transport's internals.
      expect(err.detail).toBe('deadline exceeded');
      const reason = await probe.aborted(t);
      expect(isMicroError(reason) && [Code.DEADLINE_EXCEEDED, Code.CANCELLED].includes(reason.code)).toBe(true);
    });

    it('gives the handler the caller deadline', async () => {
      const deadline = Date.now() + 5_000;
      const reply = await client().call('greeter', m.sayHello, { name: 'deadline' }, { deadline });
      expect(Math.abs(Number(reply.message) - deadline)).toBeLessThan(1_000);
    });

    it('ends the call with DEADLINE_EXCEEDED from the server when no client timer does', async () => {
      // A bare transport stream has no client-side timer: the status comes from the server's own.
      const t = tag('server-deadline');
      const conn = await transportByName(served.transport).dial(served.address);
      try {
        const stream = conn.openStream(m.sayHello.path, new Metadata(), { deadline: Date.now() + 150 });
        await stream.write(m.sayHello.requestType.encode({ name: `hang:${t}` }));
        stream.closeSend();
        const status = await stream.status;
        expect(codeName(status.code)).toBe('DEADLINE_EXCEEDED');
        expect(status.message).toBe('deadline exceeded');
        // grpc-js keeps a deadline timer of its own on the client, whose reset may reach the handler first.
        const reason = await probe.aborted(t);
        expect(isMicroError(reason) && [Code.DEADLINE_EXCEEDED, Code.CANCELLED].includes(reason.code)).toBe(true);
      } finally {
        await conn.close(0);
      }
    });

    it('fails a stream past its deadline with DEADLINE_EXCEEDED', async () => {
      const t = tag('stream-deadline');
      const s = await client().bidiStream<Req, Res>('greeter', m.allStream, { timeout: 200 });
      await s.send({ data: `hang:${t}`, count: 0 });
      await s.recv();
      const err = await failure(s.recv());
      expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(err.detail).toBe('deadline exceeded');
      await probe.aborted(t);
    });
  });

  describe('cancellation', () => {
    it('reaches the handler ctx.signal when the caller aborts a unary call', async () => {
      const t = tag('abort-unary');
      const abort = new AbortController();
      const call = client().call('greeter', m.sayHello, { name: `hang:${t}` }, { signal: abort.signal });
      await sleep(100);
      abort.abort();
      const err = await failure(call);
      expect(err.code).toBe(Code.CANCELLED);
      expect(err.detail).toBe('call cancelled by the client');
      await probe.aborted(t);
    });

    it('keeps the abort reason in the error, for a call under way and for one not yet started', async () => {
      const t = tag('abort-reason');
      const abort = new AbortController();
      const call = client().call('greeter', m.sayHello, { name: `hang:${t}` }, { signal: abort.signal });
      await sleep(100);
      abort.abort(new Error('user gave up'));
      const err = await failure(call);
      expect(err.code).toBe(Code.CANCELLED);
      expect(err.detail).toBe('call cancelled by the client: user gave up');
      await probe.aborted(t);
      const early = await failure(client().call('greeter', m.sayHello, { name: 'x' }, { signal: abort.signal }));
      expect([early.code, early.detail]).toEqual([Code.CANCELLED, 'call cancelled by the client: user gave up']);
    });

    it('reaches the handler ctx.signal when the caller aborts a stream', async () => {
      const t = tag('abort-bidi');
      const abort = new AbortController();
      const s = await client().bidiStream<Req, Res>('greeter', m.allStream, { signal: abort.signal });
      await s.send({ data: `hang:${t}`, count: 0 });
      await s.recv();
      abort.abort('closing the tab');
      const err = await failure(s.recv());
      expect([err.code, err.detail]).toEqual([Code.CANCELLED, 'call cancelled by the client: closing the tab']);
      await probe.aborted(t);
    });

    it('cancels the call and frees its pooled slot when the caller breaks out of for await', async () => {
      const leases = () => Object.values(served.pool.stats()).reduce((n, a) => n + a.connections.reduce((k, c) => k + c.leases, 0), 0);
      const before = leases();
      const t = tag('break-server');
      const ticker = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: `hang:${t}`, count: 0 });
      const u = tag('break-bidi');
      const chat = await client().bidiStream<Req, Res>('greeter', m.allStream);
      await chat.send({ data: `hang:${u}`, count: 0 });
      expect(leases()).toBe(before + 2);
      for await (const msg of ticker) {
        expect(msg.data).toBe('started');
        break;
      }
      for await (const msg of chat) {
        expect(msg.data).toBe(`echo:hang:${u}`);
        break;
      }
      await probe.aborted(t);
      await probe.aborted(u);
      expect(await until(() => leases() === before)).toBe(true);
      const err = await failure(ticker.recv());
      expect([err.code, err.detail]).toEqual([Code.CANCELLED, 'stream closed by the client']);
    });

    it('refuses a send after closeSend() with FAILED_PRECONDITION, which is not retried', async () => {
      const chat = await client().bidiStream<Req, Res>('greeter', m.allStream);
      await chat.send({ data: 'one', count: 0 });
      chat.closeSend();
      const err = await failure(chat.send({ data: 'two', count: 0 }));
      expect([err.code, err.detail]).toEqual([Code.FAILED_PRECONDITION, 'write() after closeSend()']);
      expect((await chat.recv()).data).toBe('echo:one');
    });

    it('reaches the handler ctx.signal when the caller closes a server stream', async () => {
      const t = tag('close');
      const s = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: `hang:${t}`, count: 0 });
      await s.recv();
      s.close();
      await probe.aborted(t);
      expect(await until(() => served.server.stats().activeStreams === 0)).toBe(true);
    });
  });

  describe('errors', () => {
    it('says once which address it could not connect to', async () => {
      const address = transport === 'memory' ? 'nowhere:1' : `127.0.0.1:${await closedPort()}`;
      const err = await failure(client().call('greeter', m.sayHello, { name: 'x' }, { address, retries: 0 }));
      expect(err.code).toBe(Code.UNAVAILABLE);
      expect(err.detail.startsWith(`cannot connect to ${address}: `)).toBe(true);
      expect(err.detail.indexOf('cannot connect to', 1)).toBe(-1);
    });

    it('round-trips a MicroError code, detail and trailers', async () => {
      const err = await failure(client().call('greeter', m.sayHello, { name: 'error' }));
      expect(err.code).toBe(Code.NOT_FOUND);
      expect(err.detail).toBe('no greeting for "error"');
      expect(err.metadata.get('x-why')).toBe('asked for it');
    });

    it('answers an unknown method with UNIMPLEMENTED', async () => {
      const unknown = { ...m.sayHello, path: '/greeter.Greeter/NoSuchMethod', name: 'NoSuchMethod' };
      expect((await failure(client().call('greeter', unknown, { name: 'x' }))).code).toBe(Code.UNIMPLEMENTED);
    });

    it('turns a plain thrown Error into UNKNOWN without its message or stack', async () => {
      const err = await failure(client().call('greeter', m.sayHello, { name: 'throw' }));
      expect(err.code).toBe(Code.UNKNOWN);
      expect(err.detail).not.toMatch(/secret|\bat |\.ts:\d/);
    });
  });

  describe('message size', () => {
    // proto: 1 tag byte + 4 length bytes before a string field of this size.
    const under = MAX - 5 - 64;

    it('passes a request and a reply just under 4 MiB', async () => {
      const name = `echo:${'z'.repeat(under - 5)}`;
      const reply = await client().call('greeter', m.sayHello, { name });
      expect(reply.message.length).toBe(under - 5);
    });

    it('refuses an oversize request or reply with RESOURCE_EXHAUSTED and leaves other calls alone', async () => {
      const bystander = await client().bidiStream<Req, Res>('greeter', m.allStream);
      await bystander.send({ data: 'before', count: 0 });
      await bystander.recv();
      const [big, bigReply, small] = await Promise.all([
        outcome(client().call('greeter', m.sayHello, { name: `echo:${'z'.repeat(MAX)}` })),
        outcome(client().call('greeter', m.sayHello, { name: `grow:${MAX + 16}` })),
        outcome(client().call('greeter', m.sayHello, { name: 'small' })),
      ]);
      expect({ big, bigReply, small }).toEqual({ big: 'RESOURCE_EXHAUSTED', bigReply: 'RESOURCE_EXHAUSTED', small: 'OK' });
      await bystander.send({ data: 'after', count: 0 });
      expect((await bystander.recv()).data).toBe('echo:after');
      bystander.closeSend();
      expect(await client().call('greeter', m.sayHello, { name: 'after' })).toEqual({ message: 'Hello after' });
    });
  });

  describe('malformed payload', () => {
    it('fails only that call with INVALID_ARGUMENT', async () => {
      const conn = await transportByName(served.transport).dial(served.address);
      try {
        const bad = conn.openStream(m.sayHello.path, new Metadata());
        await bad.write(new Uint8Array([0xff, 0xff, 0xff]));
        bad.closeSend();
        const status = await bad.status;
        expect(codeName(status.code)).toBe('INVALID_ARGUMENT');
        await expect(bad.read()).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
        // The same connection still serves a good call.
        const good = conn.openStream(m.sayHello.path, new Metadata());
        await good.write(m.sayHello.requestType.encode({ name: 'ok' }));
        good.closeSend();
        const bytes = await good.read();
        expect(bytes && m.sayHello.responseType.decode(bytes)).toEqual({ message: 'Hello ok' });
      } finally {
        await conn.close(0);
      }
      expect(await client().call('greeter', m.sayHello, { name: 'still' })).toEqual({ message: 'Hello still' });
    });
  });

  describe('json codec', () => {
    it('serves unary and bidirectional calls encoded as json', async () => {
      expect(await client().call('greeter', m.sayHello, { name: 'json' }, { codec: 'json' })).toEqual({ message: 'Hello json' });
      const s = await client().bidiStream<Req, Res>('greeter', m.allStream, { codec: 'json' });
      await s.send({ data: 'j', count: 7 });
      expect(await s.recv()).toEqual({ data: 'echo:j', index: 7 });
      s.closeSend();
    });
  });

  describe('backpressure', () => {
    it('keeps a server stream send() pending while the client does not read, then drains', async () => {
      const s = await client().serverStream<Req, Res>('greeter', m.serverStream, { data: 'flood', count: 0 });
      try {
        await sleep(500);
        const stalled = probe.sent;
        await sleep(300);
        const later = probe.sent;
        // 16 KiB messages: what the flow-control windows and socket buffers hold, not an endless queue.
        expect(stalled * 16 * 1024).toBeLessThan(64 * 1024 * 1024);
        expect(later - stalled).toBeLessThanOrEqual(2);
        for (let i = 0; i < stalled + 50; i++) await s.recv();
        expect(probe.sent).toBeGreaterThan(later + 40);
      } finally {
        s.close();
      }
    });
  });

  describe('many streams', () => {
    it('holds 10,000 bidirectional streams open at once on one pooled connection', async () => {
      const N = 10_000;
      const streams = await Promise.all(Array.from({ length: N }, () => client().bidiStream<Req, Res>('greeter', m.allStream)));
      const replies = await Promise.all(
        streams.map(async (s, i) => {
          await s.send({ data: String(i), count: i });
          return s.recv();
        }),
      );
      expect(replies.every((r, i) => r.data === `echo:${i}` && r.index === i)).toBe(true);
      expect(served.server.stats().activeStreams).toBeGreaterThanOrEqual(N);
      expect(served.server.stats().connections).toBe(1);
      const pooled = Object.values(served.pool.stats()).flatMap((a) => a.connections);
      expect(pooled.length).toBe(1);
      for (const s of streams) s.closeSend();
      const ends = await Promise.all(streams.map((s) => s.recv().then(() => 'message', (e: unknown) => (isEOF(e) ? 'EOF' : String(e)))));
      expect(ends.filter((e) => e !== 'EOF')).toEqual([]);
      expect(await until(() => served.server.stats().activeStreams === 0)).toBe(true);
      expect(served.server.stats().connections).toBe(1);
    }, 120_000);
  });

  // Another process cannot reach the memory transport: these run over sockets only.
  describe.skipIf(transport === 'memory' || transport === 'in-process')('peer killed mid-stream', () => {
    it('fails the client recv() with UNAVAILABLE when the server process dies', async () => {
      const peer = await spawnPeer('peer-server.mjs', [transport], /LISTENING (\S+)/);
      try {
        const address = (/LISTENING (\S+)/.exec(peer.line) as RegExpExecArray)[1] as string;
        const s = await client().bidiStream<Req, Res>('greeter', m.allStream, { address });
        await s.send({ data: 'hi', count: 0 });
        expect((await s.recv()).data).toBe('echo:hi');
        const pending = failure(s.recv());
        await peer.kill();
        expect((await pending).code).toBe(Code.UNAVAILABLE);
      } finally {
        await peer.kill();
      }
    });

    it('aborts the handler ctx.signal and frees the stream when the client process dies', async () => {
      const t = tag('client-killed');
      const peer = await spawnPeer('peer-client.mjs', [transport, served.address, `hang:${t}`], /STREAMING/);
      try {
        expect(served.server.stats().activeStreams).toBeGreaterThanOrEqual(1);
        await peer.kill();
        const reason = await probe.aborted(t);
        expect(isMicroError(reason)).toBe(true);
        expect(await until(() => served.server.stats().activeStreams === 0)).toBe(true);
      } finally {
        await peer.kill();
      }
    });
  });
}
