import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError, checkedEncoder, checkedLaterEncoder } from './message-check.js';

const schema = `
syntax = "proto3";
package probe;
enum Mood { CALM = 0; GLAD = 1; }
message Scalars {
  string name = 1;
  bytes data = 2;
  int32 i = 3;
  uint32 u = 4;
  sint32 s = 5;
  fixed32 f = 6;
  double d = 7;
  float fl = 8;
  bool b = 9;
  repeated int32 list = 10;
  repeated string words = 11;
  repeated bytes chunks = 12;
  optional string maybe = 13;
  oneof pick { string text = 14; bytes raw = 15; }
}
message Mixed { string name = 1; int64 big = 2; Mood mood = 3; Scalars inner = 4; map<string, int32> counts = 5; }
`;

const root = protobuf.parse(schema).root;
root.resolveAll();
const scalars = root.lookupType('probe.Scalars');
const mixed = root.lookupType('probe.Mixed');

// What encoding has always been: fromObject, then encode.
const copied = (type: protobuf.Type, m: Record<string, unknown>) => type.encode(type.fromObject(m)).finish();
const encodeChecked = (type: protobuf.Type, m: unknown) => checkedEncoder(type)(m);

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const scalarMessage = fc.record(
  {
    name: fc.string({ maxLength: 4 }),
    data: fc.uint8Array({ maxLength: 4 }),
    i: int32,
    u: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    s: int32,
    f: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    d: fc.double(),
    fl: fc.double(),
    b: fc.boolean(),
    list: fc.array(int32, { maxLength: 3 }),
    words: fc.array(fc.string({ maxLength: 2 }), { maxLength: 3 }),
    chunks: fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 3 }),
    maybe: fc.option(fc.string({ maxLength: 2 })),
    text: fc.string({ maxLength: 2 }),
  },
  { requiredKeys: [] },
);

describe('checkedEncoder', () => {
  it('encodes a message of scalars to the bytes fromObject + encode give', () => {
    fc.assert(
      fc.property(scalarMessage, (m) => {
        expect(Buffer.from(encodeChecked(scalars, m))).toEqual(Buffer.from(copied(scalars, m)));
      }),
    );
  });

  it('still reads fields an object inherits, as fromObject does', () => {
    const proto = { name: 'inherited', list: [1, 2] };
    const m = Object.create(proto) as Record<string, unknown>;
    m.data = new Uint8Array([1, 2]);
    const bytes = encodeChecked(scalars, m);
    expect(Buffer.from(bytes)).toEqual(Buffer.from(copied(scalars, m)));
    expect(scalars.toObject(scalars.decode(bytes))).toMatchObject({ name: 'inherited', list: [1, 2] });
  });

  it('converts what fromObject converts: 64-bit integers, enum names, nested messages, maps', () => {
    const m = { name: 'n', big: '9007199254740993', mood: 'GLAD', inner: { name: 'i', list: [3] }, counts: { a: 1 } };
    const bytes = encodeChecked(mixed, m);
    expect(Buffer.from(bytes)).toEqual(Buffer.from(copied(mixed, m)));
    const back = mixed.toObject(mixed.decode(bytes), { longs: String, enums: String });
    expect(back).toMatchObject({ big: '9007199254740993', mood: 'GLAD', inner: { name: 'i', list: [3] }, counts: { a: 1 } });
  });

  it('refuses a wrong value before encoding anything', () => {
    expect(() => encodeChecked(scalars, { i: 1.5 })).toThrow(InvalidMessageError);
    expect(() => encodeChecked(scalars, { list: [1, 'two'] })).toThrow(/probe\.Scalars\.list: expected an int32/);
    expect(() => encodeChecked(scalars, { text: 'a', raw: new Uint8Array(1) })).toThrow(/oneof pick has both text and raw set/);
    expect(() => encodeChecked(scalars, 'not a message')).toThrow(/expected a message object/);
  });
});

describe('checkedLaterEncoder', () => {
  // Laid out at an offset of a larger buffer, as a transport lays it out in its write batch.
  const laidOut = (type: protobuf.Type, m: unknown) => {
    const later = checkedLaterEncoder(type)(m);
    const target = Buffer.alloc(later.byteLength + 5, 0xee);
    later.encodeInto(target, 3);
    expect(target.subarray(0, 3)).toEqual(Buffer.from([0xee, 0xee, 0xee]));
    expect(target.subarray(3 + later.byteLength)).toEqual(Buffer.from([0xee, 0xee]));
    return target.subarray(3, 3 + later.byteLength);
  };

  it('lays out the bytes checkedEncoder gives, scalars and strings of any length', () => {
    fc.assert(
      fc.property(scalarMessage, (m) => {
        expect(laidOut(scalars, m)).toEqual(Buffer.from(encodeChecked(scalars, m)));
      }),
    );
    const long = { name: 'é'.repeat(50), words: ['x'.repeat(100)], data: new Uint8Array(300).fill(7) };
    expect(laidOut(scalars, long)).toEqual(Buffer.from(encodeChecked(scalars, long)));
  });

  it('lays out nested messages, maps, 64-bit integers and enums as checkedEncoder does', () => {
    const m = { name: 'n', big: '9007199254740993', mood: 'GLAD', inner: { name: 'i', list: [3], chunks: [new Uint8Array([1])] }, counts: { a: 1, b: 2 } };
    expect(laidOut(mixed, m)).toEqual(Buffer.from(encodeChecked(mixed, m)));
    expect(laidOut(mixed, {})).toEqual(Buffer.alloc(0));
  });

  it('checks the message as checkedEncoder does', () => {
    expect(() => checkedLaterEncoder(scalars)({ i: 'x' })).toThrow(InvalidMessageError);
  });
});
