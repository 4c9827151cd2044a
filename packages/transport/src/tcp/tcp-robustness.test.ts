import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import type { StatusError } from '../status-error.js';
import type { Connection, Listener, ServerStream } from '../transport.js';
import { Flag, FrameType, GoawayCode, NO_TIMEOUT, decodeGoawayPayload, encodeCodeMessage, encodeFrame, encodeHeadersPayload, encodeWindowUpdate } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { encodeMetadata } from './metadata-codec.js';
import { DEFAULT_SETTINGS, type Settings, decodePreface, encodePreface } from './preface.js';
import { createTcpTransport } from './tcp-transport.js';

/** RawPeer is a hand-driven client socket that has done the handshake. */
interface RawPeer {
  socket: net.Socket;
  frames: [number, number, number, Buffer][];
  closed: Promise<void>;
}

async function rawPeer(address: string, settings: Settings = DEFAULT_SETTINGS): Promise<RawPeer> {
  const [host, port] = address.split(':') as [string, string];
  const socket = net.connect({ host, port: Number(port) });
  socket.on('error', () => {});
  const frames: RawPeer['frames'] = [];
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  let buf = Buffer.alloc(0);
  let parser: FrameParser | undefined;
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (parser !== undefined) {
        parser.push(chunk);
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      const p = decodePreface(buf);
      if (p === null) return;
      parser = new FrameParser(1 << 24, (id, type, flags, bytes, start, end) => frames.push([id, type, flags, Buffer.from(bytes.subarray(start, end))]));
      parser.push(buf.subarray(p.length));
      resolve();
    });
    socket.write(encodePreface(settings));
  });
  return { socket, frames, closed };
}

function headers(id: number, method = '/s/Echo'): Buffer {
  return encodeFrame(id, FrameType.HEADERS, 0, encodeHeadersPayload(NO_TIMEOUT, method, '', encodeMetadata(new Metadata())));
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TcpServerSession', () => {
  let listener: Listener;
  let good: Connection;

  beforeAll(async () => {
    const t = createTcpTransport({ maxFrameSize: 64 * 1024 });
    listener = await t.listen('127.0.0.1:0', {
      onStream: async (s: ServerStream) => {
        try {
          for (let m = await s.read(); m !== null; m = await s.read()) await s.write(m);
          s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
        } catch {
          // Streams of broken connections die; that is what these tests provoke.
        }
      },
    });
    good = await t.dial(listener.address);
  });

  afterAll(async () => {
    await good.close(0);
    await listener.close(0);
  });

  async function goodCallWorks(): Promise<void> {
    const c = good.openStream('/s/Echo', new Metadata());
    await c.write(Buffer.from('still here'));
    c.closeSend();
    expect(Buffer.from((await c.read()) as Uint8Array).toString()).toBe('still here');
  }

  it('survives random bytes after the handshake while another connection keeps working (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const p = await rawPeer(listener.address);
        p.socket.write(bytes);
        await new Promise((r) => setTimeout(r, 5));
        p.socket.destroy();
        await p.closed;
        await goodCallWorks();
      }),
      { numRuns: 40 },
    );
  });

  it('answers truncated frames then a hang-up without harm (property)', async () => {
    const whole = Buffer.concat([headers(1), encodeFrame(1, FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, Buffer.from('abc'))]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: whole.length - 1 }), async (cut) => {
        const p = await rawPeer(listener.address);
        p.socket.write(whole.subarray(0, cut));
        await new Promise((r) => setTimeout(r, 2));
        p.socket.destroy();
        await p.closed;
        await goodCallWorks();
      }),
      { numRuns: 20 },
    );
  });

  it('sends GOAWAY FRAME_SIZE_ERROR and closes on an oversize length', async () => {
    const p = await rawPeer(listener.address);
    p.socket.write(Buffer.from([0, 0, 0, 1, 0, 0, 0x7f, 0xff, 0xff, 0xff]));
    await p.closed;
    const goaway = p.frames.find(([, type]) => type === FrameType.GOAWAY);
    expect(goaway).toBeDefined();
    expect(decodeGoawayPayload(goaway?.[3] as Buffer).code).toBe(GoawayCode.FRAME_SIZE_ERROR);
    await goodCallWorks();
  });

  it('ignores frames for unknown stream ids and unknown frame types', async () => {
    const p = await rawPeer(listener.address);
    p.socket.write(
      Buffer.concat([
        encodeFrame(99, FrameType.DATA, Flag.END_MESSAGE, Buffer.from('lost')),
        encodeWindowUpdate(77, 100),
        encodeFrame(55, FrameType.RST, 0, encodeCodeMessage(1, '')),
        encodeFrame(3, 200, 0, Buffer.from('future frame type')),
        encodeFrame(0, FrameType.PING, 0, Buffer.from('12345678')),
      ]),
    );
    await waitFor(() => p.frames.some(([, type, flags]) => type === FrameType.PING && flags === Flag.ACK));
    expect(p.frames.some(([, type]) => type === FrameType.GOAWAY)).toBe(false);
    p.socket.destroy();
    await p.closed;
  });

  it('closes with PROTOCOL_ERROR on a stream id that goes backwards', async () => {
    const p = await rawPeer(listener.address);
    p.socket.write(Buffer.concat([headers(5), headers(3)]));
    await p.closed;
    const goaway = p.frames.find(([, type]) => type === FrameType.GOAWAY);
    expect(decodeGoawayPayload(goaway?.[3] as Buffer).code).toBe(GoawayCode.PROTOCOL_ERROR);
    await goodCallWorks();
  });

  it('keeps serving after the client sent GOAWAY, and handles frames that follow it', async () => {
    const p = await rawPeer(listener.address);
    p.socket.write(
      Buffer.concat([
        encodeFrame(0, FrameType.GOAWAY, 0, encodeCodeMessage(0, 'client leaving', 0)),
        headers(1),
        encodeFrame(1, FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, Buffer.from('after goaway')),
      ]),
    );
    await waitFor(() => p.frames.some(([id, type]) => id === 1 && type === FrameType.TRAILERS));
    const data = p.frames.find(([id, type]) => id === 1 && type === FrameType.DATA);
    expect(data?.[3].toString()).toBe('after goaway');
    p.socket.destroy();
    await p.closed;
  });

  it('ends a call whose client half-closes in the middle of a message with INTERNAL', async () => {
    const p = await rawPeer(listener.address);
    p.socket.write(
      Buffer.concat([
        headers(1),
        encodeFrame(1, FrameType.DATA, 0, Buffer.from('first half')),
        encodeFrame(1, FrameType.DATA, Flag.END_STREAM, Buffer.alloc(0)),
      ]),
    );
    await waitFor(() => p.frames.some(([id, type]) => id === 1 && type === FrameType.RST));
    const rst = p.frames.find(([id, type]) => id === 1 && type === FrameType.RST) as [number, number, number, Buffer];
    expect(rst[3].readUInt32BE(0)).toBe(Code.INTERNAL);
    expect(p.frames.some(([id, type]) => id === 1 && type === FrameType.TRAILERS)).toBe(false);
    p.socket.destroy();
    await p.closed;
    await goodCallWorks();
  });

  it('hands a stream reset by the bytes that opened it to no handler', async () => {
    const t = createTcpTransport();
    const methods: string[] = [];
    const l = await t.listen('127.0.0.1:0', {
      onStream: (s) => {
        methods.push(s.method);
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      },
    });
    const p = await rawPeer(l.address);
    p.socket.write(
      Buffer.concat([headers(1, '/s/Reset'), encodeFrame(1, FrameType.RST, 0, encodeCodeMessage(Code.CANCELLED, '')), headers(3, '/s/Kept')]),
    );
    await waitFor(() => p.frames.some(([id, type]) => id === 3 && type === FrameType.TRAILERS));
    expect(methods).toEqual(['/s/Kept']);
    p.socket.destroy();
    await l.close(0);
  });

  it('drops a connection that resets streams faster than the limit allows', async () => {
    const t = createTcpTransport({ maxResetsPerSecond: 10 });
    const l = await t.listen('127.0.0.1:0', { onStream: () => {} });
    const p = await rawPeer(l.address);
    const burst: Buffer[] = [];
    for (let id = 1; id < 60; id += 2) burst.push(headers(id), encodeFrame(id, FrameType.RST, 0, encodeCodeMessage(Code.CANCELLED, '')));
    p.socket.write(Buffer.concat(burst));
    await p.closed;
    const goaway = p.frames.find(([, type]) => type === FrameType.GOAWAY);
    expect(decodeGoawayPayload(goaway?.[3] as Buffer).code).toBe(GoawayCode.ENHANCE_YOUR_CALM);
    expect(l.abusiveConnections).toBe(1);
    await l.close(0);
  });
});

/** proxy forwards one connection at a time and lets a test kill or freeze it. */
async function proxy(target: string) {
  const [host, port] = target.split(':') as [string, string];
  const pairs: [net.Socket, net.Socket][] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port: Number(port) });
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${a.port}`,
    pairs,
    close: () =>
      new Promise<void>((r) => {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => r());
      }),
  };
}

describe('TcpConnection', () => {
  it('fails open calls with UNAVAILABLE on both sides when the peer is killed mid-stream', async () => {
    const t = createTcpTransport();
    let server: ServerStream | undefined;
    const l = await t.listen('127.0.0.1:0', {
      onStream: (s) => {
        server = s;
        void s.write(Buffer.from('first'));
      },
    });
    const px = await proxy(l.address);
    const conn = await t.dial(px.address);
    const c = conn.openStream('/s/Long', new Metadata());
    expect(Buffer.from((await c.read()) as Uint8Array).toString()).toBe('first');
    for (const [client, upstream] of px.pairs) {
      client.destroy();
      upstream.destroy();
    }
    const err = (await c.read().catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    await waitFor(() => server?.signal.aborted === true);
    expect((server?.signal.reason as StatusError | undefined)?.code).toBe(Code.UNAVAILABLE);
    await conn.closed;
    expect(conn.state).toBe('closed');
    await px.close();
    await l.close(0);
  });

  it('declares the connection dead when PINGs go unanswered (peer socket paused)', async () => {
    const t = createTcpTransport();
    const l = await t.listen('127.0.0.1:0', { onStream: () => {} });
    const px = await proxy(l.address);
    const conn = await t.dial(px.address, { keepalive: { timeMs: 100, timeoutMs: 200 } });
    const c = conn.openStream('/s/Quiet', new Metadata());
    const [client] = px.pairs[0] as [net.Socket, net.Socket];
    client.unpipe();
    client.pause();
    const started = Date.now();
    const err = (await c.read().catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toMatch(/keepalive/);
    expect(Date.now() - started).toBeLessThan(3000);
    await conn.closed;
    await px.close();
    await l.close(0);
  });

  it("finds a frozen client with the transport's keepalive when listen options set none", async () => {
    const t = createTcpTransport({ keepalive: { timeMs: 100, timeoutMs: 200 } });
    const l = await t.listen('127.0.0.1:0', { onStream: () => {} });
    const px = await proxy(l.address);
    const conn = await createTcpTransport().dial(px.address);
    conn.openStream('/s/Frozen', new Metadata());
    await waitFor(() => l.connections === 1);
    const [client, upstream] = px.pairs[0] as [net.Socket, net.Socket];
    // The client freezes: nothing it is sent reaches it, nothing comes from it.
    upstream.unpipe();
    client.unpipe();
    const started = Date.now();
    await waitFor(() => l.connections === 0, 3000);
    expect(Date.now() - started).toBeLessThan(2000);
    await conn.close(0);
    await px.close();
    await l.close(0);
  });

  it('keeps a healthy idle connection open across several ping intervals', async () => {
    const t = createTcpTransport();
    const l = await t.listen('127.0.0.1:0', {
      onStream: (s) => s.finish({ code: Code.OK, message: '', metadata: new Metadata() }),
      keepalive: { timeMs: 50, timeoutMs: 100 },
    });
    const conn = await t.dial(l.address, { keepalive: { timeMs: 50, timeoutMs: 100 } });
    await new Promise((r) => setTimeout(r, 500));
    expect(conn.state).toBe('ready');
    const c = conn.openStream('/s/Ok', new Metadata());
    c.closeSend();
    expect(await c.read()).toBeNull();
    await conn.close(0);
    await l.close(0);
  });

  it('fails dial fast when the server never answers the handshake', async () => {
    const silent = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const a = silent.address() as net.AddressInfo;
    const started = Date.now();
    const err = (await createTcpTransport()
      .dial(`127.0.0.1:${a.port}`, { connectTimeoutMs: 200 })
      .catch((e: unknown) => e)) as StatusError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toMatch(/within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    silent.close();
  });
});

describe('TcpServerSession turn budget', () => {
  it('starts 64 unary calls of one write in one turn with their requests in, and the 65th whole in the next turn', async () => {
    // Turns are counted by a chain of setImmediate, which runs once per event-loop turn.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const started: { id: number; turn: number; atHand: boolean }[] = [];
    const t = createTcpTransport();
    const listener = await t.listen('127.0.0.1:0', {
      onStream: (s: ServerStream) => {
        const now = s.takeNow?.();
        started.push({ id: (s as unknown as { id: number }).id, turn, atHand: now !== undefined });
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      },
    });
    listener.addMethods([{ path: '/s/Unary', kind: 'unary' }]);
    const p = await rawPeer(listener.address);
    try {
      const ids = Array.from({ length: 65 }, (_, i) => 1 + 2 * i);
      const calls = ids.flatMap((id) => [headers(id, '/s/Unary'), encodeFrame(id, FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, Buffer.from('req'))]);
      // One write of about 3 KB: loopback hands it to the server in one read.
      p.socket.write(Buffer.concat(calls));
      await waitFor(() => started.length === 65);
      expect(started.map((s) => s.id)).toEqual(ids);
      expect(started.every((s) => s.atHand)).toBe(true);
      const first = started[0]!.turn;
      expect(started.slice(0, 64).every((s) => s.turn === first)).toBe(true);
      expect(started[64]!.turn).toBeGreaterThan(first);
      await waitFor(() => p.frames.filter(([, type]) => type === FrameType.TRAILERS).length === 65);
    } finally {
      ticking = false;
      p.socket.destroy();
      await listener.close(0);
    }
  });
});

describe('TcpServerSession end of a call', () => {
  it("ends an OK call on its reply's DATA frame for a client that takes it so, and with TRAILERS otherwise", async () => {
    const t = createTcpTransport();
    const listener = await t.listen('127.0.0.1:0', {
      onStream: async (s: ServerStream) => {
        const m = await s.read();
        void s.write(m ?? new Uint8Array(0));
        // Trailers with something to tell, another status, or an end after the reply was written still go as TRAILERS.
        const told = s.method === '/s/Told';
        if (s.method === '/s/Later') await new Promise((r) => setTimeout(r, 20));
        if (s.method === '/s/Fail') s.finish({ code: Code.NOT_FOUND, message: 'gone', metadata: new Metadata() });
        else s.finish({ code: Code.OK, message: '', metadata: new Metadata(told ? { 'x-told': 'yes' } : {}) });
      },
    });
    const call = (id: number, method: string) =>
      Buffer.concat([headers(id, method), encodeFrame(id, FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, Buffer.from('hi'))]);
    const framesOf = (p: RawPeer, id: number) => p.frames.filter(([fid]) => fid === id).map(([, type, flags, payload]) => [type, flags, payload.toString()]);
    const okDataEnd = [FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, 'hi'];
    // Plain OK trailers are ten zero bytes: code 0, an empty message, a metadata block of no entries.
    const trailersOf = { plain: '\0'.repeat(10), told: expect.stringContaining('x-told'), failed: expect.stringContaining('gone') };
    const dataThenTrailers = (trailers: keyof typeof trailersOf) => [
      [FrameType.DATA, Flag.END_MESSAGE, 'hi'],
      [FrameType.TRAILERS, 0, trailersOf[trailers]],
    ];
    const taker = await rawPeer(listener.address, { ...DEFAULT_SETTINGS, okEndOnData: 1 });
    const older = await rawPeer(listener.address);
    try {
      taker.socket.write(Buffer.concat([call(1, '/s/Echo'), call(3, '/s/Told'), call(5, '/s/Later'), call(7, '/s/Fail')]));
      older.socket.write(call(1, '/s/Echo'));
      await waitFor(() => taker.frames.length >= 7 && older.frames.length >= 2);
      // Whatever else was to come for these calls has had time to arrive.
      await new Promise((r) => setTimeout(r, 50));
      expect(framesOf(taker, 1)).toEqual([okDataEnd]);
      expect(framesOf(taker, 3)).toEqual(dataThenTrailers('told'));
      expect(framesOf(taker, 5)).toEqual(dataThenTrailers('plain'));
      expect(framesOf(taker, 7)).toEqual(dataThenTrailers('failed'));
      expect(framesOf(older, 1)).toEqual(dataThenTrailers('plain'));
    } finally {
      taker.socket.destroy();
      older.socket.destroy();
      await listener.close(0);
    }
  });

  it('ends the call with OK and its reply when the server sets END_STREAM on the last DATA frame', async () => {
    const t = createTcpTransport();
    const listener = await t.listen('127.0.0.1:0', {
      onStream: async (s: ServerStream) => {
        const m = await s.read();
        void s.write(m ?? new Uint8Array(0));
        void s.write(Buffer.from('second'));
        s.finish({ code: Code.OK, message: '', metadata: new Metadata() });
      },
    });
    const c = await t.dial(listener.address);
    try {
      const s = c.openStream('/s/Stream', new Metadata());
      await s.write(Buffer.from('first'));
      s.closeSend();
      const got: string[] = [];
      for (let m = await s.read(); m !== null; m = await s.read()) got.push(Buffer.from(m).toString());
      expect(got).toEqual(['first', 'second']);
      expect((await s.status).code).toBe(Code.OK);
    } finally {
      await c.close(0);
      await listener.close(0);
    }
  });
});
