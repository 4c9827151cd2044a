import { Code, Context, isMicroError, loadProto, type MethodDefinition, Service } from '@tsmicro/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve } from '../support/serve.js';

const shop = loadProto(new URL('../fixtures/shop.proto', import.meta.url).pathname);
const orders = shop.service('shop.Orders');
const placeOrder = orders.methods.placeOrder as MethodDefinition<Record<string, unknown>, Record<string, unknown>>;
const watch = orders.methods.watch as MethodDefinition<Record<string, unknown>, Record<string, unknown>>;

let handled = 0;

@Service('shop.Orders')
class Orders {
  async placeOrder(_ctx: Context, req: { id: string; totalCents: string; status: string; items: unknown[] }) {
    handled++;
    return { id: req.id, totalCents: req.totalCents, status: req.status, items: req.items.length };
  }

  async watch(_ctx: Context, req: { id: string }, stream: { send(m: object): Promise<void> }) {
    handled++;
    await stream.send({ id: req.id });
  }
}

let served: Served;

beforeAll(async () => {
  served = await serve('tcp', [Orders]);
});

afterAll(async () => {
  await served.close();
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['a word for an int32', { items: [{ quantity: 'lots' }] }, /shop\.Item\.quantity: expected an int32 \(integer number\), got "lots"/],
  ['a word for an int64', { totalCents: 'abc' }, /shop\.PlaceOrderRequest\.totalCents: expected an int64 \(decimal string or integer\), got "abc"/],
  ['an unknown enum name', { status: 'STATUS_SHIPPED' }, /shop\.PlaceOrderRequest\.status: expected a shop\.Status value name or number, got "STATUS_SHIPPED"/],
  ['a fraction for an int32', { items: [{ quantity: 1.5 }] }, /shop\.Item\.quantity: expected an int32/],
  ['a number for a string', { id: 7 }, /shop\.PlaceOrderRequest\.id: expected a string, got 7/],
  ['an object for a list', { items: { quantity: 1 } }, /shop\.PlaceOrderRequest\.items: expected a list of a shop\.Item message, got an object/],
];

describe('strict input', () => {
  for (const codec of ['proto', 'json']) {
    for (const [what, request, message] of bad) {
      it(`refuses ${what} with INVALID_ARGUMENT before anything is sent (${codec} codec)`, async () => {
        const before = handled;
        const fresh = await serve('tcp', []);
        try {
          const err = await fresh.client.call('shop', placeOrder, request, { address: served.address, codec }).catch((e: unknown) => e);
          expect(isMicroError(err) && err.code).toBe(Code.INVALID_ARGUMENT);
          expect((err as Error).message).toMatch(message);
          // Nothing was dialed: the request was checked before a connection was asked for.
          expect(fresh.pool.stats()[served.address]?.connections ?? []).toEqual([]);
        } finally {
          await fresh.close();
        }
        expect(handled).toBe(before);
      });
    }
  }

  it('refuses a bad request of a server stream before the call starts', async () => {
    const err = await served.client.serverStream('shop', watch, { totalCents: '12.5' }).catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.INVALID_ARGUMENT);
    expect((err as Error).message).toMatch(/shop\.PlaceOrderRequest\.totalCents: expected an int64/);
  });

  it('takes the proto3 forms: int64 as string or integer, enums by name or number', async () => {
    const a = await served.client.call('shop', placeOrder, { id: 'o-1', totalCents: '9007199254740993', status: 1, items: [{ quantity: 2 }] });
    expect(a).toEqual({ id: 'o-1', totalCents: '9007199254740993', status: 'STATUS_OPEN', items: 1 });
    const b = await served.client.call('shop', placeOrder, { id: 'o-2', totalCents: 12, status: 'STATUS_OPEN' }, { codec: 'json' });
    expect(b).toEqual({ id: 'o-2', totalCents: '12', status: 'STATUS_OPEN', items: 0 });
  });

  it('reads JSON strictly: camelCase or proto names, unknown fields refused', () => {
    const type = placeOrder.requestType;
    expect(type.fromJSON({ total_cents: '5', status: 1 })).toMatchObject({ totalCents: '5', status: 'STATUS_OPEN' });
    expect(type.fromJSON({ totalCents: 5 })).toMatchObject({ totalCents: '5' });
    expect(() => type.fromJSON({ idd: 'o-1' })).toThrow(/shop\.PlaceOrderRequest: unknown field "idd"/);
    expect(() => type.fromJSON({ items: [{ quantity: 'lots' }] })).toThrow(/shop\.Item\.quantity: expected an integer \(int32\)/);
    expect(() => type.fromJSON({ status: 'NOPE' })).toThrow(/shop\.PlaceOrderRequest\.status: unknown enum value "NOPE"/);
  });

  it('answers INVALID_ARGUMENT when a server receives JSON that does not fit the message', async () => {
    // A request type whose JSON form is anything it is given: only the server can refuse it.
    const loose = { ...placeOrder, requestType: { ...placeOrder.requestType, toJSON: (m: unknown) => m } };
    const before = handled;
    const err = await served.client.call('shop', loose, { idd: 'o-1' }, { codec: 'json' }).catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.INVALID_ARGUMENT);
    expect((err as Error).message).toMatch(/shop\.PlaceOrderRequest: unknown field "idd"/);
    expect(handled).toBe(before);
  });
});
