import 'reflect-metadata';
import { createMemoryTransport } from '@tsmicro/transport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context, Endpoint, HandlerError, loadProto, Service, ServerStream, type ServerStreamServer } from './index.js';
import { createServer } from './plugin.js';

loadProto(new URL('../../../test/fixtures/shop.proto', import.meta.url).pathname);

type Order = { id: string };

function handle(handler: new () => object): void {
  createServer({ transport: createMemoryTransport(), address: 'router-test:0' }).handle(handler);
}

describe('Router (through Server.handle)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

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
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    @Service('shop.Orders')
    class OnlyPlace {
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
    }
    handle(OnlyPlace);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('tsmicro: OnlyPlace does not serve shop.Orders.Watch: calls to it get UNIMPLEMENTED');
  });

  it('warns about nothing when every method is served', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    @Service('shop.Orders')
    class All {
      async placeOrder(_ctx: Context, req: Order): Promise<Order> {
        return req;
      }
      async watch(_ctx: Context, req: Order, stream: ServerStreamServer<Order>): Promise<void> {
        await stream.send(req);
      }
    }
    handle(All);
    expect(warn).not.toHaveBeenCalled();
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
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
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
    expect(() => handle(Decorated)).not.toThrow();
    expect(warn).not.toHaveBeenCalled();
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
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => handle(TypeOnly)).toThrow(
      /TypeOnly\.placeOrder: its first parameter's type was erased to Function in design:paramtypes, as `import type` or `import \{ type Context \}` does; import Context as a value, `import \{ Context \} from '@tsmicro\/core'`/,
    );
  });
});
