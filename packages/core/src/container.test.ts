import { createMemoryTransport } from '@tsmicro/transport';
import { Container, Service as Injectable } from 'typedi';
import { describe, expect, it } from 'vitest';
import { resolveInstance } from './container.js';
import { Context, HandlerError, Service, loadProto } from './index.js';
import { createServer } from './plugin.js';

const greeter = loadProto(new URL('../../../test/fixtures/greeter.proto', import.meta.url).pathname).service(
  'greeter.Greeter',
);

class Quotes {
  prefix = 'Hello ';
}

// No decorator: tsc records no design:paramtypes for it, as when a whole
// project is built without emitDecoratorMetadata.
class UndecoratedGreeter {
  constructor(readonly quotes: Quotes) {}
  async sayHello(_ctx: Context, req: { name: string }): Promise<{ message: string }> {
    return { message: this.quotes.prefix + req.name };
  }
}

class UndecoratedFeed {
  constructor(readonly quotes: Quotes) {}
}

@Service('greeter.Greeter')
class FeedGreeter {
  constructor(readonly feed: UndecoratedFeed) {}
  async sayHello(_ctx: Context, req: { name: string }): Promise<{ message: string }> {
    return { message: this.feed.quotes.prefix + req.name };
  }
}

describe('resolveInstance', () => {
  it('rejects a handler with constructor parameters but no design:paramtypes, naming the tsconfig flags', () => {
    const server = createServer({ transport: createMemoryTransport(), address: 'no-metadata:0' });
    const handle = () => server.handle(UndecoratedGreeter, { definition: greeter, container: Container.of('no-metadata') });
    expect(handle).toThrow(HandlerError);
    expect(handle).toThrow(
      'UndecoratedGreeter takes 1 constructor parameter(s) but has no design:paramtypes metadata, so they cannot be injected: ' +
        'compile with "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json',
    );
  });

  it('rejects an undecorated dependency with constructor parameters, naming who needs it', () => {
    expect(() => resolveInstance(FeedGreeter, Container.of('undecorated-dependency'))).toThrow(
      "UndecoratedFeed (a constructor parameter of FeedGreeter) takes 1 constructor parameter(s) but has no design:paramtypes " +
        'metadata, so they cannot be injected: compile with "experimentalDecorators": true and "emitDecoratorMetadata": true ' +
        "in tsconfig.json; tsc records them only for a decorated class, so mark UndecoratedFeed with typedi's @Service()",
    );
  });

  it('uses what the container already holds, so a registered fake needs no metadata', () => {
    const container = Container.of('registered-fake');
    const fake = new UndecoratedFeed({ prefix: 'Hi ' });
    container.set(UndecoratedFeed, fake);
    expect(resolveInstance(FeedGreeter, container).feed).toBe(fake);

    container.set(UndecoratedGreeter, new UndecoratedGreeter({ prefix: 'Yo ' }));
    expect(resolveInstance(UndecoratedGreeter, container).quotes.prefix).toBe('Yo ');
  });

  it("registers the plain dependencies of a class typedi's own @Service() registered", () => {
    class Prices {
      readonly euro = 2;
    }
    @Injectable()
    class PriceFeed {
      constructor(readonly prices: Prices) {}
    }
    @Service('greeter.Greeter')
    class PricedGreeter {
      constructor(readonly feed: PriceFeed) {}
    }
    expect(resolveInstance(PricedGreeter).feed.prices.euro).toBe(2);
  });

  it('builds a decorated class and its parameter-less dependencies', () => {
    @Service('greeter.Greeter')
    class Decorated {
      constructor(readonly quotes: Quotes) {}
    }
    expect(resolveInstance(Decorated, Container.of('decorated')).quotes.prefix).toBe('Hello ');
  });
});
