import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  greeterProtoPath,
  type HelloReply,
  type HelloRequest,
  type StreamRequestData,
  type StreamResponseData,
} from '../support/greeter-messages.js';
import { rawUnary } from '../support/raw-unary.js';
import { loadRawService, rawMethod } from '../support/raw-service.js';
import { type SpawnedExample, spawnExample, strictDrainEnv } from '../support/spawn-example.js';
import { StreamReader } from '../support/stream-reader.js';

// The tsmicro greeter server, started from its entry point exactly as a user
// would, called by a stock grpc-js client that knows nothing of tsmicro.
const service = loadRawService(greeterProtoPath, 'greeter.Greeter');
const sayHello = rawMethod<HelloRequest, HelloReply>(service, 'SayHello');
const serverStream = rawMethod<StreamRequestData, StreamResponseData>(service, 'ServerStream');
const clientStream = rawMethod<StreamRequestData, StreamResponseData>(service, 'ClientStream');
const allStream = rawMethod<StreamRequestData, StreamResponseData>(service, 'AllStream');
const MiB = 1024 * 1024;

function traceMetadata(id: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-trace-id', id);
  return md;
}

describe('greeter example server, called by a stock grpc-js client', () => {
  let server: SpawnedExample;
  let client: grpc.Client;

  beforeAll(async () => {
    server = await spawnExample('examples/dist/greeter/server.js', ['--address', '127.0.0.1:0'], strictDrainEnv);
    client = new grpc.Client(server.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    if (!server) return;
    const exit = await server.stop();
    expect(exit.killed, 'the server still held a call at shutdown').toBe(false);
    expect(exit.signal, exit.output).toBeNull();
    expect(exit.code, exit.output).toBe(0);
  });

  function bidi(options: grpc.CallOptions = {}, metadata = new grpc.Metadata()) {
    const call = client.makeBidiStreamRequest(allStream.path, allStream.requestSerialize, allStream.responseDeserialize, metadata, options);
    return { call, reader: new StreamReader<StreamResponseData>(call) };
  }

  it('answers a unary call with "Hello " + name', async () => {
    const { value, status } = await rawUnary(client, sayHello, { name: 'jeff' });
    expect(value).toEqual({ message: 'Hello jeff' });
    expect(status.code).toBe(grpc.status.OK);
  });

  it('fails with INVALID_ARGUMENT "bad name" when the name is "error"', async () => {
    await expect(rawUnary(client, sayHello, { name: 'error' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'bad name',
    });
  });

  it('echoes x-trace-id once as a response header and once as a trailer on a unary call', async () => {
    const { headers, status } = await rawUnary(client, sayHello, { name: 'trace' }, { metadata: traceMetadata('trace-unary-1') });
    expect(headers).toHaveLength(1);
    expect(headers[0]?.get('x-trace-id')).toEqual(['trace-unary-1']);
    expect(status.metadata.get('x-trace-id')).toEqual(['trace-unary-1']);
  });

  it('echoes x-trace-id in the trailers when a unary call fails', async () => {
    const err = await rawUnary(client, sayHello, { name: 'error' }, { metadata: traceMetadata('trace-error-1') }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.metadata.get('x-trace-id')).toEqual(['trace-error-1']);
  });

  it('echoes x-trace-id once as a response header and once as a trailer on a server stream', async () => {
    const call = client.makeServerStreamRequest(
      serverStream.path,
      serverStream.requestSerialize,
      serverStream.responseDeserialize,
      { data: 't', count: 2 },
      traceMetadata('trace-stream-2'),
    );
    const reader = new StreamReader<StreamResponseData>(call);
    expect(await reader.rest()).toHaveLength(2);
    const status = await reader.done();
    expect(reader.headers).toHaveLength(1);
    expect(reader.headers[0]?.get('x-trace-id')).toEqual(['trace-stream-2']);
    expect(status.metadata.get('x-trace-id')).toEqual(['trace-stream-2']);
  });

  it('echoes x-trace-id once as a response header and once as a trailer on a bidi stream', async () => {
    const { call, reader } = bidi({}, traceMetadata('trace-bidi-3'));
    call.write({ data: 'x', count: 1 });
    expect(await reader.next()).toEqual({ data: 'echo:x', index: 0 });
    call.end();
    const status = await reader.done();
    expect(reader.headers).toHaveLength(1);
    expect(reader.headers[0]?.get('x-trace-id')).toEqual(['trace-bidi-3']);
    expect(status.metadata.get('x-trace-id')).toEqual(['trace-bidi-3']);
  });

  it('streams `count` messages "<data>:<i>" when count is 5', async () => {
    const call = client.makeServerStreamRequest(serverStream.path, serverStream.requestSerialize, serverStream.responseDeserialize, {
      data: 'AAPL',
      count: 5,
    });
    const messages = await new StreamReader<StreamResponseData>(call).rest();
    expect(messages).toEqual([0, 1, 2, 3, 4].map((i) => ({ data: `AAPL:${i}`, index: i })));
  });

  it('streams 10 messages when count is 0', async () => {
    const call = client.makeServerStreamRequest(serverStream.path, serverStream.requestSerialize, serverStream.responseDeserialize, {
      data: 'd',
      count: 0,
    });
    const messages = await new StreamReader<StreamResponseData>(call).rest();
    expect(messages).toEqual(Array.from({ length: 10 }, (_, i) => ({ data: `d:${i}`, index: i })));
  });

  it('joins a client stream after half-close and counts its messages', async () => {
    const reply = await new Promise<StreamResponseData | undefined>((resolve, reject) => {
      const call = client.makeClientStreamRequest(clientStream.path, clientStream.requestSerialize, clientStream.responseDeserialize, (err, value) =>
        err ? reject(err) : resolve(value),
      );
      for (const data of ['a', 'b', 'c']) call.write({ data, count: 0 });
      call.end();
    });
    expect(reply).toEqual({ data: 'a,b,c', index: 3 });
  });

  it('answers each bidi message as it arrives, before the next one is sent', async () => {
    const { call, reader } = bidi({ deadline: Date.now() + 10_000 });
    call.write({ data: 'a', count: 2 });
    expect(await reader.next()).toEqual({ data: 'echo:a', index: 0 });
    expect(await reader.next()).toEqual({ data: 'echo:a', index: 1 });
    call.write({ data: 'b', count: 0 });
    expect(await reader.next()).toEqual({ data: 'echo:b', index: 0 });
    call.write({ data: 'c', count: 3 });
    expect(await reader.next()).toEqual({ data: 'echo:c', index: 0 });
    expect(await reader.next()).toEqual({ data: 'echo:c', index: 1 });
    expect(await reader.next()).toEqual({ data: 'echo:c', index: 2 });
    call.end();
    expect(await reader.rest()).toEqual([]);
    expect((await reader.done()).code).toBe(grpc.status.OK);
  });

  it('ends a silent bidi stream with DEADLINE_EXCEEDED when its 300 ms deadline passes', async () => {
    const { reader } = bidi({ deadline: Date.now() + 300 });
    await expect(reader.done()).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });

  it('reports CANCELLED when the client cancels mid-stream, and the server serves the next call', async () => {
    const { call, reader } = bidi();
    call.write({ data: 'c', count: 1 });
    expect(await reader.next()).toEqual({ data: 'echo:c', index: 0 });
    call.cancel();
    await expect(reader.next()).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    expect((await rawUnary(client, sayHello, { name: 'after' })).value).toEqual({ message: 'Hello after' });
  });

  it('round-trips a message just under the 4 MiB limit', async () => {
    const name = 'x'.repeat(4 * MiB - 64);
    const { value } = await rawUnary(client, sayHello, { name });
    expect(value.message.length).toBe(name.length + 6);
    expect(value.message.startsWith('Hello xxx')).toBe(true);
  });

  it('rejects a message over 4 MiB with RESOURCE_EXHAUSTED', async () => {
    await expect(rawUnary(client, sayHello, { name: 'y'.repeat(4 * MiB + 16) })).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    // The oversize call must not have broken the connection for the next one.
    expect((await rawUnary(client, sayHello, { name: 'small' })).value).toEqual({ message: 'Hello small' });
  });

  it('answers 200 concurrent unary calls on one client', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => rawUnary(client, sayHello, { name: `n${i}` })));
    expect(replies.map((r) => r.value.message)).toEqual(Array.from({ length: 200 }, (_, i) => `Hello n${i}`));
  });
});
