import { describe, expect, it } from 'vitest';
import { Address, Order } from '../test/golden/kitchen.js';

describe('MessageType.toJSON (generated runtime)', () => {
  it('writes the proto3 canonical JSON forms when fields hold well-known and special values', () => {
    const json = Order.toJSON({
      id: '',
      note: '',
      totalCents: '12',
      blob: new Uint8Array([255, 1]),
      status: 'STATUS_DONE',
      ratio: Number.NaN,
      weight: Number.NEGATIVE_INFINITY,
      counters: { a: '9007199254740993' },
      createdAt: { seconds: '1700000000', nanos: 123000000 },
      ttl: { seconds: '-5', nanos: -500000000 },
      coupon: { value: 'x' },
      points: {},
      attributes: { fields: { n: { numberValue: 1 }, z: { nullValue: 'NULL_VALUE' }, l: { listValue: { values: [{ boolValue: true }] } } } },
      payload: { type_url: 'type.googleapis.com/fixtures.kitchen.Address', value: Address.encode({ city: 'Oslo' }) },
      shipTo: {},
    });
    expect(json).toEqual({
      note: '',
      totalCents: '12',
      blob: '/wE=',
      status: 'STATUS_DONE',
      ratio: 'NaN',
      weight: '-Infinity',
      counters: { a: '9007199254740993' },
      createdAt: '2023-11-14T22:13:20.123Z',
      ttl: '-5.500s',
      coupon: 'x',
      points: '0',
      attributes: { n: 1, z: null, l: [true] },
      payload: { '@type': 'type.googleapis.com/fixtures.kitchen.Address', city: 'Oslo' },
      shipTo: {},
    });
  });
});

describe('MessageType.fromJSON (generated runtime)', () => {
  it('reads numbers given as strings, enum numbers, RFC 3339 offsets and null as absent', () => {
    const order = Order.fromJSON({
      i32: '-5',
      totalCents: 7,
      status: 1,
      createdAt: '1970-01-01T01:00:00.5+01:00',
      bySlot: { '3': { sku: 'a' } },
      coupon: null,
    });
    expect(order).toEqual({
      i32: -5,
      totalCents: '7',
      status: 'STATUS_OPEN',
      createdAt: { seconds: '0', nanos: 500000000 },
      bySlot: { '3': { sku: 'a' } },
    });
  });

  it('throws naming the field when JSON does not fit the message', () => {
    expect(() => Order.fromJSON({ nope: 1 })).toThrow(/fixtures\.kitchen\.Order: unknown field "nope"/);
    expect(() => Order.fromJSON({ u32: -1 })).toThrow(/Order\.u32: integer out of range/);
    expect(() => Order.fromJSON({ status: 'STATUS_NOPE' })).toThrow(/Order\.status: unknown enum value/);
    expect(() => Order.fromJSON({ createdAt: 'yesterday' })).toThrow(/Timestamp/);
    expect(() => Order.fromJSON([])).toThrow(/expected a JSON object/);
  });
});

describe('MessageType.encode and toJSON (strict input)', () => {
  it('takes every value form a field type has in plain objects', () => {
    const order = {
      totalCents: 5,
      big: 18446744073709551615n as unknown as string,
      delta: '-9223372036854775808',
      status: 2 as unknown as 'STATUS_DONE',
      items: [{ kind: 'KIND_GOOD' as const, quantity: -3 }],
      counters: { a: '1' },
      blob: Buffer.from('x'),
    };
    expect(Order.decode(Order.encode(order))).toMatchObject({ totalCents: '5', big: '18446744073709551615', status: 'STATUS_DONE' });
    expect(Order.toJSON(order)).toMatchObject({ totalCents: '5', status: 'STATUS_DONE' });
  });

  it('throws naming message, field and expected type when a value does not fit', () => {
    const cases: [object, RegExp][] = [
      [{ u32: -1 }, /Order\.u32: expected a uint32 \(integer number from 0\), got -1/],
      [{ big: '-1' }, /Order\.big: expected a uint64/],
      [{ totalCents: '9223372036854775808' }, /Order\.totalCents: expected an int64/],
      [{ paid: 'yes' }, /Order\.paid: expected a bool \(true or false\), got "yes"/],
      [{ blob: 'eA==' }, /Order\.blob: expected bytes \(a Uint8Array\)/],
      [{ counters: { a: 'x' } }, /Order\.counters: expected an int64/],
      [{ items: [{ kind: 'KIND_NOPE' }] }, /Order\.Item\.kind: expected a fixtures\.kitchen\.Order\.Item\.Kind value name or number/],
      [{ shipTo: {}, digital: true }, /oneof delivery has both shipTo and digital set/],
      [{ createdAt: 'yesterday' }, /Order\.createdAt: expected a google\.protobuf\.Timestamp message/],
    ];
    for (const [message, error] of cases) {
      expect(() => Order.encode(message as never)).toThrow(error);
      expect(() => Order.toJSON(message as never)).toThrow(error);
    }
    expect(() => Order.encode(undefined as never)).toThrow(/fixtures\.kitchen\.Order: expected a message object, got undefined/);
  });
});
