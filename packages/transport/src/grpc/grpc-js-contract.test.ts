import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionOf } from './session-guard.js';

// The grpc transport runs below grpc-js's public surface: channel calls on
// the client, a server interceptor that takes streaming calls over before
// grpc-js's handler builds a Duplex. These are the grpc-js behaviours it
// relies on, checked on grpc-js alone. If an upgrade fails here, the grpc
// transport must be changed with it, not the pin loosened.

const PATH = '/contract.Echo/Bidi';
const UNARY_PATH = '/contract.Echo/Unary';
const identity = (b: Buffer) => b;

interface ServerSide {
  returnedAccessed: string[];
  unaryReturnedAccessed: string[];
  handlerCalled: boolean;
  events: string[];
  peer: { remoteAddress?: string; remotePort?: number } | undefined;
  deadline: grpc.Deadline | undefined;
}
const side: ServerSide = { returnedAccessed: [], unaryReturnedAccessed: [], handlerCalled: false, events: [], peer: undefined, deadline: undefined };

// An interceptor shaped like grpcCallInterceptor: it returns an object of
// its own, and drives grpc-js's call itself as that call's listener.
const takeOver: grpc.ServerInterceptor = (method, call) => {
  if (method.path === UNARY_PATH && !method.requestStream) return takeOverUnary(call);
  if (!method.requestStream || method.path !== PATH) return call as grpc.ServerInterceptingCall;
  const listener = {
    onReceiveMetadata(metadata: grpc.Metadata) {
      side.events.push(`metadata:${metadata.get('x-contract')[0]}`);
      side.peer = call.getConnectionInfo();
      side.deadline = call.getDeadline();
      call.sendMetadata(new grpc.Metadata());
      call.startRead();
    },
    onReceiveMessage(message: Buffer) {
      side.events.push(`message:${message.toString()}`);
      // Echo three replies, each acknowledged through sendMessage's callback.
      let acked = 0;
      for (const n of [1, 2, 3]) {
        call.sendMessage(Buffer.from(`${message}-${n}`), () => {
          if (++acked === 3) side.events.push('acked:3');
        });
      }
      call.startRead();
    },
    onReceiveHalfClose() {
      side.events.push('halfclose');
      call.sendStatus({ code: grpc.status.OK, details: 'done', metadata: new grpc.Metadata() });
    },
    onCancel() {
      side.events.push('cancel');
    },
  };
  return startsOnly(call, listener, side.returnedAccessed);
};

// What the interceptor returns: an object with start() alone, which starts
// grpc-js's call with the listener and notes every member grpc-js reads.
function startsOnly(
  call: grpc.ServerInterceptingCallInterface,
  listener: Parameters<grpc.ServerInterceptingCallInterface['start']>[0],
  accessed: string[],
): grpc.ServerInterceptingCall {
  const own = { start: () => call.start(listener) };
  return new Proxy(own, {
    get(target, key, receiver) {
      accessed.push(String(key));
      return Reflect.get(target, key, receiver);
    },
  }) as unknown as grpc.ServerInterceptingCall;
}

// Shaped like GrpcUnaryServerStream: one request, then at the half close the
// reply and the status handed to grpc-js back to back, without waiting for
// the reply's write callback.
function takeOverUnary(call: grpc.ServerInterceptingCallInterface): grpc.ServerInterceptingCall {
  let request: Buffer | undefined;
  const listener = {
    onReceiveMetadata() {
      call.startRead();
    },
    onReceiveMessage(message: Buffer) {
      request = message;
      call.startRead();
    },
    onReceiveHalfClose() {
      call.sendMessage(Buffer.from(`${request}-unary`), () => {});
      const trailers = new grpc.Metadata();
      trailers.set('x-trailer', 'after');
      call.sendStatus({ code: grpc.status.OK, details: 'OK', metadata: trailers });
    },
    onCancel() {},
  };
  return startsOnly(call, listener, side.unaryReturnedAccessed);
}

let server: grpc.Server;
let client: grpc.Client;

beforeAll(async () => {
  server = new grpc.Server({ interceptors: [takeOver] });
  const registered = server.register(PATH, () => (side.handlerCalled = true), identity, identity, 'bidi');
  expect(registered).toBe(true);
  expect(server.register(UNARY_PATH, () => (side.handlerCalled = true), identity, identity, 'unary')).toBe(true);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
});

interface ClientEvents {
  metadata: number;
  messages: string[];
  status: Promise<grpc.StatusObject>;
}

function startCall(deadline: grpc.Deadline = Infinity): { call: ReturnType<grpc.Channel['createCall']>; events: ClientEvents } {
  const channel = client.getChannel();
  const call = channel.createCall(PATH, deadline, undefined, null, undefined);
  let settle!: (s: grpc.StatusObject) => void;
  const events: ClientEvents = { metadata: 0, messages: [], status: new Promise((r) => (settle = r)) };
  const metadata = new grpc.Metadata();
  metadata.set('x-contract', 'yes');
  call.start(metadata, {
    onReceiveMetadata: () => events.metadata++,
    onReceiveMessage: (m: Buffer) => events.messages.push(m.toString()),
    onReceiveStatus: (s: grpc.StatusObject) => settle(s),
  });
  return { call, events };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`grpc-js contract: ${what} did not happen within 2 s`);
};

describe('@grpc/grpc-js contract', () => {
  it('is pinned to one exact version, the one installed', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const pinned: string = manifest.dependencies['@grpc/grpc-js'];
    expect(pinned, 'pin @grpc/grpc-js to an exact version').toMatch(/^\d+\.\d+\.\d+$/);
    const require = createRequire(import.meta.url);
    const installed = JSON.parse(readFileSync(require.resolve('@grpc/grpc-js/package.json'), 'utf8')).version;
    expect(installed).toBe(pinned);
  });

  it('runs a channel call: start, sendMessageWithContext, one message per startRead, halfClose', async () => {
    side.events = [];
    side.returnedAccessed = [];
    const { call, events } = startCall(Date.now() + 10_000);
    let written = 0;
    call.sendMessageWithContext({ callback: () => written++ }, Buffer.from('ping'));
    await until(() => written === 1, 'the write callback');
    await until(() => side.events.includes('acked:3'), 'the server sending three replies');
    // No read asked for yet: nothing is delivered.
    expect(events.messages).toEqual([]);
    call.startRead();
    await until(() => events.messages.length === 1, 'the first message after startRead');
    await new Promise((r) => setTimeout(r, 50));
    expect(events.messages).toEqual(['ping-1']);
    // One read outstanding at a time: the next is asked for once a message came.
    call.startRead();
    await until(() => events.messages.length === 2, 'the second message after startRead');
    call.startRead();
    await until(() => events.messages.length === 3, 'the third message after startRead');
    expect(events.messages).toEqual(['ping-1', 'ping-2', 'ping-3']);
    expect(events.metadata).toBe(1);
    call.halfClose();
    call.startRead();
    const status = await events.status;
    expect(status.code).toBe(grpc.status.OK);
    expect(status.details).toBe('done');
  });

  it("calls only start() on what a server interceptor returns, and never the registered bidi handler", () => {
    expect(side.returnedAccessed).toEqual(['start']);
    expect(side.handlerCalled).toBe(false);
  });

  it("calls only start() on what an interceptor returns for a unary path, and sends a reply and status given back to back in order", async () => {
    side.unaryReturnedAccessed = [];
    const call = client.getChannel().createCall(UNARY_PATH, Infinity, undefined, null, undefined);
    const messages: string[] = [];
    const status = new Promise<grpc.StatusObject>((resolve) => {
      call.start(new grpc.Metadata(), {
        onReceiveMetadata: () => {},
        onReceiveMessage: (m: Buffer) => messages.push(m.toString()),
        onReceiveStatus: resolve,
      });
    });
    call.startRead();
    call.sendMessageWithContext({ callback: () => {} }, Buffer.from('one'));
    call.halfClose();
    const end = await status;
    expect(end.code).toBe(grpc.status.OK);
    expect(end.metadata.get('x-trailer')).toEqual(['after']);
    expect(messages).toEqual(['one-unary']);
    expect(side.unaryReturnedAccessed).toEqual(['start']);
    expect(side.handlerCalled).toBe(false);
  });

  it('gives the intercepted call its metadata, peer, deadline, messages and half close in order', () => {
    expect(side.events.slice(0, 2)).toEqual(['metadata:yes', 'message:ping']);
    expect(side.events).toContain('halfclose');
    expect(side.peer?.remoteAddress).toBe('127.0.0.1');
    expect(side.peer?.remotePort).toBeGreaterThan(0);
    // A Date or epoch milliseconds, near the 10 s the client set.
    const deadline = side.deadline instanceof Date ? side.deadline.getTime() : Number(side.deadline);
    expect(deadline).toBeGreaterThan(Date.now());
    expect(deadline).toBeLessThan(Date.now() + 11_000);
  });

  it('reports cancelWithStatus to the client listener and onCancel to the server', async () => {
    side.events = [];
    const { call, events } = startCall();
    call.sendMessageWithContext({ callback: () => {} }, Buffer.from('bye'));
    await until(() => side.events.includes('message:bye'), 'the message reaching the server');
    call.cancelWithStatus(grpc.status.CANCELLED, 'client gave up');
    const status = await events.status;
    expect(status.code).toBe(grpc.status.CANCELLED);
    expect(status.details).toBe('client gave up');
    await until(() => side.events.includes('cancel'), 'onCancel on the server');
  });

  it('keeps the HTTP/2 session of an injected connection where the reset guard finds it', async () => {
    const injected = new grpc.Server();
    const injector = injected.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const accepted: Socket[] = [];
    const net = createServer((socket) => {
      accepted.push(socket);
      injector.injectConnection(socket);
    });
    await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
    const { port } = net.address() as { port: number };
    const other = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      other.waitForReady(Date.now() + 2_000, () => {});
      await until(() => accepted.length === 1, 'a connection accepted');
      const socket = accepted[0] as Socket;
      await until(() => sessionOf(injected, socket) !== undefined, 'the session found by its socket');
      expect(sessionOf(injected, socket)?.socket.remotePort).toBe(socket.remotePort);
    } finally {
      other.close();
      injector.destroy();
      injected.forceShutdown();
      for (const socket of accepted) socket.destroy();
      net.close();
    }
  });
});
