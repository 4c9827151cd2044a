import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type GreeterServer, startGreeter } from './support/greeter-server.js';

// A stock grpc-js client with hand-built codecs: it checks the wire format of
// server reflection and health, not tsmicro's own client. Only the fields
// this test reads are declared; field numbers are those of the standard protos.
const wire = protobuf.parse(`
syntax = "proto3";
message ReflectionRequest { string host = 1; string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
message ReflectionResponse {
  FileDescriptors file_descriptor_response = 4;
  Services list_services_response = 6;
  Error error_response = 7;
}
message FileDescriptors { repeated bytes file_descriptor_proto = 1; }
message Services { repeated Named service = 1; }
message Named { string name = 1; }
message Error { int32 error_code = 1; string error_message = 2; }
message FileDescriptor { string name = 1; string package = 2; repeated string dependency = 3; repeated Named message_type = 4; repeated Named service = 6; }
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { int32 status = 1; }
`, { keepCase: true }).root;

const codec = (name: string) => {
  const type = wire.lookupType(name);
  return {
    serialize: (value: object) => Buffer.from(type.encode(type.fromObject(value)).finish()),
    deserialize: (bytes: Buffer) => type.toObject(type.decode(bytes), { defaults: true }) as Record<string, unknown>,
  };
};
const SERVING = 1;
const NOT_SERVING = 2;

let greeter: GreeterServer | undefined;
let client: grpc.Client | undefined;

afterEach(async () => {
  client?.close();
  await greeter?.stop();
  greeter = undefined;
  client = undefined;
});

function reflect(c: grpc.Client, version: 'v1' | 'v1alpha', requests: object[]): Promise<Record<string, unknown>[]> {
  const req = codec('ReflectionRequest');
  const res = codec('ReflectionResponse');
  const call = c.makeBidiStreamRequest(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, req.serialize, res.deserialize);
  const replies: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    call.on('data', (reply: Record<string, unknown>) => replies.push(reply));
    call.on('error', reject);
    call.on('end', () => resolve(replies));
    for (const r of requests) call.write(r);
    call.end();
  });
}

function check(c: grpc.Client, service = ''): Promise<number> {
  const req = codec('HealthCheckRequest');
  const res = codec('HealthCheckResponse');
  return new Promise((resolve, reject) => {
    c.makeUnaryRequest('/grpc.health.v1.Health/Check', req.serialize, res.deserialize, { service }, (err, reply) => {
      if (err) reject(err);
      else resolve(reply?.status as number);
    });
  });
}

describe('reflectionService (stock grpc-js client)', () => {
  it.each(['v1', 'v1alpha'] as const)('lists the greeter and fetches its file descriptor over %s', async (version) => {
    greeter = await startGreeter();
    client = new grpc.Client(greeter.address, grpc.credentials.createInsecure());
    const [list, files] = await reflect(client, version, [{ list_services: '' }, { file_containing_symbol: 'greeter.Greeter' }]);
    const names = ((list?.list_services_response as { service: { name: string }[] } | undefined)?.service ?? []).map((s) => s.name);
    expect(names).toContain('greeter.Greeter');
    expect(names).toContain('grpc.health.v1.Health');
    const protos = (files?.file_descriptor_response as { file_descriptor_proto: Uint8Array[] } | undefined)?.file_descriptor_proto;
    const fd = codec('FileDescriptor').deserialize(Buffer.from(protos?.[0] as Uint8Array)) as { name: string; package: string; service: { name: string }[]; message_type: { name: string }[] };
    expect(fd.name).toBe('greeter.proto');
    expect(fd.package).toBe('greeter');
    expect(fd.service.map((s) => s.name)).toEqual(['Greeter']);
    expect(fd.message_type.map((m) => m.name)).toEqual(['HelloRequest', 'HelloReply', 'StreamRequestData', 'StreamResponseData']);
  });

  it('answers an unknown file with NOT_FOUND in an error response', async () => {
    greeter = await startGreeter();
    client = new grpc.Client(greeter.address, grpc.credentials.createInsecure());
    const [reply] = await reflect(client, 'v1', [{ file_by_filename: 'missing.proto' }]);
    expect(reply?.error_response).toMatchObject({ error_code: grpc.status.NOT_FOUND });
  });
});

describe('healthService (stock grpc-js client)', () => {
  it('answers SERVING, then NOT_SERVING to checks and watchers during a graceful stop', async () => {
    greeter = await startGreeter({ graceMs: 20_000 });
    client = new grpc.Client(greeter.address, grpc.credentials.createInsecure());
    expect(await check(client)).toBe(SERVING);
    expect(await check(client, 'greeter.Greeter')).toBe(SERVING);

    const req = codec('HealthCheckRequest');
    const res = codec('HealthCheckResponse');
    const watch = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', req.serialize, res.deserialize, { service: '' });
    const seen: number[] = [];
    watch.on('data', (r: { status: number }) => seen.push(r.status));
    const watchEnded = new Promise<grpc.StatusObject>((resolve) => watch.on('status', resolve));
    watch.on('error', () => {});
    await expect.poll(() => seen).toEqual([SERVING]);

    const stopping = greeter.stopGracefully(1_500);
    expect(await check(client)).toBe(NOT_SERVING);
    expect(await check(client, 'greeter.Greeter')).toBe(NOT_SERVING);
    await expect.poll(() => seen).toEqual([SERVING, NOT_SERVING]);
    await stopping;
    // The open watch ended cleanly instead of holding the drain for its 20 s grace.
    expect((await watchEnded).code).toBe(grpc.status.OK);
    greeter = undefined;
  });
});
