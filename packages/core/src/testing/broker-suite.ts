import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import { BrokerError } from '../broker/broker-error.js';
import type { Logger } from '../logger/logger.js';
import { MemoryLogger } from '../logger/memory-logger.js';
import { eventually, sleep } from './registry-suite.js';

/** BrokerHarness is what describeBroker needs to know about one implementation. */
export interface BrokerHarness {
  /** create returns a connected broker reporting to `logger`. */
  create(logger: Logger): Promise<Broker>;
}

// The registry suite's helpers serve here too.
export { eventually, sleep } from './registry-suite.js';

/** Gate is a promise a test opens by hand, to hold handlers in flight. */
export class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
}

const text = new TextEncoder();
const body = (s: string): Uint8Array => text.encode(s);
const read = (m: BrokerMessage): string => new TextDecoder().decode(m.body);

/**
 * describeBroker runs the delivery behaviour every Broker implementation must
 * show for at-most-once subscriptions, so the memory and NATS brokers are
 * held to the same test.
 */
export function describeBroker(name: string, harness: BrokerHarness): void {
  describe(`Broker contract: ${name}`, () => {
    const open: Broker[] = [];
    const logger = new MemoryLogger();
    const create = async (): Promise<Broker> => {
      const broker = await harness.create(logger);
      open.push(broker);
      return broker;
    };
    // Every test gets topics of its own, so brokers sharing a server do not cross.
    const topicOf = (suffix: string): string => `suite.${randomUUID().slice(0, 8)}.${suffix}`;

    afterEach(async () => {
      logger.records.length = 0;
      for (const broker of open.splice(0).reverse()) await broker.disconnect();
    });

    it('delivers body and headers to every plain subscriber, to one member of each queue group, and to every group', async () => {
      const broker = await create();
      const topic = topicOf('fanout');
      const got = new Map<string, string[]>();
      const record = (who: string) => async (m: BrokerMessage) => {
        got.set(who, [...(got.get(who) ?? []), read(m)]);
      };
      await broker.subscribe(topic, record('plain-1'));
      await broker.subscribe(topic, record('plain-2'));
      for (const group of ['billing', 'shipping']) {
        for (const member of [1, 2, 3]) await broker.subscribe(topic, record(`${group}-${member}`), { queue: group });
      }
      const seen: BrokerMessage[] = [];
      await broker.subscribe(topic, async (m) => void seen.push(m));
      const count = 60;
      for (let i = 0; i < count; i++) await broker.publish(topic, { body: body(`m${i}`), headers: { 'micro-id': `id-${i}`, x: 'y' } });
      const all = Array.from({ length: count }, (_, i) => `m${i}`);
      await eventually(() => {
        expect(got.get('plain-1')?.sort()).toEqual([...all].sort());
        expect(got.get('plain-2')?.sort()).toEqual([...all].sort());
        for (const group of ['billing', 'shipping']) {
          const members = [1, 2, 3].map((m) => got.get(`${group}-${m}`) ?? []);
          // Exactly one member per group: together they hold each message once.
          expect(members.flat().sort()).toEqual([...all].sort());
        }
      });
      for (const group of ['billing', 'shipping']) {
        for (const m of [1, 2, 3]) expect(got.get(`${group}-${m}`)?.length ?? 0).toBeGreaterThan(0);
      }
      const first = seen.find((m) => read(m) === 'm0');
      expect(first?.topic).toBe(topic);
      expect(first?.headers['micro-id']).toBe('id-0');
      expect(first?.headers.x).toBe('y');
      expect(first?.deliveryCount).toBe(1);
    });

    it('matches "*" for one token and a last ">" for the rest', async () => {
      const broker = await create();
      const base = topicOf('wild');
      const one: string[] = [];
      const rest: string[] = [];
      await broker.subscribe(`${base}.*`, async (m) => void one.push(m.topic));
      await broker.subscribe(`${base}.>`, async (m) => void rest.push(m.topic));
      for (const t of [`${base}.a`, `${base}.a.b`, base]) await broker.publish(t, { body: body('x') });
      await eventually(() => {
        expect(one).toEqual([`${base}.a`]);
        expect(rest.sort()).toEqual([`${base}.a`, `${base}.a.b`]);
      });
    });

    it('logs and counts a handler that throws, and does not deliver its message again', async () => {
      const broker = await create();
      const topic = topicOf('throws');
      const calls: string[] = [];
      const sub = await broker.subscribe(topic, async (m) => {
        calls.push(read(m));
        if (read(m) === 'bad') throw new Error('handler exploded');
      });
      await broker.publish(topic, { body: body('bad'), headers: { 'micro-id': 'bad-1' } });
      await broker.publish(topic, { body: body('good') });
      await eventually(() => expect(sub.stats()).toMatchObject({ handled: 1, failed: 1, inFlight: 0 }));
      await sleep(200);
      expect(calls.sort()).toEqual(['bad', 'good']);
      const failures = logger.records.filter((r) => r.level === 'warn' && r.fields.topic === topic);
      expect(failures).toHaveLength(1);
      expect(failures[0]?.fields).toMatchObject({ subscription: topic, id: 'bad-1', err: expect.objectContaining({ message: 'handler exploded' }) });
    });

    it("reports a failing handler to its subscription's logger when one is given, else to the broker's", async () => {
      const broker = await create();
      const topic = topicOf('own-logger');
      const own = new MemoryLogger();
      const fail = async (): Promise<void> => {
        throw new Error('handler exploded');
      };
      const mine = await broker.subscribe(topic, fail, { queue: 'mine', logger: own });
      const theirs = await broker.subscribe(topic, fail, { queue: 'theirs' });
      await broker.publish(topic, { body: body('x'), headers: { 'micro-id': 'own-1' } });
      await eventually(() => {
        expect(mine.stats().failed).toBe(1);
        expect(theirs.stats().failed).toBe(1);
      });
      expect(own.records.map((r) => r.fields)).toEqual([expect.objectContaining({ topic, queue: 'mine', id: 'own-1' })]);
      const brokerLines = logger.records.filter((r) => r.fields.topic === topic);
      expect(brokerLines.map((r) => r.fields)).toEqual([expect.objectContaining({ topic, queue: 'theirs', id: 'own-1' })]);
    });

    it('stops delivering to a subscription once it is unsubscribed, and others go on', async () => {
      const broker = await create();
      const topic = topicOf('unsub');
      const a: string[] = [];
      const b: string[] = [];
      const subA = await broker.subscribe(topic, async (m) => void a.push(read(m)));
      await broker.subscribe(topic, async (m) => void b.push(read(m)));
      await broker.publish(topic, { body: body('1') });
      await eventually(() => expect([a, b]).toEqual([['1'], ['1']]));
      await subA.unsubscribe();
      await broker.publish(topic, { body: body('2') });
      await eventually(() => expect(b).toEqual(['1', '2']));
      await sleep(100);
      expect(a).toEqual(['1']);
    });

    it('lets in-flight handlers finish before unsubscribe and disconnect resolve', async () => {
      const broker = await create();
      const topic = topicOf('drain');
      const gate = new Gate();
      const finished: string[] = [];
      const sub = await broker.subscribe(topic, async (m) => {
        await gate.opened;
        finished.push(read(m));
      });
      await broker.publish(topic, { body: body('slow') });
      await eventually(() => expect(sub.stats().inFlight).toBe(1));
      let unsubscribed = false;
      const draining = sub.unsubscribe().then(() => (unsubscribed = true));
      await sleep(100);
      expect(unsubscribed).toBe(false);
      gate.open();
      await draining;
      expect(finished).toEqual(['slow']);

      const gate2 = new Gate();
      const sub2 = await broker.subscribe(topic, async (m) => {
        await gate2.opened;
        finished.push(read(m));
      });
      await broker.publish(topic, { body: body('slow-2') });
      await eventually(() => expect(sub2.stats().inFlight).toBe(1));
      let disconnected = false;
      const closing = broker.disconnect().then(() => (disconnected = true));
      await sleep(100);
      expect(disconnected).toBe(false);
      gate2.open();
      await closing;
      expect(finished).toEqual(['slow', 'slow-2']);
    });

    it('runs at most maxInFlight handlers, keeps at most maxPending waiting and drops (and counts) the rest', async () => {
      const broker = await create();
      const topic = topicOf('slow');
      const gate = new Gate();
      let running = 0;
      let most = 0;
      const sub = await broker.subscribe(
        topic,
        async () => {
          most = Math.max(most, ++running);
          await gate.opened;
          running--;
        },
        { maxInFlight: 2, maxPending: 3 },
      );
      for (let i = 0; i < 10; i++) await broker.publish(topic, { body: body(`${i}`) });
      await eventually(() => expect(sub.stats()).toMatchObject({ inFlight: 2, pending: 3, dropped: 5 }));
      gate.open();
      await eventually(() => expect(sub.stats()).toMatchObject({ handled: 5, inFlight: 0, pending: 0, dropped: 5 }));
      expect(most).toBe(2);
    });

    it('refuses bad topics and options with a BrokerError naming them', async () => {
      const broker = await create();
      const handler = async () => {};
      await expect(broker.publish('has space', { body: body('x') })).rejects.toThrow(/has space/);
      await expect(broker.publish('orders.*', { body: body('x') })).rejects.toBeInstanceOf(BrokerError);
      await expect(broker.publish('', { body: body('x') })).rejects.toBeInstanceOf(BrokerError);
      await expect(broker.subscribe('orders..created', handler)).rejects.toThrow(/orders\.\.created/);
      await expect(broker.subscribe('orders.>.x', handler)).rejects.toBeInstanceOf(BrokerError);
      await expect(broker.subscribe('orders', handler, { maxInFlight: 0 })).rejects.toThrow(/maxInFlight/);
      await expect(broker.subscribe('orders', handler, { queue: 'a b' })).rejects.toThrow(/queue/);
    });

    it('refuses to publish once disconnected, naming the topic', async () => {
      const broker = await create();
      await broker.disconnect();
      await expect(broker.publish('orders.late', { body: body('x') })).rejects.toThrow(/orders\.late/);
    });
  });
}
