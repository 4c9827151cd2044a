import { createMemoryTransport, createPool } from '@tsmicro/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { type Context, createContextKey, type Interceptor, loadProto } from '../index.js';
import { createClient, createServer, type Server } from '../plugin.js';

const greeter = loadProto(new URL('../../../../test/fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const sayHello = greeter.methods.sayHello!;
const principal = createContextKey<string>('anonymous', { description: 'principal' });
const hop = createContextKey<number>(0, { description: 'hop' });

describe('context values across a downstream call', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop(0);
  });

  const serve = async (handler: object, interceptors: Interceptor[] = []) => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, interceptors, onHandlerError: () => {} });
    server.handle(handler, { definition: greeter });
    servers.push(server);
    const address = await server.start();
    return (clientInterceptors: Interceptor[] = []) =>
      createClient({ transport, connections: createPool(transport), resolve: () => address, interceptors: clientInterceptors });
  };

  it('carry what a server interceptor set to the client interceptors of a call made with { ctx }, and no write comes back', async () => {
    // The back service answers with the principal header the downstream client interceptor sent.
    const back = await serve({
      async sayHello(ctx: Context) {
        return { message: `${ctx.metadata.getString('x-principal')} hop ${ctx.metadata.getString('x-hop')}` };
      },
    });
    const forward: Interceptor = (next) => (call) => {
      if (call.side === 'client') {
        call.metadata.set('x-principal', call.values.get(principal));
        call.values.set(hop, call.values.get(hop) + 1);
        call.metadata.set('x-hop', String(call.values.get(hop)));
      }
      return next(call);
    };
    const backClient = back([forward]);
    const seenAfter: string[] = [];
    const front = await serve(
      {
        async sayHello(ctx: Context, req: { name: string }) {
          const reply = (await backClient.call('greeter', sayHello, req, { ctx })) as { message: string };
          seenAfter.push(`${ctx.values.get(principal)} hop ${ctx.values.get(hop)}`);
          return reply;
        },
      },
      [
        (next) => (call) => {
          if (call.side === 'server') call.values.set(principal, call.metadata.getString('authorization') ?? 'nobody');
          return next(call);
        },
      ],
    );
    const caller = front();
    expect(await caller.call('greeter', sayHello, { name: 'x' }, { metadata: { authorization: 'ann' } })).toEqual({ message: 'ann hop 1' });
    expect(await caller.call('greeter', sayHello, { name: 'x' })).toEqual({ message: 'nobody hop 1' });
    // The client interceptor's write stayed in its call's values.
    expect(seenAfter).toEqual(['ann hop 0', 'nobody hop 0']);
    await caller.close();
    await backClient.close();
  });
});
