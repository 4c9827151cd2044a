import type { JsMsg } from '@nats-io/jetstream';
import { connect, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { type Broker, BrokerError, type BrokerMessage, type SubscribeOptions, type Subscription } from '@tsmicro/core';
import {
  type BrokerHandler,
  checkPattern,
  checkTopic,
  HandlerQueue,
  type OutgoingMessage,
  type PublishOptions,
  type ResolvedSubscribeOptions,
  resolveSubscribeOptions,
  type Settle,
} from '@tsmicro/core/plugin';
import { JetStreamStore } from './jetstream-store.js';
import { headersOf, natsHeaders } from './nats-headers.js';
import { NatsMessage } from './nats-message.js';
import { type NatsBrokerOptions, type ResolvedNatsOptions, resolveNatsOptions } from './nats-options.js';
import { NatsSubscription } from './nats-subscription.js';

/**
 * NatsBroker carries events over NATS. Plain subscriptions are core NATS
 * (at-most-once, queue groups by NATS queue name); durable ones are
 * JetStream pull consumers (at-least-once: ack after the handler returns,
 * nak with backoff on a throw, dead letter after maxDeliver).
 */
export class NatsBroker implements Broker {
  readonly name = 'nats';
  readonly address: string;
  private readonly options: ResolvedNatsOptions;
  private nc: NatsConnection | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  private store: JetStreamStore | undefined;
  private readonly subs = new Set<NatsSubscription>();
  private closed = false;
  private outbox: Array<{ topic: string; body: Uint8Array; headers: MsgHdrs | undefined }> = [];

  constructor(options: NatsBrokerOptions = {}) {
    this.options = resolveNatsOptions(options);
    this.address = this.options.address.join(',');
  }

  connect(): Promise<void> {
    return this.connection().then(() => {});
  }

  publish(topic: string, message: OutgoingMessage, options: PublishOptions = {}): Promise<void> {
    // Not an async function: a publish is on the hot path, and its promise is one more allocation.
    try {
      checkTopic(topic);
      const nc = this.open(`publish to ${topic}`);
      if (options.durable) return this.jetStream(nc).publish(topic, message.body, message.headers);
      const limit = nc.info?.max_payload;
      if (limit !== undefined && message.body.length > limit) {
        throw new BrokerError(`cannot publish ${message.body.length} bytes to ${topic}: nats at ${this.address} takes at most ${limit} (max_payload)`);
      }
      // Handed to the client in batches: it writes to its socket after each microtask turn, so
      // publishes awaited one by one would otherwise each cost a write. A full batch goes at once
      // (the client writes each 32 KiB it gathers), the rest at the end of the turn.
      this.outbox.push({ topic, body: message.body, headers: natsHeaders(message.headers) });
      if (this.outbox.length === 1) setImmediate(() => this.flushOutbox());
      else if (this.outbox.length >= outboxBatch) this.flushOutbox();
      return published;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // While reconnecting, the client buffers what is published and sends it once back.
  private flushOutbox(): void {
    const batch = this.outbox;
    this.outbox = [];
    const nc = this.nc;
    for (const m of batch) {
      try {
        nc?.publish(m.topic, m.body, { headers: m.headers });
      } catch (err) {
        this.options.logger.warn({ topic: m.topic, address: this.address, err }, 'could not publish to nats');
      }
    }
  }

  async subscribe(topic: string, handler: BrokerHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkPattern(topic);
    const resolved = resolveSubscribeOptions(options);
    const nc = this.open(`subscribe to ${topic}`);
    return resolved.durable === undefined ? this.subscribeCore(nc, topic, handler, resolved) : this.subscribeDurable(nc, topic, handler, resolved);
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    this.flushOutbox();
    await Promise.all([...this.subs].map((s) => s.unsubscribe()));
    const nc = this.nc ?? (await this.connecting?.catch(() => undefined));
    if (nc && !nc.isClosed()) {
      // Flush what is still buffered (acks, publishes), then close.
      await nc.drain().catch(() => nc.close());
    }
  }

  private async subscribeCore(nc: NatsConnection, topic: string, handler: BrokerHandler, options: ResolvedSubscribeOptions): Promise<Subscription> {
    const handlers = this.queueFor(handler, topic, options, false);
    // Without wildcards every message's subject is the topic: no need to decode it from bytes each time.
    const exact = !/(^|\.)[*>](\.|$)/.test(topic);
    const sub = nc.subscribe(topic, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) (options.logger ?? this.options.logger).warn({ subscription: topic, queue: options.queue, err }, 'nats subscription failed');
        else handlers.offer(exact ? NatsMessage.of(msg, topic) : NatsMessage.of(msg));
      },
    });
    // Once flushed, the server has the subscription: what is published from now on reaches it.
    await nc.flush();
    return this.track(new NatsSubscription(topic, options.queue, handlers, async () => sub.unsubscribe(), (s) => this.subs.delete(s)));
  }

  private async subscribeDurable(nc: NatsConnection, topic: string, handler: BrokerHandler, options: ResolvedSubscribeOptions): Promise<Subscription> {
    checkTopic(topic);
    const durable = options.durable as string;
    const store = this.jetStream(nc);
    let stream: string;
    try {
      await store.ensureDeadLetters();
      stream = await store.ensureConsumer(topic, durable, options.maxDeliver);
    } catch (err) {
      throw new BrokerError(`cannot make the JetStream consumer ${durable} of ${topic} on nats at ${this.address} (is the server run with -js?): ${describe(err)}`, {
        cause: err,
      });
    }
    const handlers = this.queueFor(handler, topic, options, true);
    const consumer = await store.js.consumers.get(stream, durable);
    const messages = await consumer.consume({
      // Pull no more than can run at once: the rest stays in the stream, for this or another member.
      max_messages: options.maxInFlight,
      callback: (m) => void handlers.offer(fromJetStream(m), this.settler(store, topic, m, options)),
    });
    return this.track(
      new NatsSubscription(topic, options.queue, handlers, async () => void (await messages.close()), (s) => this.subs.delete(s)),
    );
  }

  // The outcome of a durable delivery: ack once handled, nak with backoff on a
  // throw, and after the last allowed delivery a dead letter instead.
  private settler(store: JetStreamStore, topic: string, m: JsMsg, { maxDeliver, logger = this.options.logger }: ResolvedSubscribeOptions): Settle {
    return (outcome, err) => {
      if (outcome === 'handled') return m.ack();
      if (outcome === 'discarded') return m.nak();
      const deliveries = m.info.deliveryCount;
      if (deliveries < maxDeliver) {
        const { initialMs, maxMs } = this.options.nakBackoff;
        return m.nak(Math.min(maxMs, initialMs * 2 ** (deliveries - 1)));
      }
      const headers: Record<string, string> = {
        ...headersOf(m.headers),
        'micro-error': describe(err).slice(0, 512),
        'micro-deliveries': String(deliveries),
      };
      const deadLetter = store.deadLetterTopic(topic);
      store.publishDeadLetter(topic, m.data, headers).then(
        () => {
          logger.warn({ topic, id: headers['micro-id'] ?? m.seq, deliveries, deadLetter }, 'event handler failed too often; message moved to the dead-letter topic');
          m.term();
        },
        (publishErr: unknown) => {
          logger.warn({ topic, id: headers['micro-id'] ?? m.seq, deadLetter, err: publishErr }, 'cannot dead-letter the message; it will be redelivered');
          m.nak(this.options.nakBackoff.maxMs);
        },
      );
    };
  }

  private queueFor(handler: BrokerHandler, topic: string, options: ResolvedSubscribeOptions, durable: boolean): HandlerQueue {
    return new HandlerQueue({
      handler,
      maxInFlight: options.maxInFlight,
      // A core subscription's callback comes from the client's socket reader, never from inside
      // a publish: the handler may start there. Durable deliveries keep the turn between.
      inline: !durable,
      // A durable consumer pulls at most maxInFlight, so its queue never needs to drop.
      maxPending: durable ? options.maxInFlight : options.maxPending,
      onFailure: (err, message) =>
        (options.logger ?? this.options.logger).warn(
          { topic: message.topic, subscription: topic, queue: options.queue, id: message.headers['micro-id'], delivery: message.deliveryCount, err },
          durable ? 'event handler failed; the message will be retried' : 'event handler failed; the message is not redelivered',
        ),
    });
  }

  private track(sub: NatsSubscription): NatsSubscription {
    this.subs.add(sub);
    return sub;
  }

  private jetStream(nc: NatsConnection): JetStreamStore {
    this.store ??= new JetStreamStore(nc, this.options);
    return this.store;
  }

  private open(what: string): NatsConnection {
    if (this.closed || !this.nc || this.nc.isClosed()) {
      throw new BrokerError(`cannot ${what}: the nats broker at ${this.address} is ${this.closed ? 'disconnected' : 'not connected; call connect() first'}`);
    }
    return this.nc;
  }

  private connection(): Promise<NatsConnection> {
    this.connecting ??= (async () => {
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers: [...this.options.address],
          timeout: this.options.timeoutMs,
          name: this.options.name,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.options.reconnectWaitMs,
          waitOnFirstConnect: false,
        });
      } catch (err) {
        this.connecting = undefined;
        throw new BrokerError(`cannot reach nats at ${this.address} within ${this.options.timeoutMs} ms: ${describe(err)}`, { cause: err });
      }
      this.nc = nc;
      void this.watchStatus(nc);
      return nc;
    })();
    return this.connecting;
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.options.logger.warn({ address: this.address }, 'lost the nats connection; reconnecting');
      else if (status.type === 'reconnect') this.options.logger.info({ address: this.address }, 'reconnected to nats; subscriptions resumed');
    }
  }
}

function fromJetStream(m: JsMsg): BrokerMessage {
  return { topic: m.subject, body: m.data, headers: headersOf(m.headers), deliveryCount: m.info.deliveryCount };
}

// Publishes gathered before the client gets them: several of its 32 KiB writes of small events.
const outboxBatch = 1024;
const published = Promise.resolve();

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** createNatsBroker makes a NATS broker; call connect() before use. */
export function createNatsBroker(options: NatsBrokerOptions = {}): NatsBroker {
  return new NatsBroker(options);
}
