import { Container } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../broker/memory-broker.js';
import { MemoryLogger } from '../logger/memory-logger.js';
import { noopLogger } from '../logger/logger.js';
import { eventually, Gate } from '../testing/broker-suite.js';
import { Context } from '../context.js';
import { loadRoot, messageType } from '../generated-runtime.js';
import { HandlerError } from '../handler-error.js';
import { type Service as MicroService, newService } from '../micro.js';
import { Subscribe, Subscriber } from './subscribe-decorator.js';
import { UseInterceptors } from '../decorators.js';
import { createContextKey } from '../interceptor/context-values.js';
import type { CallEnd, InterceptedCall, Interceptor } from '../interceptor/interceptor.js';
import { MicroError } from '../errors.js';
import { Code } from '@tsmicro/transport';

interface OrderCreated {
  id?: string;
  cents?: string;
}
const root = loadRoot({
  nested: { shop: { nested: { OrderCreated: { fields: { id: { type: 'string', id: 1 }, cents: { type: 'int64', id: 2 } } } } } },
});
const OrderCreated = messageType<OrderCreated>(root, 'shop.OrderCreated');

/** Ledger is injected into Billing by typedi. */
class Ledger {
  readonly entries: Array<{ id: string; traceparent: string | undefined; topic: string }> = [];
}

@Subscriber()
class Billing {
  constructor(readonly ledger: Ledger) {}

  @Subscribe('orders.created', { type: OrderCreated, queue: 'billing' })
  async onOrder(ctx: Context, msg: OrderCreated): Promise<void> {
    if (msg.id === 'poison') throw new Error('cannot bill poison');
    this.ledger.entries.push({ id: msg.id ?? '', traceparent: ctx.metadata.getString('traceparent'), topic: ctx.service });
  }
}

const open: MicroService[] = [];
function service(options: Parameters<typeof newService>[0] = {}): MicroService {
  const quiet = createMemoryBroker({ logger: noopLogger });
  const s = newService({ name: 'billing', transport: 'memory', brokerInstance: quiet, logger: noopLogger, ...options }, { env: {}, file: false });
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop();
});

describe('@Subscribe and service.publisher', () => {
  it('builds the handler through typedi and delivers typed messages with id, timestamp, content type and trace context', async () => {
    const broker = createMemoryBroker();
    const container = Container.of('events-typedi');
    const svc = service({ brokerInstance: broker, container }).handle(Billing);
    await svc.start();
    const seen: Record<string, string>[] = [];
    await broker.subscribe('orders.created', async (m) => void seen.push({ ...m.headers }));
    const caller = new Context({});
    caller.metadata.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const id = await svc.publisher('orders.created', OrderCreated).publish({ id: 'o-1', cents: '995' }, { ctx: caller, metadata: { 'x-tenant': 'acme' } });
    const ledger = container.get(Ledger);
    await eventually(() => expect(ledger.entries).toEqual([{ id: 'o-1', traceparent: caller.metadata.getString('traceparent'), topic: 'orders.created' }]));
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ 'content-type': 'application/protobuf', 'micro-id': id, 'x-tenant': 'acme' });
    expect(Number(seen[0]?.['micro-timestamp'])).toBeGreaterThan(Date.now() - 10_000);
    expect(svc.subscriberStats()['Billing.onOrder']).toMatchObject({ handled: 1, failed: 0 });
  });

  it("gives the handler's ctx the event's headers as metadata, lower-cased, leaving out what metadata cannot hold", async () => {
    const broker = createMemoryBroker();
    const got: Array<[string, string][]> = [];
    class Reader {
      @Subscribe('headers.read', { type: OrderCreated })
      async on(ctx: Context, _msg: OrderCreated): Promise<void> {
        got.push([...ctx.metadata.keys()].sort().map((k) => [k, ctx.metadata.getString(k) ?? '']));
      }
    }
    const svc = service({ brokerInstance: broker }).handle(new Reader());
    await svc.start();
    const headers = { 'content-type': 'application/protobuf', 'X-Tenant': 'acme', 'bad key': 'x', 'trace-bin': 'AAE=', 'micro-id': 'h-1' };
    await broker.publish('headers.read', { body: OrderCreated.encode({ id: 'h' }), headers });
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]).toEqual([
      ['content-type', 'application/protobuf'],
      ['micro-id', 'h-1'],
      ['x-tenant', 'acme'],
    ]);
  });

  it('publishes JSON when the codec is json and subscribers decode it by content type', async () => {
    const broker = createMemoryBroker();
    const container = Container.of('events-json');
    const sub = service({ brokerInstance: broker, container }).handle(Billing);
    await sub.start();
    const pub = service({ brokerInstance: broker, codec: 'json' });
    const bodies: string[] = [];
    await broker.subscribe('orders.created', async (m) => void bodies.push(new TextDecoder().decode(m.body)));
    await pub.publisher('orders.created', OrderCreated).publish({ id: 'j-1', cents: '5' }, { id: 'fixed-id' });
    await eventually(() => expect(container.get(Ledger).entries.map((e) => e.id)).toEqual(['j-1']));
    expect(JSON.parse(bodies[0] as string)).toEqual({ id: 'j-1', cents: '5' });
  });

  it('counts a handler that throws and a message that does not decode, and goes on', async () => {
    const logger = new MemoryLogger();
    const brokerLogger = new MemoryLogger();
    const broker = createMemoryBroker({ logger: brokerLogger });
    const container = Container.of('events-failures');
    const svc = service({ brokerInstance: broker, container, logger }).handle(Billing);
    await svc.start();
    await svc.publisher('orders.created', OrderCreated).publish({ id: 'poison' });
    await broker.publish('orders.created', { body: new Uint8Array([0xff, 0xff, 0xff]), headers: { 'content-type': 'application/protobuf' } });
    await broker.publish('orders.created', { body: new Uint8Array(), headers: { 'content-type': 'text/plain' } });
    await svc.publisher('orders.created', OrderCreated).publish({ id: 'fine' });
    await eventually(() => expect(svc.subscriberStats()['Billing.onOrder']).toMatchObject({ handled: 1, failed: 3 }));
    expect(container.get(Ledger).entries.map((e) => e.id)).toEqual(['fine']);
    // The service's own logger hears its handlers fail, though the broker has a logger of its own.
    expect(brokerLogger.records).toEqual([]);
    const failed = logger.records.filter((r) => r.level === 'warn' && r.fields.topic === 'orders.created');
    expect(failed).toHaveLength(3);
    for (const r of failed) expect(r.fields).toMatchObject({ service: 'billing', queue: 'billing' });
    expect(failed.map((r) => String((r.fields.err as Error).message))).toContain('cannot bill poison');
  });

  it('drains on stop: a running handler finishes before stop resolves, and nothing arrives after', async () => {
    const broker = createMemoryBroker();
    const gate = new Gate();
    const done: string[] = [];
    class Slow {
      @Subscribe('slow.topic', { type: OrderCreated })
      async on(_ctx: Context, msg: OrderCreated): Promise<void> {
        await gate.opened;
        done.push(msg.id ?? '');
      }
    }
    const svc = newService({ name: 'slow', transport: 'memory', brokerInstance: broker }, { env: {}, file: false }).handle(Slow);
    await svc.start();
    await svc.publisher('slow.topic', OrderCreated).publish({ id: 'a' });
    await eventually(() => expect(svc.subscriberStats()['Slow.on']?.inFlight).toBe(1));
    let stopped = false;
    const stopping = svc.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    gate.open();
    await stopping;
    expect(done).toEqual(['a']);
    await broker.publish('slow.topic', { body: OrderCreated.encode({ id: 'late' }) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toEqual(['a']);
  });

  it('aborts ctx.signal of a handler still running when server.graceMs has passed on stop', async () => {
    const broker = createMemoryBroker();
    const aborted: string[] = [];
    class Stuck {
      @Subscribe('stuck.topic', { type: OrderCreated })
      async on(ctx: Context, msg: OrderCreated): Promise<void> {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted.push(msg.id ?? '');
      }
    }
    const logger = new MemoryLogger();
    const svc = newService({ name: 'stuck', transport: 'memory', brokerInstance: broker, server: { graceMs: 50 }, logger }, { env: {}, file: false }).handle(Stuck);
    await svc.start();
    await svc.publisher('stuck.topic', OrderCreated).publish({ id: 's1' });
    await eventually(() => expect(svc.subscriberStats()['Stuck.on']?.inFlight).toBe(1));
    await svc.stop();
    expect(aborted).toEqual(['s1']);
    expect(logger.records).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ service: 'stuck', subscription: 'Stuck.on', graceMs: 50 }) }),
    );
  });

  it('refuses a durable subscriber on the memory broker at start, naming the handler', async () => {
    class Durable {
      @Subscribe('orders.created', { type: OrderCreated, durable: true })
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    const svc = service().handle(Durable);
    await expect(svc.start()).rejects.toThrow(/Durable\.on.*orders\.created.*MICRO_BROKER=nats/);
  });
});

describe('@Subscribe shape checks at handle()', () => {
  const fails = (ctor: new (...args: never[]) => object, pattern: RegExp) => {
    expect(() => service().handle(ctor)).toThrow(HandlerError);
    expect(() => service().handle(ctor)).toThrow(pattern);
  };

  it('names class and method when the signature is not (ctx, msg) => Promise<void>', () => {
    class OneParam {
      @Subscribe('a.b', { type: OrderCreated })
      async on(_msg: OrderCreated): Promise<void> {}
    }
    fails(OneParam, /OneParam\.on: a subscriber must be \(ctx: Context, msg\) => Promise<void>; found \(object\) => Promise/);
    class Sync {
      @Subscribe('a.b', { type: OrderCreated })
      on(_ctx: Context, _msg: OrderCreated): void {}
    }
    fails(Sync, /Sync\.on: .*found \(Context, object\) => void/);
    class StringMessage {
      @Subscribe('a.b', { type: OrderCreated })
      async on(_ctx: Context, _msg: string): Promise<void> {}
    }
    fails(StringMessage, /StringMessage\.on/);
  });

  it('names a class whose constructor parameters typedi could not inject', () => {
    class Undecorated {
      constructor(readonly ledger: Ledger) {}
      @Subscribe('a.b', { type: OrderCreated })
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    fails(Undecorated, /Undecorated takes 1 constructor parameter.*@Subscriber\(\)/);
  });

  it('names class and method for a bad topic, a missing or unknown type, and a bad option', () => {
    class BadTopic {
      @Subscribe('orders created', { type: OrderCreated })
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    fails(BadTopic, /BadTopic\.on: topic "orders created"/);
    class NoType {
      @Subscribe('a.b', {} as never)
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    fails(NoType, /NoType\.on: @Subscribe needs \{ type \}/);
    class UnknownType {
      @Subscribe('a.b', { type: 'shop.Nope' })
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    fails(UnknownType, /UnknownType\.on: message type shop\.Nope is unknown/);
    class BadOption {
      @Subscribe('a.b', { type: OrderCreated, maxInFlight: -1 })
      async on(_ctx: Context, _msg: OrderCreated): Promise<void> {}
    }
    fails(BadOption, /BadOption\.on: .*maxInFlight/);
  });

  it('accepts a message type by its full name once its generated code is loaded', async () => {
    class ByName {
      got: string[] = [];
      @Subscribe('by.name', { type: 'shop.OrderCreated' })
      async on(_ctx: Context, msg: OrderCreated): Promise<void> {
        this.got.push(msg.id ?? '');
      }
    }
    const handler = new ByName();
    const svc = service().handle(handler);
    await svc.start();
    await svc.publisher('by.name', OrderCreated).publish({ id: 'n1' });
    await eventually(() => expect(handler.got).toEqual(['n1']));
  });

  it('refuses a publisher for a bad topic or without a message type', () => {
    const svc = service();
    expect(() => svc.publisher('orders.*', OrderCreated)).toThrow(/orders\.\*/);
    expect(() => svc.publisher('orders.x', undefined as never)).toThrow(/MessageType/);
  });
});

describe('micro.newService broker configuration', () => {
  it('stops with an error naming the key for a bad broker kind or address', () => {
    expect(() => newService({}, { env: { MICRO_BROKER: 'rabbit' }, file: false })).toThrow(/MICRO_BROKER="rabbit".*broker\.kind/);
    expect(() => newService({}, { env: { MICRO_BROKER_ADDRESS: 'nats:/x' }, file: false })).toThrow(/MICRO_BROKER_ADDRESS/);
  });
});

describe('interceptors around events', () => {
  const tenant = createContextKey('none', { description: 'tenant' });

  it('runs subscribers inside the service, class and method interceptors, with the topic as service and a value for the handler', async () => {
    const seen: string[] = [];
    const ends: CallEnd[] = [];
    const layer = (name: string): Interceptor => (next) => async (call) => {
      seen.push(`${name}:${call.side}:${call.service}:${call.method.name}`);
      call.onEnd((end) => ends.push(end));
      return next(call);
    };
    const readTenant: Interceptor = (next) => async (call) => {
      if (call.side === 'server') call.values.set(tenant, call.metadata.getString('x-tenant') ?? 'none');
      return next(call);
    };
    const got: string[] = [];
    @UseInterceptors(layer('class'))
    class Audited {
      @UseInterceptors(layer('method'))
      @Subscribe('audit.events', { type: OrderCreated })
      async on(ctx: Context, msg: OrderCreated): Promise<void> {
        if (msg.id === 'boom') throw new MicroError(Code.FAILED_PRECONDITION, 'no');
        got.push(`${msg.id}@${ctx.values.get(tenant)}`);
      }
    }
    const svc = service({ interceptors: [layer('service'), readTenant] }).handle(new Audited());
    await svc.start();
    const publisher = svc.publisher('audit.events', OrderCreated);
    await publisher.publish({ id: 'a1' }, { metadata: { 'x-tenant': 'acme' } });
    await eventually(() => expect(got).toEqual(['a1@acme']));
    expect(seen).toEqual(['service', 'class', 'method'].map((n) => `${n}:server:audit.events:Audited.on`));
    await publisher.publish({ id: 'boom' });
    await eventually(() => expect(ends.map((e) => e.code)).toEqual([Code.OK, Code.OK, Code.OK, Code.FAILED_PRECONDITION, Code.FAILED_PRECONDITION, Code.FAILED_PRECONDITION]));
  });

  it('runs publishers inside the client interceptors: headers they add reach the subscriber, hooks may change the message', async () => {
    const broker = createMemoryBroker();
    const received: Array<{ id: string; trace: string | undefined }> = [];
    class Traced {
      @Subscribe('traced.events', { type: OrderCreated })
      async on(ctx: Context, msg: OrderCreated): Promise<void> {
        received.push({ id: msg.id ?? '', trace: ctx.metadata.getString('traceparent') });
      }
    }
    const sub = service({ brokerInstance: broker }).handle(new Traced());
    await sub.start();
    const calls: InterceptedCall[] = [];
    const tracing: Interceptor = (next) => async (call) => {
      calls.push(call);
      call.metadata.set('traceparent', '00-11111111111111111111111111111111-2222222222222222-01');
      call.onRequestMessage((m) => ({ ...(m as OrderCreated), id: `${(m as OrderCreated).id}-stamped` }));
      return next(call);
    };
    const pub = service({ brokerInstance: broker, clientInterceptors: [tracing] });
    await pub.publisher('traced.events', OrderCreated).publish({ id: 't1' });
    await eventually(() => expect(received).toEqual([{ id: 't1-stamped', trace: '00-11111111111111111111111111111111-2222222222222222-01' }]));
    expect(calls[0]).toMatchObject({ side: 'client', service: 'traced.events', target: 'traced.events', request: { id: 't1' } });
  });

  it('rejects a publish an interceptor refuses, and sends nothing', async () => {
    const broker = createMemoryBroker();
    const sent: string[] = [];
    await broker.subscribe('guarded.events', async (m) => void sent.push(m.topic));
    const guard: Interceptor = () => async () => {
      throw new MicroError(Code.PERMISSION_DENIED, 'not allowed to publish');
    };
    const pub = service({ brokerInstance: broker, clientInterceptors: [guard] });
    await expect(pub.publisher('guarded.events', OrderCreated).publish({ id: 'x' })).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([]);
  });

  it("logs an interceptor's failing end listener to the service's logger, naming the topic and subscription", async () => {
    const logger = new MemoryLogger();
    const faulty: Interceptor = (next) => async (call) => {
      call.onEnd(() => {
        throw new Error(`listener broke on ${call.side}`);
      });
      return next(call);
    };
    const got: string[] = [];
    class Audit {
      @Subscribe('logged.events', { type: OrderCreated, queue: 'audit' })
      async on(_ctx: Context, msg: OrderCreated): Promise<void> {
        got.push(msg.id ?? '');
      }
    }
    const svc = service({ logger, interceptors: [faulty], clientInterceptors: [faulty] }).handle(new Audit());
    await svc.start();
    await svc.publisher('logged.events', OrderCreated).publish({ id: 'l1' });
    await eventually(() => expect(logger.records.filter((r) => r.msg === 'event interceptor failed')).toHaveLength(2));
    expect(got).toEqual(['l1']);
    const failed = logger.records.filter((r) => r.msg === 'event interceptor failed').map((r) => r.fields);
    expect(failed).toContainEqual(
      expect.objectContaining({ service: 'billing', topic: 'logged.events', err: expect.objectContaining({ message: 'listener broke on client' }) }),
    );
    expect(failed).toContainEqual(
      expect.objectContaining({
        service: 'billing',
        topic: 'logged.events',
        queue: 'audit',
        subscription: 'Audit.on',
        err: expect.objectContaining({ message: 'listener broke on server' }),
      }),
    );
  });
});
