import { createMemoryTransport, createPool, createTcpTransport, type Transport } from '@tsmicro/transport';
import { Container } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClientStream,
  type ClientStreamServer,
  Code,
  Context,
  createContextKey,
  createContextValues,
  Endpoint,
  Injectable,
  type Interceptor,
  type InterceptedCall,
  isMicroError,
  loadProto,
  MicroError,
  Service,
  UseInterceptors,
} from '../index.js';
import { composeChain, createClient, createServer, type Server } from '../plugin.js';

const proto = loadProto(new URL('../../../../test/fixtures/greeter.proto', import.meta.url).pathname);
const greeter = proto.service('greeter.Greeter');
const m = greeter.methods;

describe('composeChain', () => {
  const fakeCall = () => {
    let deepest = 0;
    return {
      enterLayer(layer: number) {
        if (layer <= deepest) throw new Error('twice');
        deepest = layer;
      },
    } as unknown as InterceptedCall;
  };

  it('runs interceptors as an onion, the first outermost', async () => {
    const seen: string[] = [];
    const tagged =
      (name: string): Interceptor =>
      (next) =>
      async (call) => {
        seen.push(`${name} in`);
        const r = await next(call);
        seen.push(`${name} out`);
        return `${name}(${String(r)})`;
      };
    const chain = composeChain([tagged('a'), tagged('b')], async () => 'handler');
    expect(await chain(fakeCall())).toBe('a(b(handler))');
    expect(seen).toEqual(['a in', 'b in', 'b out', 'a out']);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const throws: Interceptor = () => () => {
      throw new MicroError(Code.UNAUTHENTICATED, 'no');
    };
    const chain = composeChain([throws], async () => 'never');
    await expect(chain(fakeCall())).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
  });

  it('refuses an interceptor that returns no function, at composition', () => {
    expect(() => composeChain([(() => 42) as unknown as Interceptor], async () => 1)).toThrow(/did not return a function/);
  });
});

describe('ContextValues', () => {
  it('gives the default until set, and a child reads through without writing back', () => {
    const user = createContextKey<string | undefined>(undefined, { description: 'user' });
    const parent = createContextValues();
    expect(parent.get(user)).toBeUndefined();
    parent.set(user, 'ann');
    const child = createContextValues(parent);
    expect(child.get(user)).toBe('ann');
    child.set(user, 'bob');
    expect(child.get(user)).toBe('bob');
    expect(parent.get(user)).toBe('ann');
    child.delete(user);
    expect(child.get(user)).toBe('ann');
    expect(new Context({ values: child }).values.get(user)).toBe('ann');
  });
});

const principal = createContextKey<string>('anonymous', { description: 'principal' });

class Audit {
  readonly lines: string[] = [];
}

@Injectable()
class AuditInterceptor {
  constructor(readonly audit: Audit) {}
  intercept: Interceptor = (next) => async (call) => {
    this.audit.lines.push(`${call.side} ${call.method.name} ${call.kind}`);
    return next(call);
  };
}

let constructed = 0;
const calledWith: string[] = [];

@Service('greeter.Greeter')
@UseInterceptors(AuditInterceptor)
class Guarded {
  constructor() {
    constructed++;
  }
  @Endpoint()
  async sayHello(ctx: Context, req: { name: string }): Promise<{ message: string }> {
    calledWith.push(req.name);
    return { message: `${ctx.values.get(principal)}:${req.name}` };
  }
  @ClientStream()
  @UseInterceptors((next) => async (call) => {
    call.onRequestMessage((msg) => ({ ...(msg as object), data: `seen-${(msg as { data: string }).data}` }));
    return next(call);
  })
  async clientStream(_ctx: Context, stream: ClientStreamServer<{ data: string }>): Promise<{ data: string; index: number }> {
    const got: string[] = [];
    for await (const msg of stream) got.push(msg.data);
    return { data: got.join(','), index: got.length };
  }
}

describe('server interceptors', () => {
  let server: Server | undefined;
  let audit: Audit;
  afterEach(async () => {
    await server?.stop(0);
  });

  async function start(interceptors: Interceptor[], transport: Transport = createMemoryTransport()) {
    server = createServer({ transport, interceptors, onHandlerError: () => {} });
    server.handle(Guarded);
    audit = Container.of().get(Audit);
    const address = await server.start();
    return createClient({ transport, connections: createPool(transport), resolve: () => address });
  }

  it('rejects before the handler, carries values to it, and wraps messages', async () => {
    const ends: string[] = [];
    const auth: Interceptor = (next) => async (call) => {
      if (call.side !== 'server') return next(call);
      call.onEnd((end) => ends.push(`${call.method.name}:${end.code}`));
      const token = call.metadata.get('authorization');
      if (token === undefined) throw new MicroError(Code.UNAUTHENTICATED, 'no token');
      call.values.set(principal, String(token));
      return next(call);
    };
    const client = await start([auth]);
    const before = constructed;
    const denied = await client.call('greeter', m.sayHello!, { name: 'x' }).catch((e: unknown) => e);
    expect(isMicroError(denied) && denied.code).toBe(Code.UNAUTHENTICATED);
    expect(calledWith).not.toContain('x');
    expect(await client.call('greeter', m.sayHello!, { name: 'y' }, { metadata: { authorization: 'ann' } })).toEqual({ message: 'ann:y' });
    const up = await client.clientStream<{ data: string; count: number }, { data: string }>('greeter', m.clientStream!, {
      metadata: { authorization: 'ann' },
    });
    await up.send({ data: 'a', count: 0 });
    await up.send({ data: 'b', count: 0 });
    expect((await up.closeAndRecv()).data).toBe('seen-a,seen-b');
    expect(constructed).toBe(before);
    expect(audit.lines).toEqual(['server SayHello unary', 'server ClientStream client_streaming']);
    expect(ends).toEqual([`SayHello:${Code.UNAUTHENTICATED}`, `SayHello:${Code.OK}`, `ClientStream:${Code.OK}`]);
    await client.close();
  });

  it('runs request hooks on a unary request handed over with its call, on every transport', async () => {
    // tcp hands a unary request over with its call and reads it in place where it came in.
    for (const transport of [createMemoryTransport(), createTcpTransport()]) {
      const rewrite: Interceptor = (next) => (call) => {
        call.onRequestMessage((msg) => ({ ...(msg as object), name: `${(msg as { name: string }).name}+hooked` }));
        return next(call);
      };
      const client = await start([rewrite], transport);
      expect(await client.call('greeter', m.sayHello!, { name: 'x' })).toEqual({ message: 'anonymous:x+hooked' });
      await client.close();
      await server?.stop(0);
    }
  });

  it('turns a plain throw into UNKNOWN without its message and keeps serving', async () => {
    let fail = true;
    const flaky: Interceptor = (next) => async (call) => {
      if (fail) throw new Error('secret stack detail');
      return next(call);
    };
    const client = await start([flaky]);
    const err = await client.call('greeter', m.sayHello!, { name: 'z' }).catch((e: unknown) => e);
    expect(isMicroError(err) && err.code).toBe(Code.UNKNOWN);
    expect(String((err as Error).message)).not.toContain('secret');
    fail = false;
    expect(await client.call('greeter', m.sayHello!, { name: 'z' })).toEqual({ message: 'anonymous:z' });
    await client.close();
  });
});

describe('client interceptors', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop(0);
  });

  async function start(clientInterceptors: Interceptor[]) {
    const transport = createMemoryTransport();
    server = createServer({ transport, onHandlerError: () => {} });
    server.handle(Guarded);
    const address = await server.start();
    return createClient({ transport, connections: createPool(transport), resolve: () => address, interceptors: clientInterceptors });
  }

  it('adds metadata, sees the node and the end, and can short-circuit or retry', async () => {
    const seen: string[] = [];
    const outer: Interceptor = (next) => async (call) => {
      if (call.side !== 'client') throw new Error('client side expected');
      seen.push(`${call.target} ${call.service}/${call.method.name} @${call.peer} attempt ${call.attempt}`);
      call.onEnd((end) => seen.push(`end ${end.code}`));
      if (call.request !== undefined && (call.request as { name: string }).name === 'cached') return { message: 'from cache' };
      call.metadata.set('x-user', 'u1');
      return next(call);
    };
    let tries = 0;
    const retryOnce: Interceptor = (next) => async (call) => {
      call.onResponseMessage(() => {
        seen.push('reply');
      });
      tries++;
      if (tries === 1) {
        await next(call);
        seen.push('retrying');
      }
      return next(call);
    };
    const client = await start([outer, retryOnce]);
    expect(await client.call('greeter', m.sayHello!, { name: 'cached' })).toEqual({ message: 'from cache' });
    expect(await client.call('greeter', m.sayHello!, { name: 'n' })).toEqual({ message: 'anonymous:n' });
    expect(seen[0]).toMatch(/^greeter greeter.Greeter\/SayHello @127.0.0.1:\d+ attempt 1$/);
    // One reply hook per pass: the second pass dropped the first pass's hook.
    expect(seen[1]).toBe(`end ${Code.OK}`);
    expect(seen[2]).toMatch(/attempt 1$/);
    expect(seen.slice(3)).toEqual(['reply', 'retrying', 'reply', `end ${Code.OK}`]);
    const perCall: Interceptor = (next) => async (call) => {
      call.onRequestMessage((msg) => ({ ...(msg as object), name: 'rewritten' }));
      return next(call);
    };
    expect(await client.call('greeter', m.sayHello!, { name: 'x' }, { interceptors: [perCall] })).toEqual({ message: 'anonymous:rewritten' });
    await client.close();
  });

  it('tells end listeners before the caller, when every interceptor hands on the promise next gave it', async () => {
    const order: string[] = [];
    let failReply = false;
    let seen: InterceptedCall | undefined;
    const listen: Interceptor = (next) => (call) => {
      seen = call;
      call.onEnd((end) => order.push(`end ${end.code} ${end.message}`));
      return next(call);
    };
    const check: Interceptor = (next) => (call) => {
      call.onResponseMessage(() => {
        if (failReply) throw new MicroError(Code.DATA_LOSS, 'bad reply');
      });
      return next(call);
    };
    const client = await start([listen, check]);
    await client.call('greeter', m.sayHello!, { name: 'a' }).then(() => order.push('caller ok'));
    failReply = true;
    await client.call('greeter', m.sayHello!, { name: 'b' }, { retries: 1 }).catch((e: unknown) => order.push(`caller ${isMicroError(e) ? e.code : e}`));
    expect(order).toEqual([`end ${Code.OK} `, 'caller ok', `end ${Code.DATA_LOSS} bad reply`, `caller ${Code.DATA_LOSS}`]);
    // A listener added once the attempt ended hears its end at once.
    const late: number[] = [];
    seen?.onEnd((end) => late.push(end.code));
    expect(late).toEqual([Code.DATA_LOSS]);
    await client.close();
  });

  it('tells the end once when an interceptor runs next again after handing back the first pass', async () => {
    const ends: number[] = [];
    let second: Promise<unknown> | undefined;
    const listen: Interceptor = (next) => (call) => {
      call.onEnd((end) => ends.push(end.code));
      return next(call);
    };
    const late: Interceptor = (next) => (call) => {
      const first = next(call);
      queueMicrotask(() => {
        second = next(call);
      });
      return first;
    };
    const client = await start([listen, late]);
    expect(await client.call('greeter', m.sayHello!, { name: 'a' })).toEqual({ message: 'anonymous:a' });
    await second;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ends).toEqual([Code.OK]);
    await client.close();
  });

  it('tells the caller and every end listener the status of a request a hook rejected, retries or not', async () => {
    for (const retries of [0, 2]) {
      const ends: string[] = [];
      const listen =
        (name: string): Interceptor =>
        (next) =>
        (call) => {
          call.onEnd((end) => ends.push(`${name} ${end.code}`));
          return next(call);
        };
      const refuse: Interceptor = (next) => (call) => {
        call.onRequestMessage(() => {
          throw new MicroError(Code.PERMISSION_DENIED, 'not this one');
        });
        return next(call);
      };
      const client = await start([listen('outer'), refuse, listen('inner')]);
      const err = await client.call('greeter', m.sayHello!, { name: 'x' }, { retries }).catch((e: unknown) => e);
      expect(isMicroError(err) && [err.code, err.detail]).toEqual([Code.PERMISSION_DENIED, 'not this one']);
      // Refused before it was sent: not retried.
      expect(ends).toEqual([`outer ${Code.PERMISSION_DENIED}`, `inner ${Code.PERMISSION_DENIED}`]);
      await client.close();
      await server?.stop(0);
    }
  });
});

describe('client interceptors on a dropped stream', () => {
  it('hear its end once the dropped stream is collected', async () => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, onHandlerError: () => {} });
    server.handle(Guarded);
    const address = await server.start();
    const ends: number[] = [];
    const listen: Interceptor = (next) => (call) => {
      call.onEnd((end) => ends.push(end.code));
      return next(call);
    };
    const client = createClient({ transport, connections: createPool(transport), resolve: () => address, interceptors: [listen] });
    try {
      await (async () => {
        const upload = await client.clientStream('greeter', m.clientStream!);
        await upload.send({ data: 'a', count: 0 });
      })();
      for (let i = 0; i < 100 && ends.length === 0; i++) {
        globalThis.gc?.();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(ends).toEqual([Code.CANCELLED]);
    } finally {
      await client.close();
      await server.stop(0);
    }
  });
});

describe('server interceptor levels', () => {
  const order: string[] = [];
  const mark =
    (name: string): Interceptor =>
    (next) =>
    (call) => {
      order.push(name);
      return next(call);
    };

  @Service('greeter.Greeter')
  @UseInterceptors(mark('class 1'), mark('class 2'))
  class Layered {
    @Endpoint()
    @UseInterceptors(mark('method'))
    async sayHello(_ctx: Context, req: { name: string }): Promise<{ message: string }> {
      order.push('handler');
      return { message: req.name };
    }
  }

  it('nests service, handle() options, class and method interceptors, outermost first', async () => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, interceptors: [mark('service')], onHandlerError: () => {} });
    server.handle(Layered, { interceptors: [mark('handle options')] });
    const address = await server.start();
    const client = createClient({ transport, connections: createPool(transport), resolve: () => address });
    try {
      await client.call('greeter', m.sayHello!, { name: 'x' });
      expect(order).toEqual(['service', 'handle options', 'class 1', 'class 2', 'method', 'handler']);
    } finally {
      await client.close();
      await server.stop(0);
    }
  });

  it('refuses something that is not an interceptor at handle(), naming where', () => {
    const server = createServer({ transport: createMemoryTransport() });
    expect(() => server.handle(Layered, { interceptors: [42 as unknown as Interceptor] })).toThrow(
      /Layered handle\(\) options: interceptor 1 of 1 is number/,
    );
    expect(() => createServer({ transport: createMemoryTransport(), interceptors: [null as unknown as Interceptor] })).toThrow(/createServer: interceptor 1 of 1 is null/);
  });
});
