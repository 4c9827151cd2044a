import { createMemoryTransport, createPool } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { type Context, type Interceptor, loadProto } from '../index.js';
import { createClient, createServer } from '../plugin.js';

const greeter = loadProto(new URL('../../../../test/fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const sayHello = greeter.methods.sayHello!;

/** counting returns an interceptor whose outer function, the one composition calls, counts how often it ran. */
function counting(): { interceptor: Interceptor; built: () => number } {
  let built = 0;
  return {
    interceptor: (next) => {
      built++;
      return (call) => next(call);
    },
    built: () => built,
  };
}

describe('interceptor chains', () => {
  it('are composed at handle() and at createClient, never per call', async () => {
    const onServer = counting();
    const onClient = counting();
    const transport = createMemoryTransport();
    const server = createServer({ transport, interceptors: [onServer.interceptor], onHandlerError: () => {} });
    server.handle(
      {
        async sayHello(_ctx: Context, req: { name: string }) {
          return { message: req.name };
        },
      },
      { definition: greeter },
    );
    // One route served, one composition.
    expect(onServer.built()).toBe(1);
    const address = await server.start();
    const client = createClient({ transport, connections: createPool(transport), resolve: () => address, interceptors: [onClient.interceptor] });
    expect(onClient.built()).toBe(1);
    try {
      for (let i = 0; i < 5; i++) expect(await client.call('greeter', sayHello, { name: `n${i}` })).toEqual({ message: `n${i}` });
      expect([onServer.built(), onClient.built()]).toEqual([1, 1]);
      // A call's own interceptors are composed for that call, with the client's around them again.
      const perCall = counting();
      await client.call('greeter', sayHello, { name: 'x' }, { interceptors: [perCall.interceptor] });
      expect([onClient.built(), perCall.built()]).toEqual([2, 1]);
    } finally {
      await client.close();
      await server.stop(0);
    }
  });
});
