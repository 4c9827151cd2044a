import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopProtoDir, interopProtoFile, type SimpleRequest, type SimpleResponse } from '../support/interop-messages.js';
import { grpcFrame, rawH2Call } from '../support/raw-h2-call.js';
import { loadRawService, rawMethod } from '../support/raw-service.js';
import { type SpawnedExample, spawnExample, strictDrainEnv } from '../support/spawn-example.js';

// What INTEROP.md says must be true on the wire, checked below any gRPC
// library: a client library may forgive encodings that other peers reject.
const service = loadRawService(interopProtoFile, 'grpc.testing.TestService', [interopProtoDir]);
const unaryCall = rawMethod<SimpleRequest, SimpleResponse>(service, 'UnaryCall');
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

describe('interop example server, on the HTTP/2 wire', () => {
  let server: SpawnedExample;
  let address: string;

  beforeAll(async () => {
    server = await spawnExample('examples/dist/interop/server.js', ['--port', '0'], strictDrainEnv);
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    if (!server) return;
    const exit = await server.stop();
    expect(exit.killed, 'the server still held a call at shutdown').toBe(false);
    expect(exit.code, exit.output).toBe(0);
  });

  it('answers EmptyCall with one zero-length message frame', async () => {
    const res = await rawH2Call(address, '/grpc.testing.TestService/EmptyCall', grpcFrame(new Uint8Array(0)));
    expect(res.headers[':status']).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/grpc/);
    expect(res.trailers['grpc-status']).toBe('0');
    expect([...res.body]).toEqual([0, 0, 0, 0, 0]);
  });

  it('percent-encodes grpc-message as UTF-8 and keeps every whitespace character', async () => {
    const request = unaryCall.requestSerialize({ responseStatus: { code: 2, message: SPECIAL_MESSAGE } });
    const res = await rawH2Call(address, unaryCall.path, grpcFrame(request));
    expect(res.status['grpc-status']).toBe('2');
    const wire = String(res.status['grpc-message']);
    // Header values must be visible ASCII (and space): everything else is %XX.
    expect(wire).toMatch(/^[\x20-\x7e]*$/);
    expect(wire).toContain('%F0%9F%98%88');
    expect(wire).toContain('%E2%98%BA');
    expect(wire.startsWith('%09%0A')).toBe(true);
    expect(decodeURIComponent(wire)).toBe(SPECIAL_MESSAGE);
  });

  it('accepts an unpadded base64 -bin header and echoes its bytes in the trailers', async () => {
    // Four bytes need padding ("q6urqw==" padded); the spec lets senders drop it.
    const request = unaryCall.requestSerialize({ responseSize: 1 });
    const res = await rawH2Call(address, unaryCall.path, grpcFrame(request), { 'x-grpc-test-echo-trailing-bin': 'q6urqw' });
    expect(res.status['grpc-status']).toBe('0');
    expect([...Buffer.from(String(res.trailers['x-grpc-test-echo-trailing-bin']), 'base64')]).toEqual([0xab, 0xab, 0xab, 0xab]);
  });

  it('accepts a padded base64 -bin header and echoes its bytes in the trailers', async () => {
    const request = unaryCall.requestSerialize({ responseSize: 1 });
    const res = await rawH2Call(address, unaryCall.path, grpcFrame(request), { 'x-grpc-test-echo-trailing-bin': 'q6urqw==' });
    expect(res.status['grpc-status']).toBe('0');
    expect([...Buffer.from(String(res.trailers['x-grpc-test-echo-trailing-bin']), 'base64')]).toEqual([0xab, 0xab, 0xab, 0xab]);
  });
});
