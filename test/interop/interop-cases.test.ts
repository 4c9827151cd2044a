import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  interopProtoDir,
  interopProtoFile,
  type SimpleRequest,
  type SimpleResponse,
  type StreamingInputCallRequest,
  type StreamingInputCallResponse,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
} from '../support/interop-messages.js';
import { loadRawService, rawMethod } from '../support/raw-service.js';
import { rawUnary } from '../support/raw-unary.js';
import { type SpawnedExample, spawnExample, strictDrainEnv } from '../support/spawn-example.js';
import { StreamReader } from '../support/stream-reader.js';

// The standard gRPC interop cases, written from their published description
// (INTEROP.md), run by a stock grpc-js client against tsmicro's interop
// example started from its entry point.
const service = loadRawService(interopProtoFile, 'grpc.testing.TestService', [interopProtoDir]);
const unaryCall = rawMethod<SimpleRequest, SimpleResponse>(service, 'UnaryCall');
const streamingInputCall = rawMethod<StreamingInputCallRequest, StreamingInputCallResponse>(service, 'StreamingInputCall');
const streamingOutputCall = rawMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>(service, 'StreamingOutputCall');
const fullDuplexCall = rawMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>(service, 'FullDuplexCall');

const identity = (b: Buffer): Buffer => b;
// EmptyCall with raw bytes both ways, so the test sees the exact response length.
const emptyCallBytes = { path: '/grpc.testing.TestService/EmptyCall', requestSerialize: identity, responseDeserialize: identity };

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

const zeros = (n: number): Buffer => Buffer.alloc(n);

function echoMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(ECHO_INITIAL, ECHO_INITIAL_VALUE);
  md.set(ECHO_TRAILING, ECHO_TRAILING_VALUE);
  return md;
}

// The initial value must arrive once, in the headers only; the binary one once, in the trailers only.
function expectEchoed(headers: grpc.Metadata[], trailers: grpc.Metadata): void {
  expect(headers).toHaveLength(1);
  const header = headers[0] as grpc.Metadata;
  expect(header.get(ECHO_INITIAL)).toEqual([ECHO_INITIAL_VALUE]);
  expect(header.get(ECHO_TRAILING)).toEqual([]);
  expect(trailers.get(ECHO_TRAILING)).toEqual([ECHO_TRAILING_VALUE]);
  expect(trailers.get(ECHO_INITIAL)).toEqual([]);
}

function expectPayload(payload: { type?: string; body: Buffer } | null | undefined, size: number): void {
  expect(payload?.type).toBe('COMPRESSABLE');
  expect(payload?.body.length).toBe(size);
  expect(payload?.body.equals(zeros(size))).toBe(true);
}

describe('interop example server (grpc.testing.TestService), called by a stock grpc-js client', () => {
  let server: SpawnedExample;
  let client: grpc.Client;

  beforeAll(async () => {
    server = await spawnExample('examples/dist/interop/server.js', ['--port', '0'], strictDrainEnv);
    // The server binds every interface; the test only ever talks over loopback.
    client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    if (!server) return;
    const exit = await server.stop();
    expect(exit.killed, 'the server still held a call at shutdown').toBe(false);
    expect(exit.signal, exit.output).toBeNull();
    expect(exit.code, exit.output).toBe(0);
  });

  function fullDuplex(options: grpc.CallOptions = {}, metadata = new grpc.Metadata()) {
    const call = client.makeBidiStreamRequest(fullDuplexCall.path, fullDuplexCall.requestSerialize, fullDuplexCall.responseDeserialize, metadata, options);
    return { call, reader: new StreamReader<StreamingOutputCallResponse>(call) };
  }

  it('empty_unary: EmptyCall answers OK with a zero-byte message', async () => {
    const { value, status } = await rawUnary(client, emptyCallBytes, Buffer.alloc(0));
    expect(status.code).toBe(grpc.status.OK);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect(value.length).toBe(0);
  });

  it('large_unary: UnaryCall returns 314159 zero bytes for a 271828-byte request', async () => {
    const { value } = await rawUnary(client, unaryCall, {
      responseType: 'COMPRESSABLE',
      responseSize: 314159,
      payload: { body: zeros(271828) },
    });
    expectPayload(value.payload, 314159);
  });

  it('client_streaming: StreamingInputCall sums 27182+8+1828+45904 to 74922', async () => {
    const reply = await new Promise<StreamingInputCallResponse | undefined>((resolve, reject) => {
      const call = client.makeClientStreamRequest(
        streamingInputCall.path,
        streamingInputCall.requestSerialize,
        streamingInputCall.responseDeserialize,
        (err, value) => (err ? reject(err) : resolve(value)),
      );
      for (const size of REQUEST_SIZES) call.write({ payload: { body: zeros(size) } });
      call.end();
    });
    expect(reply?.aggregatedPayloadSize).toBe(74922);
  });

  it('server_streaming: StreamingOutputCall sends four responses of the asked sizes, in order, then OK', async () => {
    const call = client.makeServerStreamRequest(
      streamingOutputCall.path,
      streamingOutputCall.requestSerialize,
      streamingOutputCall.responseDeserialize,
      { responseType: 'COMPRESSABLE', responseParameters: RESPONSE_SIZES.map((size) => ({ size })) },
    );
    const reader = new StreamReader<StreamingOutputCallResponse>(call);
    const responses = await reader.rest();
    expect(responses.map((r) => r.payload?.body.length)).toEqual(RESPONSE_SIZES);
    for (const [i, r] of responses.entries()) expectPayload(r.payload, RESPONSE_SIZES[i] as number);
    expect((await reader.done()).code).toBe(grpc.status.OK);
  });

  it('ping_pong: FullDuplexCall answers each request before the next is sent', async () => {
    const { call, reader } = fullDuplex({ deadline: Date.now() + 20_000 });
    for (let i = 0; i < REQUEST_SIZES.length; i++) {
      const size = RESPONSE_SIZES[i] as number;
      call.write({ responseType: 'COMPRESSABLE', responseParameters: [{ size }], payload: { body: zeros(REQUEST_SIZES[i] as number) } });
      expectPayload((await reader.next()).payload, size);
    }
    call.end();
    expect(await reader.rest()).toEqual([]);
    expect((await reader.done()).code).toBe(grpc.status.OK);
  });

  it('empty_stream: FullDuplexCall with no requests ends OK with no responses', async () => {
    const { call, reader } = fullDuplex();
    call.end();
    expect(await reader.rest()).toEqual([]);
    expect((await reader.done()).code).toBe(grpc.status.OK);
  });

  it('cancel_after_begin: a StreamingInputCall cancelled right after it starts ends CANCELLED', async () => {
    // On a connected channel the server sees HEADERS then RST_STREAM(CANCEL).
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.makeClientStreamRequest(
        streamingInputCall.path,
        streamingInputCall.requestSerialize,
        streamingInputCall.responseDeserialize,
        (e) => resolve(e),
      );
      // grpc-js 1.14 loses a cancel() made in the same tick as the call: it still
      // opens the HTTP/2 stream afterwards and never resets it, so the server would
      // hold that call forever. One tick later the cancel does reach the wire.
      process.nextTick(() => call.cancel());
    });
    expect(err?.code).toBe(grpc.status.CANCELLED);
  });

  it('cancel_after_first_response: FullDuplexCall cancelled after one 31415-byte response ends CANCELLED', async () => {
    const { call, reader } = fullDuplex();
    call.write({ responseType: 'COMPRESSABLE', responseParameters: [{ size: 31415 }], payload: { body: zeros(27182) } });
    expectPayload((await reader.next()).payload, 31415);
    call.cancel();
    await expect(reader.done()).rejects.toMatchObject({ code: grpc.status.CANCELLED });
  });

  it('timeout_on_sleeping_server: FullDuplexCall with a 1 ms deadline ends DEADLINE_EXCEEDED', async () => {
    const { call, reader } = fullDuplex({ deadline: Date.now() + 1 });
    call.write({ responseType: 'COMPRESSABLE', payload: { body: zeros(27182) } });
    await expect(reader.done()).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });

  it('custom_metadata: UnaryCall echoes the initial value in the headers and the binary value in the trailers, once each', async () => {
    const { value, headers, status } = await rawUnary(
      client,
      unaryCall,
      { responseType: 'COMPRESSABLE', responseSize: 314159, payload: { body: zeros(271828) } },
      { metadata: echoMetadata() },
    );
    expectPayload(value.payload, 314159);
    expectEchoed(headers, status.metadata);
  });

  it('custom_metadata: FullDuplexCall echoes the initial value in the headers and the binary value in the trailers, once each', async () => {
    const { call, reader } = fullDuplex({}, echoMetadata());
    call.write({ responseType: 'COMPRESSABLE', responseParameters: [{ size: 314159 }], payload: { body: zeros(271828) } });
    call.end();
    const responses = await reader.rest();
    expect(responses).toHaveLength(1);
    expectPayload(responses[0]?.payload, 314159);
    expectEchoed(reader.headers, (await reader.done()).metadata);
  });

  it('status_code_and_message: UnaryCall ends with the status code and message it asked for', async () => {
    await expect(rawUnary(client, unaryCall, { responseStatus: { code: 2, message: 'test status message' } })).rejects.toMatchObject({
      code: grpc.status.UNKNOWN,
      details: 'test status message',
    });
  });

  it('status_code_and_message: FullDuplexCall ends with the status code and message its request asked for', async () => {
    const { call, reader } = fullDuplex();
    call.write({ responseStatus: { code: 2, message: 'test status message' } });
    call.end();
    await expect(reader.done()).rejects.toMatchObject({ code: grpc.status.UNKNOWN, details: 'test status message' });
  });

  it('special_status_message: whitespace and non-BMP Unicode in the status message come back exactly', async () => {
    const err = await rawUnary(client, unaryCall, { responseStatus: { code: 2, message: SPECIAL_MESSAGE } }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(grpc.status.UNKNOWN);
    expect(err?.details).toBe(SPECIAL_MESSAGE);
  });

  it('unimplemented_method: UnimplementedCall, declared but not implemented, ends UNIMPLEMENTED', async () => {
    const method = { path: '/grpc.testing.TestService/UnimplementedCall', requestSerialize: identity, responseDeserialize: identity };
    await expect(rawUnary(client, method, Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('unimplemented_service: a call to a service the server does not register ends UNIMPLEMENTED', async () => {
    const method = { path: '/grpc.testing.UnimplementedService/UnimplementedCall', requestSerialize: identity, responseDeserialize: identity };
    await expect(rawUnary(client, method, Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('still serves a unary call after every cancelled and timed-out call above', async () => {
    const { value } = await rawUnary(client, unaryCall, { responseType: 'COMPRESSABLE', responseSize: 10 });
    expectPayload(value.payload, 10);
    const fresh = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      expect((await rawUnary(fresh, emptyCallBytes, Buffer.alloc(0))).value.length).toBe(0);
    } finally {
      fresh.close();
    }
  });
});
