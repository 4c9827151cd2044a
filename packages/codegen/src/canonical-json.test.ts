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
