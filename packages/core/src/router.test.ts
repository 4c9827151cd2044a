import 'reflect-metadata';
import { createMemoryTransport } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { Context, Endpoint, HandlerError, loadProto, MemoryLogger, Service, ServerStream, type ServerStreamServer } from './index.js';
import { createServer } from './plugin.js';

loadProto(new URL('../../../test/fixtures/shop.proto', import.meta.url).pathname);

type Order = { id: string };

// handle registers a handler on a fresh server and returns what the server logged.
function handle(handler: new () => object): MemoryLogger {
  const logger = new MemoryLogger('info');
  createServer({ transport: createMemoryTransport(), address: 'router-test:0', logger }).handle(handler);
  return logger;
}

describe('Router (through Server.handle)', () => {
  it('suggests the closest known service for an unknown name', () => {
    @Service('shop.Order')
    class Orders {
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
    }
    expect(() => handle(Orders)).toThrow(/Orders: service shop\.Order is unknown \(did you mean shop\.Orders\?\); import its generated code/);
  });

  it('suggests nothing when no known service is near', () => {
    @Service('warehouse.Stock')
    class Stock {
      async count(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
    }
    expect(() => handle(Stock)).toThrow(/service warehouse\.Stock is unknown; import/);
  });

  it('warns once at handle() about proto methods the class leaves unserved', () => {
    @Service('shop.Orders')
    class OnlyPlace {
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
    }
    const logger = handle(OnlyPlace);
    expect(logger.records).toEqual([
      { level: 'warn', msg: 'OnlyPlace does not serve shop.Orders.Watch: calls to it get UNIMPLEMENTED', fields: { handler: 'OnlyPlace' } },
    ]);
  });

  it('warns about nothing when every method is served', () => {
    @Service('shop.Orders')
    class All {
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
      async watch(_ctx: Context, req: Order, stream: ServerStreamServer<Order>): Promise<void> {
        await stream.send(req);
      }
    }
    expect(handle(All).records).toEqual([]);
  });

  it('refuses a class that decorates some proto methods and leaves another undecorated', () => {
    @Service('shop.Orders')
    class HalfDecorated {
      @Endpoint()
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
      async watch(_ctx: Context, req: Order, stream: ServerStreamServer<Order>): Promise<void> {
        await stream.send(req);
      }
    }
    expect(() => handle(HalfDecorated)).toThrow(HandlerError);
    expect(() => handle(HalfDecorated)).toThrow(
      'HalfDecorated decorates placeOrder but not HalfDecorated.watch (@ServerStream()), which shop.Orders also declares: decorate it too, or rename it if not meant to be served',
    );
  });

  it('takes a decorated class whose other methods are not in the proto', () => {
    @Service('shop.Orders')
    class Decorated {
      @Endpoint()
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return this.audit(req);
      }
      @ServerStream()
      async watch(_ctx: Context, req: Order, stream: ServerStreamServer<Order>): Promise<void> {
        await stream.send(req);
      }
      audit(req: Order): Order {
        return req;
      }
    }
    expect(handle(Decorated).records).toEqual([]);
  });

  it('says a type-only import erased the Context parameter, and how to import it', () => {
    // tsc (not the transform tests run under) writes Function for a class imported with `import { type Context }`.
    @Service('shop.Orders')
    class TypeOnly {
      @Endpoint()
      @Reflect.metadata('design:paramtypes', [Function, Object])
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
    }
    expect(() => handle(TypeOnly)).toThrow(
      /TypeOnly\.placeOrder: its first parameter's type was erased to Function in design:paramtypes, as `import type` or `import \{ type Context \}` does; import Context as a value, `import \{ Context \} from '@tsmicro\/core'`/,
    );
  });
});
