import { transportByName, type TransportName } from '@tsmicro/core/plugin';
import {
  type ClientStream,
  Code,
  type Connection,
  codeName,
  isStatusError,
  type Listener,
  Metadata,
  type ServerStream,
  type Status,
  type StatusError,
} from '@tsmicro/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterMethods } from '../support/greeter-proto.js';
import { spawnPeer } from '../support/peer-process.js';

// Paths the contract's bare listener serves. The grpc listener only routes
// paths it was told of, so each is added with its kind.
const ECHO = '/contract.Contract/Echo';
const HANG = '/contract.Contract/Hang';
const DOUBLE_READ = '/contract.Contract/DoubleRead';

const OK: Status = { code: Code.OK, message: '', metadata: new Metadata() };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (message: Uint8Array | null) => (message === null ? null : new TextDecoder().decode(message));

/** rejection returns what a promise rejects with, as "CODE: message", or "resolved". */
async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    if (!isStatusError(err)) throw err;
    return `${codeName(err.code)}: ${err.message}`;
  }
}

const statusText = (status: Status) => `${codeName(status.code)}: ${status.message}`;

async function echo(stream: ServerStream): Promise<void> {
  try {
    for (;;) {
      const message = await stream.read();
      if (message === null) break;
      await stream.write(message);
    }
    stream.finish(OK);
  } catch {
    // The call ended under the handler: its status is already set.
  }
}

// Two reads at once: the second must be refused; the call ends with what it was refused with.
async function doubleRead(stream: ServerStream): Promise<void> {
  const first = stream.read();
  const second = await rejection(stream.read());
  await first;
  stream.finish({ code: second === 'resolved' ? Code.OK : Code.FAILED_PRECONDITION, message: second, metadata: new Metadata() });
}

/**
 * transportContractSuite is what every Transport promises at its edges, run
 * on a bare listener and connection (no core, no pool): the same assertions
 * for grpc, tcp and memory, so the three cannot drift apart.
 */
export function transportContractSuite(name: TransportName): void {
  const transport = transportByName(name);
  let listener: Listener;
  let conn: Connection;
  // Server sides of HANG calls by their x-tag header, as they arrive.
  const hung = new Map<string, { stream: Promise<ServerStream>; arrived: (s: ServerStream) => void }>();
  const hungStream = (tag: string) => {
    let slot = hung.get(tag);
    if (!slot) {
      let arrived!: (s: ServerStream) => void;
      slot = { stream: new Promise<ServerStream>((r) => (arrived = r)), arrived };
      hung.set(tag, slot);
    }
    return slot;
  };
  let tags = 0;
  const hang = (options: { deadline?: number } = {}): { tag: string; call: ClientStream } => {
    const tag = `t${++tags}`;
    return { tag, call: conn.openStream(HANG, new Metadata({ 'x-tag': tag }), { kind: 'bidi_streaming', ...options }) };
  };
  const aborted = (s: ServerStream) =>
    new Promise<string>((resolve) => {
      if (s.signal.aborted) resolve('aborted');
      else s.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });

  beforeAll(async () => {
    listener = await transport.listen('127.0.0.1:0', {
      onStream: (stream) => {
        if (stream.method === ECHO) void echo(stream);
        else if (stream.method === DOUBLE_READ) void doubleRead(stream);
        else if (stream.method === HANG) hungStream(stream.metadata.get('x-tag') as string).arrived(stream);
        else stream.finish({ code: Code.UNIMPLEMENTED, message: stream.method, metadata: new Metadata() });
      },
    });
    listener.addMethods([ECHO, HANG, DOUBLE_READ].map((path) => ({ path, kind: 'bidi_streaming' as const })));
    conn = await transport.dial(listener.address);
  });

  afterAll(async () => {
    await conn.close(0);
    await listener.close(0);
  });

  const echoCall = () => conn.openStream(ECHO, new Metadata(), { kind: 'bidi_streaming' });

  it('echoes messages and ends OK after the half-close', async () => {
    const call = echoCall();
    await call.write(bytes('a'));
    expect(text(await call.read())).toBe('a');
    call.closeSend();
    expect(await call.read()).toBeNull();
    expect(statusText(await call.status)).toBe('OK: ');
  });

  describe('a unary-kind call', () => {
    const unaryCall = (path = ECHO, tag = '') => conn.openStream(path, new Metadata({ 'x-tag': tag }), { kind: 'unary' });

    it('carries its one request, then the reply and OK', async () => {
      const call = unaryCall();
      await call.write(bytes('one'));
      call.closeSend();
      expect(text(await call.read())).toBe('one');
      expect(await call.read()).toBeNull();
      expect(statusText(await call.status)).toBe('OK: ');
    });

    it('ends CANCELLED when cancelled before its request was written, and refuses the write', async () => {
      const call = unaryCall();
      call.cancel(Code.CANCELLED, 'changed my mind');
      expect(statusText(await call.status)).toBe('CANCELLED: changed my mind');
      expect(await rejection(call.write(bytes('late')))).toBe('CANCELLED: changed my mind');
    });

    // onEnd is optional; the transports that have it are held to it here.
    describe.skipIf(name === 'grpc')('onEnd', () => {
      interface Heard {
        reply: string | null;
        headers: Metadata;
        status: Status;
      }
      const hear = (call: ClientStream) => {
        const heard: Heard[] = [];
        const self = { heard };
        let told!: () => void;
        const ended = new Promise<void>((resolve) => (told = resolve));
        expect(call.onEnd).toBeTypeOf('function');
        call.onEnd?.(
          function (this: typeof self, reply, headers, status) {
            this.heard.push({ reply: text(reply), headers, status });
            told();
          },
          self,
        );
        return { heard, ended };
      };
      // A unary call on HANG told through onEnd, its request in, and its server side.
      const started = async () => {
        const tag = `r${++tags}`;
        const call = unaryCall(HANG, tag);
        const told = hear(call);
        await call.write(bytes('req'));
        call.closeSend();
        return { call, ...told, server: await hungStream(tag).stream };
      };

      it('tells the one reply, the headers and the status with its trailers once, when the call ends', async () => {
        const { server, heard, ended } = await started();
        server.sendHeaders(new Metadata({ 'x-head': 'h' }));
        await server.write(bytes('reply'));
        expect(heard).toEqual([]);
        server.finish({ code: Code.OK, message: '', metadata: new Metadata({ 'x-trail': 't' }) });
        await ended;
        expect(heard.map((h) => [h.reply, h.headers.get('x-head'), statusText(h.status), h.status.metadata.get('x-trail')])).toEqual([
          ['reply', 'h', 'OK: ', 't'],
        ]);
      });

      it('tells a null reply and empty headers when the call ended OK without either', async () => {
        const { server, heard, ended } = await started();
        server.finish(OK);
        await ended;
        expect(heard.map((h) => [h.reply, [...h.headers.keys()], statusText(h.status)])).toEqual([[null, [], 'OK: ']]);
      });

      it('tells no reply when the call ended with an error status, even after one', async () => {
        const { server, heard, ended } = await started();
        await server.write(bytes('reply'));
        server.finish({ code: Code.NOT_FOUND, message: 'gone', metadata: new Metadata() });
        await ended;
        expect(heard.map((h) => [h.reply, statusText(h.status)])).toEqual([[null, 'NOT_FOUND: gone']]);
      });

      it('ends the call INTERNAL on a second reply, and its server side is aborted', async () => {
        const { server, heard, ended } = await started();
        await server.write(bytes('one'));
        await server.write(bytes('two')).catch(() => undefined);
        await ended;
        expect(heard.map((h) => [h.reply, statusText(h.status)])).toEqual([[null, 'INTERNAL: the server sent more than one reply to a call that takes one']]);
        expect(await aborted(server)).toBe('aborted');
      });

      it('tells a cancel at once, and a call that had already ended on a microtask, not at once', async () => {
        const { call, server, heard } = await started();
        call.cancel(Code.CANCELLED, 'user gave up');
        expect(heard.map((h) => statusText(h.status))).toEqual(['CANCELLED: user gave up']);
        expect(await aborted(server)).toBe('aborted');
        const late = hear(call);
        expect(late.heard).toEqual([]);
        await late.ended;
        expect(late.heard.map((h) => [h.reply, statusText(h.status)])).toEqual([[null, 'CANCELLED: user gave up']]);
        expect(heard).toHaveLength(1);
      });

      it('tells a call of another kind its headers and status, its messages being read as ever', async () => {
        const call = echoCall();
        const { heard, ended } = hear(call);
        await call.write(bytes('a'));
        call.closeSend();
        expect(text(await call.read())).toBe('a');
        expect(await call.read()).toBeNull();
        await ended;
        expect(heard.map((h) => [h.reply, statusText(h.status)])).toEqual([[null, 'OK: ']]);
        expect(heard[0]?.headers).toBe(await call.headers);
        expect(statusText(await call.status)).toBe('OK: ');
      });

      it('tells DEADLINE_EXCEEDED when the deadline passes first', async () => {
        const tag = `r${++tags}`;
        const call = conn.openStream(HANG, new Metadata({ 'x-tag': tag }), { kind: 'unary', deadline: Date.now() + 50 });
        const { heard, ended } = hear(call);
        await call.write(bytes('req'));
        call.closeSend();
        await ended;
        expect(heard.map((h) => [h.reply, statusText(h.status)])).toEqual([[null, 'DEADLINE_EXCEEDED: deadline exceeded']]);
      });
    });

    // In process, the server is handed a unary call once, with its request in.
    describe.skipIf(name !== 'memory')('in process', () => {
      // Whether the server side of the HANG call tagged `tag` arrives within a few milliseconds.
      const arrivesSoon = async (tag: string): Promise<boolean> => {
        let arrived = false;
        void hungStream(tag).stream.then(() => (arrived = true));
        await new Promise((r) => setTimeout(r, 5));
        return arrived;
      };

      it('reaches the server only once its request is written and the client half-closed, request in', async () => {
        const tag = `u${++tags}`;
        const call = unaryCall(HANG, tag);
        await call.write(bytes('req'));
        expect(await arrivesSoon(tag)).toBe(false);
        call.closeSend();
        const server = await hungStream(tag).stream;
        // The request is there already: the server takes it at once (takeNow).
        expect(text(server.takeNow?.() ?? null)).toBe('req');
        expect(server.takeNow?.()).toBeUndefined();
        expect(await server.read()).toBeNull();
        server.finish(OK);
        expect(statusText(await call.status)).toBe('OK: ');
      });

      it('never reaches the server when cancelled before the half-close', async () => {
        const tag = `u${++tags}`;
        const call = unaryCall(HANG, tag);
        await call.write(bytes('req'));
        call.cancel(Code.CANCELLED, 'gave up');
        call.closeSend();
        expect(await arrivesSoon(tag)).toBe(false);
        expect(statusText(await call.status)).toBe('CANCELLED: gave up');
      });

      it('is refused UNAVAILABLE when the listener closed before the half-close', async () => {
        const other = await transport.listen('127.0.0.1:0', { onStream: (stream) => void echo(stream) });
        const otherConn = await transport.dial(other.address);
        const call = otherConn.openStream(ECHO, new Metadata(), { kind: 'unary' });
        await call.write(bytes('req'));
        const closing = other.close(1000);
        call.closeSend();
        expect((await call.status).code).toBe(Code.UNAVAILABLE);
        await closing;
        await otherConn.close(0);
      });
    });
  });

  describe('write after closeSend()', () => {
    it('rejects with FAILED_PRECONDITION, and the call goes on to its end', async () => {
      const call = echoCall();
      await call.write(bytes('before'));
      call.closeSend();
      expect(await rejection(call.write(bytes('after')))).toBe('FAILED_PRECONDITION: write() after closeSend()');
      expect(text(await call.read())).toBe('before');
      expect(await call.read()).toBeNull();
      expect((await call.status).code).toBe(Code.OK);
    });
  });

  describe('second concurrent read', () => {
    it('is refused with FAILED_PRECONDITION on the client; the first read still gets its message', async () => {
      const call = echoCall();
      const first = call.read();
      expect(await rejection(call.read())).toBe('FAILED_PRECONDITION: read() called while another read() is pending');
      await call.write(bytes('one'));
      expect(text(await first)).toBe('one');
      call.closeSend();
      expect(await call.read()).toBeNull();
    });

    it('is refused with FAILED_PRECONDITION on the server', async () => {
      const call = conn.openStream(DOUBLE_READ, new Metadata(), { kind: 'bidi_streaming' });
      await call.write(bytes('x'));
      call.closeSend();
      expect(statusText(await call.status)).toBe(
        'FAILED_PRECONDITION: FAILED_PRECONDITION: read() called while another read() is pending',
      );
    });
  });

  describe('cancel', () => {
    it('ends the call with its code and message, rejects a pending read and later writes, and aborts the server side', async () => {
      const { tag, call } = hang();
      await call.write(bytes('x'));
      const server = await hungStream(tag).stream;
      const pending = call.read();
      call.cancel(Code.CANCELLED, 'user gave up');
      expect(await rejection(pending)).toBe('CANCELLED: user gave up');
      expect(statusText(await call.status)).toBe('CANCELLED: user gave up');
      expect(await rejection(call.write(bytes('y')))).toBe('CANCELLED: user gave up');
      expect(await aborted(server)).toBe('aborted');
    });

    it('ends a call cancelled right after it was opened, before anything was written', async () => {
      const { call } = hang();
      call.cancel(Code.CANCELLED, 'changed my mind');
      expect(statusText(await call.status)).toBe('CANCELLED: changed my mind');
      expect(await rejection(call.read())).toBe('CANCELLED: changed my mind');
    });

    it('keeps the first status when cancelled twice, or cancelled after the call ended OK', async () => {
      const { call } = hang();
      call.cancel(Code.CANCELLED, 'first');
      call.cancel(Code.DEADLINE_EXCEEDED, 'second');
      expect(statusText(await call.status)).toBe('CANCELLED: first');
      const done = echoCall();
      done.closeSend();
      expect(await done.read()).toBeNull();
      expect((await done.status).code).toBe(Code.OK);
      done.cancel(Code.CANCELLED, 'too late');
      expect(statusText(await done.status)).toBe('OK: ');
    });

    it('races a cancel against the server finishing: the status is one of the two, and reads agree with it', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const call = echoCall();
          await call.write(bytes('r'));
          call.closeSend();
          const reply = call.read();
          call.cancel(Code.CANCELLED, 'race');
          const status = await call.status;
          const read = await reply.then(text, (e: StatusError) => `${codeName(e.code)}: ${e.message}`);
          return { status: statusText(status), read };
        }),
      );
      for (const { status, read } of results) {
        expect(['OK: ', 'CANCELLED: race']).toContain(status);
        if (status === 'CANCELLED: race') expect(['r', 'CANCELLED: race']).toContain(read);
        else expect(read).toBe('r');
      }
    });
  });

  describe('deadline', () => {
    it('ends a call past its deadline with DEADLINE_EXCEEDED "deadline exceeded" and aborts the server side', async () => {
      const { tag, call } = hang({ deadline: Date.now() + 200 });
      await call.write(bytes('x'));
      const server = await hungStream(tag).stream;
      expect(server.deadline).toBeGreaterThan(Date.now() - 1_000);
      expect(await rejection(call.read())).toBe('DEADLINE_EXCEEDED: deadline exceeded');
      expect(statusText(await call.status)).toBe('DEADLINE_EXCEEDED: deadline exceeded');
      expect(await aborted(server)).toBe('aborted');
    });

    it('fails a call whose deadline passed before it was opened', async () => {
      const { call } = hang({ deadline: Date.now() - 1 });
      expect((await call.status).code).toBe(Code.DEADLINE_EXCEEDED);
      expect(await rejection(call.read())).toMatch(/^DEADLINE_EXCEEDED: /);
    });
  });

  // Another process cannot reach the memory transport: peer death is a socket matter.
  describe.skipIf(name === 'memory')('peer death', () => {
    it('fails a pending read and the status with UNAVAILABLE, and closes the connection, when the server process dies', async () => {
      const peer = await spawnPeer('peer-server.mjs', [name], /LISTENING (\S+)/);
      try {
        const address = (/LISTENING (\S+)/.exec(peer.line) as RegExpExecArray)[1] as string;
        const other = await transport.dial(address);
        const call = other.openStream(greeterMethods.allStream.path, new Metadata(), { kind: 'bidi_streaming' });
        await call.write(greeterMethods.allStream.requestType.encode({ data: 'hi', count: 0 }));
        expect(await call.read()).not.toBeNull();
        const pending = rejection(call.read());
        await peer.kill();
        expect(await pending).toMatch(/^UNAVAILABLE: /);
        expect((await call.status).code).toBe(Code.UNAVAILABLE);
        await other.closed;
        expect(other.state).toBe('closed');
        expect(await rejection(call.write(bytes('late')))).toMatch(/^UNAVAILABLE: /);
      } finally {
        await peer.kill();
      }
    });
  });
}
