import { join } from 'node:path';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../test/fixture-files.js';
import { loadProtos } from './load-proto.js';
import { serviceDescriptors } from './service-descriptors.js';

interface Field {
  name: string;
  jsonName?: string;
  typeName?: string;
  proto3Optional?: boolean;
  oneofIndex?: number;
}
interface Message {
  name: string;
  field?: Field[];
  nestedType?: (Message & { options?: { mapEntry?: boolean } })[];
  oneofDecl?: { name: string }[];
}
interface File {
  name: string;
  package?: string;
  dependency?: string[];
  messageType?: Message[];
  service?: { name: string; method: { name: string; inputType: string; outputType: string }[] }[];
  syntax?: string;
}

function decode(base64: string): File {
  const message = descriptor.FileDescriptorProto.decode(Buffer.from(base64, 'base64'));
  return descriptor.FileDescriptorProto.toObject(message) as File;
}

function kitchenFiles(): File[] {
  const protos = loadProtos([join(fixturesDir, 'kitchen.proto')], [fixturesDir]);
  return serviceDescriptors(protos)('kitchen.proto').map(decode);
}

describe('serviceDescriptors', () => {
  it('lists the service file first, then every file it imports', () => {
    const files = kitchenFiles();
    const [kitchen] = files;
    expect(kitchen?.name).toBe('kitchen.proto');
    expect(kitchen?.package).toBe('fixtures.kitchen');
    expect(kitchen?.syntax).toBe('proto3');
    expect(kitchen?.dependency).toEqual([
      'common/v1/money.proto',
      'google/protobuf/any.proto',
      'google/protobuf/duration.proto',
      'google/protobuf/empty.proto',
      'google/protobuf/struct.proto',
      'google/protobuf/timestamp.proto',
      'google/protobuf/wrappers.proto',
    ]);
    expect(files.map((f) => f.name).sort()).toEqual(['kitchen.proto', ...(kitchen?.dependency ?? [])].sort());
    for (const file of files) expect(file.syntax, file.name).toBe('proto3');
  });

  it('keeps field names as written and sets json_name as protoc does when the .proto uses snake_case', () => {
    const order = kitchenFiles()[0]?.messageType?.find((m) => m.name === 'Order');
    const field = (name: string) => order?.field?.find((f) => f.name === name);
    expect(field('total_cents')).toMatchObject({ jsonName: 'totalCents' });
    expect(field('created_at')).toMatchObject({ jsonName: 'createdAt', typeName: '.google.protobuf.Timestamp' });
    expect(field('price')).toMatchObject({ typeName: '.fixtures.common.v1.Money' });
    expect(order?.field?.some((f) => f.name === 'totalCents')).toBe(false);
    // proto3 optional: a synthetic oneof per field, listed after the real ones.
    expect(order?.oneofDecl?.map((o) => o.name)).toEqual(['delivery', '_note', '_priority']);
    expect(field('note')).toMatchObject({ proto3Optional: true, oneofIndex: 1 });
    const bySlot = order?.nestedType?.find((m) => m.name === 'BySlotEntry');
    expect(bySlot?.options?.mapEntry).toBe(true);
    expect(field('by_slot')).toMatchObject({ jsonName: 'bySlot', typeName: '.fixtures.kitchen.Order.BySlotEntry' });
  });

  it('names well-known fields as their .proto does even where protobufjs bundles them in camelCase', () => {
    const struct = kitchenFiles().find((f) => f.name === 'google/protobuf/struct.proto');
    const value = struct?.messageType?.find((m) => m.name === 'Value');
    expect(value?.field?.map((f) => [f.name, f.jsonName])).toEqual([
      ['null_value', 'nullValue'],
      ['number_value', 'numberValue'],
      ['string_value', 'stringValue'],
      ['bool_value', 'boolValue'],
      ['struct_value', 'structValue'],
      ['list_value', 'listValue'],
    ]);
    const any = kitchenFiles().find((f) => f.name === 'google/protobuf/any.proto');
    expect(any?.messageType?.[0]?.field?.[0]?.name).toBe('type_url');
  });

  it('describes every method of the service with fully-qualified types', () => {
    const shop = kitchenFiles()[0]?.service?.[0];
    expect(shop?.name).toBe('Shop');
    expect(shop?.method.find((m) => m.name === 'Upload')).toMatchObject({
      inputType: '.fixtures.kitchen.Order.Item',
      outputType: '.fixtures.kitchen.Order',
    });
  });
});
