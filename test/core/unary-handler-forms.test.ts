import { Code, Context, isMicroError, loadProto, type MethodDefinition, MicroError, Service } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve } from '../support/serve.js';

// A unary handler may return its reply, a promise of it or any thenable, or
// throw: the server follows each without an async frame of its own, and each
// must end the call exactly as `await` would.

const greeter = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const sayHello = greeter.methods.sayHello as MethodDefinition<{ name: string }, { message: string }>;

/** A thenable that is not a Promise, settling on a later turn. */
function later<T>(settle: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): PromiseLike<T> {
  return {
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the case under test
    then(onFulfilled, onRejected) {
      return new Promise<T>((resolve, reject) => setImmediate(() => settle(resolve, reject))).then(onFulfilled, onRejected);
    },
  };
}

@Service('greeter.Greeter')
class Forms {
  sayHello(_ctx: Context, req: { name: string }): unknown {
    switch (req.name) {
      case 'sync':
        return { message: 'at once' };
      case 'sync-throw':
        throw new MicroError(Code.FAILED_PRECONDITION, 'thrown at once');
      case 'sync-bad-reply':
        return { message: 7 };
      case 'thenable':
        return later((resolve) => resolve({ message: 'from a thenable' }));
      case 'thenable-reject':
        return later((_resolve, reject) => reject(new MicroError(Code.NOT_FOUND, 'thenable rejected')));
      case 'rejected':
        return Promise.reject(new MicroError(Code.ALREADY_EXISTS, 'promise rejected'));
      default:
        return Promise.resolve({ message: `hello ${req.name}` });
    }
  }
}

const transports: TransportName[] = ['tcp', 'memory', 'grpc'];

describe.each(transports)('unary handler forms over %s', (transport) => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(transport, [new Forms()]);
  });

  afterAll(async () => {
    await served.close();
  });

  const call = (name: string) => served.client.call('greeter', sayHello, { name });
  const failure = async (name: string) => {
    const err = await call(name).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMicroError(err)).toBe(true);
    return err as MicroError;
  };

  it('sends a reply returned at once, a promised one and a thenable one', async () => {
    expect(await call('sync')).toEqual({ message: 'at once' });
    expect(await call('world')).toEqual({ message: 'hello world' });
    expect(await call('thenable')).toEqual({ message: 'from a thenable' });
  });

  it('ends the call with the status of a synchronous throw, a rejected promise or a rejected thenable', async () => {
    expect(await failure('sync-throw')).toMatchObject({ code: Code.FAILED_PRECONDITION, detail: 'thrown at once' });
    expect(await failure('rejected')).toMatchObject({ code: Code.ALREADY_EXISTS, detail: 'promise rejected' });
    expect(await failure('thenable-reject')).toMatchObject({ code: Code.NOT_FOUND, detail: 'thenable rejected' });
  });

  it('ends the call INTERNAL when a reply returned at once cannot be encoded, and serves the next calls', async () => {
    const err = await failure('sync-bad-reply');
    expect(err.code).toBe(Code.INTERNAL);
    expect(err.detail).toMatch(/HelloReply\.message: expected a string, got 7/);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 === 0 ? 'sync' : `n${i}`)));
    expect(replies.map((r) => r.message)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'at once' : `hello n${i}`)));
    expect(served.server.stats().activeStreams).toBe(0);
  });
});
