import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGrpcTransport, createPool } from '@tsmicro/transport';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Client, loadProto } from '../index.js';
import { createClient, createServer, type Server } from '../plugin.js';
import { ReflectionV1AlphaDefinition, ReflectionV1Definition, type ServerReflectionResponse } from './reflection-proto.js';
import { reflectionService } from './reflection-service.js';

let dir: string;
let running: { server: Server; client: Client } | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsmicro-reflection-'));
  mkdirSync(join(dir, 'shop', 'common'), { recursive: true });
  writeFileSync(
    join(dir, 'shop', 'common', 'money.proto'),
    'syntax = "proto3";\npackage shop.common;\nmessage Money { string currency_code = 1; int64 units = 2; }\nenum Unit { UNIT_NONE = 0; UNIT_KG = 1; }\n',
  );
  writeFileSync(
    join(dir, 'shop', 'cart.proto'),
    [
      'syntax = "proto3";',
      'package shop;',
      'import "shop/common/money.proto";',
      'message Item { string sku = 1; shop.common.Money unit_price = 2; map<string, shop.common.Money> price_by_region = 3; optional string note = 4;',
      '  repeated int32 tag_ids = 5; shop.common.Unit unit = 6; oneof pick { string gift = 7; string coupon = 8; } message Line { int32 qty = 1; } repeated Line lines = 9; }',
      'message Cart { repeated Item items = 1; }',
      'service CartService { rpc Get(Item) returns (Cart); rpc Watch(Item) returns (stream Cart); }',
    ].join('\n'),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await running?.client.close();
  await running?.server.stop(0);
  running = undefined;
});

async function start(): Promise<Client> {
  const transport = createGrpcTransport();
  const server = createServer({ transport });
  const cart = loadProto(join(dir, 'shop', 'cart.proto'), { includeDirs: [dir] });
  server.handle({ get: async () => ({ items: [] }) }, { definition: cart.service('shop.CartService') });
  for (const r of reflectionService(server)) server.handle(r.handler, { definition: r.definition });
  const address = await server.start();
  const client = createClient({ transport, connections: createPool(transport, {}), resolve: () => address });
  running = { server, client };
  return client;
}

async function ask(client: Client, request: Record<string, unknown>, definition = ReflectionV1Definition): Promise<ServerReflectionResponse> {
  const method = definition.methods.serverReflectionInfo;
  if (!method) throw new Error('no serverReflectionInfo');
  const stream = await client.bidiStream<Record<string, unknown>, ServerReflectionResponse>('r', method);
  await stream.send(request);
  const reply = await stream.recv();
  stream.closeSend();
  return reply;
}

function decode(response: ServerReflectionResponse): protobuf.Message[] {
  return (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((b) => descriptor.FileDescriptorProto.decode(b));
}

describe('reflectionService', () => {
  it('lists the services the server handles, reflection itself included', async () => {
    const client = await start();
    const reply = await ask(client, { listServices: '*' });
    expect(reply.listServicesResponse?.service.map((s) => s.name).sort()).toEqual([
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'shop.CartService',
    ]);
  });

  it('answers on v1alpha as on v1', async () => {
    const client = await start();
    const reply = await ask(client, { fileContainingSymbol: 'shop.Cart' }, ReflectionV1AlphaDefinition);
    expect(decode(reply).map((f) => (f as unknown as { name: string }).name)).toEqual(['shop/cart.proto', 'shop/common/money.proto']);
  });

  it('returns the file of a method symbol with its imports, readable as the original types', async () => {
    const client = await start();
    const reply = await ask(client, { fileContainingSymbol: 'shop.CartService.Get' });
    const files = decode(reply);
    const cart = files[0] as unknown as { name: string; dependency: string[] };
    expect(cart.name).toBe('shop/cart.proto');
    expect(cart.dependency).toEqual(['shop/common/money.proto']);
    // Rebuilt from the descriptors alone, the types encode as the .proto does.
    // ext/descriptor adds Root.fromDescriptor without typing it.
    const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(set: protobuf.Message): protobuf.Root }).fromDescriptor;
    const root = fromDescriptor(descriptor.FileDescriptorSet.create({ file: files }));
    const original = new protobuf.Root();
    original.resolvePath = (_origin, target) => join(dir, target);
    original.loadSync('shop/cart.proto', { keepCase: true });
    const sample = {
      sku: 'a',
      unit_price: { currency_code: 'EUR', units: 7 },
      price_by_region: { eu: { currency_code: 'EUR', units: 3 } },
      note: 'n',
      tag_ids: [1, 2, 300],
      unit: 1,
      coupon: 'c',
      lines: [{ qty: 2 }],
    };
    const viaReflection = root.lookupType('shop.Item');
    const viaFile = original.lookupType('shop.Item');
    const bytes = viaFile.encode(viaFile.fromObject(sample)).finish();
    expect(Buffer.from(viaReflection.encode(viaReflection.decode(bytes)).finish())).toEqual(Buffer.from(bytes));
    expect(viaReflection.fieldsArray.map((f) => [f.name, f.id])).toEqual(viaFile.fieldsArray.map((f) => [f.name, f.id]));
    // protoc's shape: a nested FieldNameEntry marked map_entry, fully-qualified type names.
    const item = (cart as unknown as { messageType: { name: string; field: { name: string; typeName?: string }[]; nestedType: { name: string; options?: { mapEntry?: boolean } }[] }[] }).messageType[0];
    expect(item?.field.find((f) => f.name === 'price_by_region')?.typeName).toBe('.shop.Item.PriceByRegionEntry');
    expect(item?.field.find((f) => f.name === 'unit_price')?.typeName).toBe('.shop.common.Money');
    expect(item?.nestedType.find((t) => t.name === 'PriceByRegionEntry')?.options?.mapEntry).toBe(true);
  });

  it('finds a file by name and a message by its full name', async () => {
    const client = await start();
    expect(decode(await ask(client, { fileByFilename: 'shop/common/money.proto' })).length).toBe(1);
    const reply = await ask(client, { fileContainingSymbol: 'shop.Item.Line' });
    expect(decode(reply).length).toBe(2);
    expect((await ask(client, { allExtensionNumbersOfType: 'shop.Item' })).allExtensionNumbersResponse).toEqual({
      baseTypeName: 'shop.Item',
      extensionNumber: [],
    });
  });

  it('answers NOT_FOUND for unknown files and symbols, and keeps the stream open', async () => {
    const client = await start();
    const method = ReflectionV1Definition.methods.serverReflectionInfo;
    if (!method) throw new Error('no serverReflectionInfo');
    const stream = await client.bidiStream<Record<string, unknown>, ServerReflectionResponse>('r', method);
    await stream.send({ fileByFilename: 'nope.proto' });
    expect((await stream.recv()).errorResponse?.errorCode).toBe(5);
    await stream.send({ fileContainingSymbol: 'no.Such' });
    expect((await stream.recv()).errorResponse).toMatchObject({ errorCode: 5, errorMessage: 'symbol no.Such not found' });
    await stream.send({ listServices: '' });
    expect((await stream.recv()).listServicesResponse?.service.length).toBe(3);
    stream.closeSend();
  });
});
