import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { Listener } from '../transport.js';
import { createGrpcTransport } from './grpc-transport.js';

// Wire compatibility with stock grpc-js peers, in both directions.

const special = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
const toBuffer = (b: Buffer) => b;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('createGrpcTransport (raw grpc-js client)', () => {
  async function listen(): Promise<Listener> {
    const listener = await createGrpcTransport().listen('127.0.0.1:0', {
      onStream: async (s) => {
        const req = await s.read();
        if (s.method === '/interop.Test/Fail') {
          s.finish({
            code: Code.INVALID_ARGUMENT,
            message: special,
            metadata: new Metadata({ 'x-grpc-test-echo-trailing-bin': new Uint8Array([0xab, 0xab, 0xab]) }),
          });
          return;
        }
        s.sendHeaders(new Metadata({ 'x-echo': s.metadata.getString('x-in') ?? '' }));
        await s.write(Buffer.concat([Buffer.from('re:'), req ?? Buffer.alloc(0)]));
        s.finish({ code: Code.OK, message: '', metadata: new Metadata({ 'x-done-bin': new Uint8Array([7]) }) });
      },
    });
    listener.addMethods([{ path: '/interop.Test/Echo' }, { path: '/interop.Test/Fail' }]);
    cleanups.push(() => listener.close());
    return listener;
  }

  function rawClient(address: string): grpc.Client {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    return client;
  }

  it('answers a plain unary call with headers, body and trailers', async () => {
    const listener = await listen();
    const client = rawClient(listener.address);
    const md = new grpc.Metadata();
    md.set('x-in', 'ping');
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const call = client.makeUnaryRequest('/interop.Test/Echo', toBuffer, toBuffer, Buffer.from('hi'), md, (err, value) =>
        err ? reject(err) : resolve(value as Buffer),
      );
      call.on('metadata', (m) => {
        headers = m;
      });
      call.on('status', (s) => {
        trailers = s.metadata;
      });
    });
    expect(reply.toString()).toBe('re:hi');
    expect(headers?.get('x-echo')).toEqual(['ping']);
    await expect.poll(() => trailers).toBeDefined();
    expect(trailers?.get('x-done-bin')).toEqual([Buffer.from([7])]);
  });

  it('sends status code, special message and binary trailers a raw client can read', async () => {
    const listener = await listen();
    const client = rawClient(listener.address);
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      client.makeUnaryRequest('/interop.Test/Fail', toBuffer, toBuffer, Buffer.from('x'), (e) => resolve(e as grpc.ServiceError));
    });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe(special);
    expect(err.metadata.get('x-grpc-test-echo-trailing-bin')).toEqual([Buffer.from([0xab, 0xab, 0xab])]);
  });

  it('answers an unannounced path with UNIMPLEMENTED', async () => {
    const listener = await listen();
    const client = rawClient(listener.address);
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      client.makeUnaryRequest('/interop.Test/Nope', toBuffer, toBuffer, Buffer.from('x'), (e) => resolve(e as grpc.ServiceError));
    });
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('createGrpcTransport (raw grpc-js server)', () => {
  async function rawServer(): Promise<string> {
    const server = new grpc.Server();
    server.register(
      '/interop.Test/Unary',
      (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const headers = new grpc.Metadata();
        headers.set('x-seen', String(call.metadata.get('x-in')[0]));
        headers.set('x-seen-bin', call.metadata.get('x-in-bin')[0] as Buffer);
        call.sendMetadata(headers);
        if (call.request.toString() === 'fail') {
          const trailers = new grpc.Metadata();
          trailers.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
          callback({ code: grpc.status.PERMISSION_DENIED, details: special, metadata: trailers });
          return;
        }
        callback(null, Buffer.concat([Buffer.from('unary:'), call.request]));
      },
      toBuffer,
      toBuffer,
      'unary',
    );
    server.register(
      '/interop.Test/Stream',
      (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const n = Number(call.request.toString());
        for (let i = 0; i < n; i++) call.write(Buffer.from(`item ${i}`));
        call.end();
      },
      toBuffer,
      toBuffer,
      'serverStream',
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    cleanups.push(() => server.forceShutdown());
    return `127.0.0.1:${port}`;
  }

  it('calls a stock unary method with metadata both ways', async () => {
    const address = await rawServer();
    const conn = await createGrpcTransport().dial(address);
    cleanups.push(() => conn.close());
    const md = new Metadata({ 'x-in': 'hello', 'x-in-bin': new Uint8Array([9, 8, 7]) });
    const call = conn.openStream('/interop.Test/Unary', md);
    await call.write(new TextEncoder().encode('ok'));
    call.closeSend();
    expect(Buffer.from((await call.read()) as Uint8Array).toString()).toBe('unary:ok');
    expect(await call.read()).toBeNull();
    const headers = await call.headers;
    expect(headers.get('x-seen')).toBe('hello');
    expect(headers.get('x-seen-bin')).toEqual(new Uint8Array([9, 8, 7]));
    expect((await call.status).code).toBe(Code.OK);
  });

  it('reads a stock server stream and a stock error status', async () => {
    const address = await rawServer();
    const conn = await createGrpcTransport().dial(address);
    cleanups.push(() => conn.close());
    const stream = conn.openStream('/interop.Test/Stream', new Metadata());
    await stream.write(new TextEncoder().encode('3'));
    stream.closeSend();
    const items: string[] = [];
    for (let m = await stream.read(); m !== null; m = await stream.read()) items.push(Buffer.from(m).toString());
    expect(items).toEqual(['item 0', 'item 1', 'item 2']);

    const failing = conn.openStream('/interop.Test/Unary', new Metadata({ 'x-in-bin': new Uint8Array([1]) }));
    await failing.write(new TextEncoder().encode('fail'));
    failing.closeSend();
    const err = await failing.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(Code.PERMISSION_DENIED);
    expect((err as StatusError).message).toBe(special);
    expect((err as StatusError).metadata.get('x-grpc-test-echo-trailing-bin')).toEqual(new Uint8Array([0xab, 0xab, 0xab]));
  });

  it('gets UNIMPLEMENTED from a stock server for an unknown method', async () => {
    const address = await rawServer();
    const conn = await createGrpcTransport().dial(address);
    cleanups.push(() => conn.close());
    const call = conn.openStream('/interop.Test/Missing', new Metadata());
    call.closeSend();
    await expect(call.read()).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
  });
});
