import * as grpc from '@grpc/grpc-js';
import { createServer, reflectionService, type Server } from '@tsmicro/core/plugin';
import { createGrpcTransport } from '@tsmicro/transport';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterEach, describe, expect, it } from 'vitest';
// Only generated code describes these services: no loadProto runs in this file.
import { type GreeterHandler, registerGreeterHandler } from '../../examples/greeter/gen/greeter.js';
import { TestService } from '../../examples/interop/test-service.js';

// A stock grpc-js client with hand-built codecs, so the check is of the wire
// format a reflection client such as grpcurl sees, not of tsmicro's own client.
const wire = protobuf.parse(`
syntax = "proto3";
message ReflectionRequest { string host = 1; string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
message ReflectionResponse { FileDescriptors file_descriptor_response = 4; Error error_response = 7; }
message FileDescriptors { repeated bytes file_descriptor_proto = 1; }
message Error { int32 error_code = 1; string error_message = 2; }
`, { keepCase: true }).root;
const request = wire.lookupType('ReflectionRequest');
const response = wire.lookupType('ReflectionResponse');

interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  syntax: string;
  messageType: { name: string; field: { name: string; jsonName: string; number: number }[] }[];
  service: { name: string; method: { name: string; inputType: string; outputType: string; clientStreaming: boolean; serverStreaming: boolean }[] }[];
}

const greeter: GreeterHandler = {
  async sayHello(_ctx, req) {
    return { message: `Hello ${req.name ?? ''}` };
  },
  async serverStream(_ctx, req, stream) {
    await stream.send({ data: req.data ?? '', index: 0 });
  },
  async clientStream(_ctx, stream) {
    let index = 0;
    for await (const _ of stream) index++;
    return { index };
  },
  async allStream(_ctx, stream) {
    for await (const m of stream) await stream.send({ data: m.data ?? '', index: 0 });
  },
};

let server: Server | undefined;
let client: grpc.Client | undefined;

afterEach(async () => {
  client?.close();
  await server?.stop(0);
  server = undefined;
  client = undefined;
});

async function serve(register: (s: Server) => void): Promise<grpc.Client> {
  server = createServer({ transport: createGrpcTransport(), onHandlerError: () => {} });
  register(server);
  for (const r of reflectionService(server)) server.handle(r.handler, { definition: r.definition });
  const address = await server.start();
  client = new grpc.Client(address, grpc.credentials.createInsecure());
  return client;
}

// Asks for the file declaring symbol and decodes the FileDescriptorProtos of the answer.
function fileContainingSymbol(c: grpc.Client, symbol: string): Promise<FileDescriptor[]> {
  const call = c.makeBidiStreamRequest(
    '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
    (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
    (bytes: Buffer) => response.toObject(response.decode(bytes), { defaults: true }) as Record<string, unknown>,
  );
  return new Promise((resolve, reject) => {
    const replies: Record<string, unknown>[] = [];
    call.on('data', (reply: Record<string, unknown>) => replies.push(reply));
    call.on('error', reject);
    call.on('end', () => {
      const reply = replies[0] ?? {};
      const files = (reply.file_descriptor_response as { file_descriptor_proto: Uint8Array[] } | null)?.file_descriptor_proto ?? [];
      if (files.length === 0) reject(new Error(`no descriptor for ${symbol}: ${JSON.stringify(reply.error_response)}`));
      resolve(
        files.map(
          (bytes) =>
            descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(bytes), { defaults: true, arrays: true }) as FileDescriptor,
        ),
      );
    });
    call.write({ file_containing_symbol: symbol });
    call.end();
  });
}

describe('registerFileDescriptors (from generated code)', () => {
  it('lets reflection describe the greeter when it is served from its generated handler', async () => {
    const c = await serve((s) => registerGreeterHandler(s, greeter));
    const [file, ...rest] = await fileContainingSymbol(c, 'greeter.Greeter');
    expect(rest).toEqual([]);
    expect(file).toMatchObject({ name: 'greeter.proto', package: 'greeter', syntax: 'proto3', dependency: [] });
    expect(file?.messageType.map((m) => m.name)).toEqual(['HelloRequest', 'HelloReply', 'StreamRequestData', 'StreamResponseData']);
    expect(file?.messageType[2]?.field.map((f) => [f.name, f.number, f.jsonName])).toEqual([
      ['data', 1, 'data'],
      ['count', 2, 'count'],
    ]);
    const methods = file?.service.find((s) => s.name === 'Greeter')?.method ?? [];
    expect(methods.map((m) => [m.name, m.inputType, m.outputType, m.clientStreaming, m.serverStreaming])).toEqual([
      ['SayHello', '.greeter.HelloRequest', '.greeter.HelloReply', false, false],
      ['ServerStream', '.greeter.StreamRequestData', '.greeter.StreamResponseData', false, true],
      ['ClientStream', '.greeter.StreamRequestData', '.greeter.StreamResponseData', true, false],
      ['AllStream', '.greeter.StreamRequestData', '.greeter.StreamResponseData', true, true],
    ]);
  });

  it('sends the imported files with the service file when the generated service imports others', async () => {
    const c = await serve((s) => s.handle(TestService));
    const files = await fileContainingSymbol(c, 'grpc.testing.TestService');
    expect(files.map((f) => f.name)).toEqual(['grpc/testing/test.proto', 'grpc/testing/empty.proto', 'grpc/testing/messages.proto']);
    expect(files[0]?.dependency).toEqual(['grpc/testing/empty.proto', 'grpc/testing/messages.proto']);
    // A message from an imported file resolves to that file, with snake_case field names as written.
    const [messages] = await fileContainingSymbol(c, 'grpc.testing.SimpleRequest');
    expect(messages?.name).toBe('grpc/testing/messages.proto');
    const simple = messages?.messageType.find((m) => m.name === 'SimpleRequest');
    expect(simple?.field.find((f) => f.number === 2)).toMatchObject({ name: 'response_size', jsonName: 'responseSize' });
  });
});
