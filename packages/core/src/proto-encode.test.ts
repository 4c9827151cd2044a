import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from './message-check.js';
import { protoEncoder } from './proto-encode.js';

const schema = `
syntax = "proto3";
package probe;
enum Mood { CALM = 0; GLAD = 1; }
message Flat {
  string name = 1;
  bytes data = 2;
  int32 count = 3;
  uint32 size = 4;
  double ratio = 5;
  float part = 6;
  bool on = 7;
  repeated int32 marks = 8;
  repeated string tags = 9;
  repeated bytes chunks = 10;
  oneof pick { string text = 11; bytes raw = 12; }
  optional sint32 maybe = 13;
}
message Rich { string name = 1; int64 big = 2; Mood mood = 3; Flat flat = 4; map<string, int32> counts = 5; }
`;

const root = protobuf.parse(schema, { keepCase: true }).root;
root.resolveAll();
const flatType = root.lookupType('probe.Flat');
const richType = root.lookupType('probe.Rich');

// What encoding was before: protobufjs's own fromObject, then encode.
const reference = (type: protobuf.Type, message: object): Uint8Array => type.encode(type.fromObject(message as Record<string, unknown>)).finish();

const bytes = fc.uint8Array({ maxLength: 5 });
const flat = fc.record(
  {
    name: fc.string({ maxLength: 4 }),
    data: bytes,
    count: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    size: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    ratio: fc.double(),
    part: fc.float(),
    on: fc.boolean(),
    marks: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3 }),
    tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
    chunks: fc.array(bytes, { maxLength: 3 }),
    maybe: fc.integer({ min: -5, max: 5 }),
  },
  { requiredKeys: [] },
);
const pick = fc.oneof(fc.constant({}), fc.record({ text: fc.string({ maxLength: 3 }) }), fc.record({ raw: bytes }));
const flatMessage = fc.tuple(flat, pick).map(([fields, chosen]) => ({ ...fields, ...chosen }));

describe('protoEncoder', () => {
  const encode = protoEncoder(flatType);

  it('encodes a plain object of a flat type to the bytes fromObject + encode give', () => {
    fc.assert(
      fc.property(flatMessage, (message) => {
        expect(encode(message)).toEqual(reference(flatType, message));
      }),
    );
  });

  it('reads fields a class instance has as getters, as fromObject does', () => {
    class Named {
      get name(): string {
        return 'from a getter';
      }
      readonly count = 3;
    }
    const message = new Named();
    expect(encode(message)).toEqual(reference(flatType, message));
    expect(flatType.decode(encode(message)).toJSON()).toMatchObject({ name: 'from a getter', count: 3 });
  });

  it('encodes an object without a prototype', () => {
    const message = Object.assign(Object.create(null) as object, { name: 'bare', count: 2 });
    expect(encode(message)).toEqual(reference(flatType, { name: 'bare', count: 2 }));
  });

  it('still converts enum names, 64-bit integers, nested messages and maps', () => {
    const message = { name: 'n', big: '9007199254740993', mood: 'GLAD', flat: { name: 'inner', marks: [1, 2] }, counts: { a: 1 } };
    expect(protoEncoder(richType)(message)).toEqual(reference(richType, message));
  });

  it('throws InvalidMessageError for a wrong-typed field, before encoding', () => {
    expect(() => encode({ count: 'lots' })).toThrow(InvalidMessageError);
    expect(() => encode({ count: 1.5 })).toThrow(/probe\.Flat\.count: expected an int32/);
    expect(() => encode({ marks: [1, null] })).toThrow(InvalidMessageError);
    expect(() => encode({ text: 'a', raw: new Uint8Array(1) })).toThrow(/oneof pick/);
    expect(() => encode('not a message')).toThrow(/expected a message object/);
  });
});
