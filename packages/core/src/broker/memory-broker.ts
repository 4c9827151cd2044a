import type {
  Broker,
  BrokerHandler,
  BrokerMessage,
  OutgoingMessage,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionStats,
} from './broker.js';
import { createConsoleLogger } from '../logger/console-logger.js';
import type { Logger } from '../logger/logger.js';
import { BrokerError } from './broker-error.js';
import { HandlerQueue } from './handler-queue.js';
import { resolveSubscribeOptions } from './subscribe-options.js';
import { checkPattern, checkTopic, topicMatches } from './topic.js';

/** MemoryBrokerOptions configure createMemoryBroker. */
export interface MemoryBrokerOptions {
  /** Where failed handlers are reported; core's console logger by default. */
  readonly logger?: Logger;
}

class MemorySubscription implements Subscription {
  readonly queueKey: string | undefined;
  constructor(
    readonly topic: string,
    readonly queue: string | undefined,
    readonly handlers: HandlerQueue,
    private readonly onUnsubscribe: (sub: MemorySubscription) => void,
  ) {
    // Queue groups are per topic and name, as in NATS.
    this.queueKey = queue === undefined ? undefined : `${topic}\u0000${queue}`;
  }

  unsubscribe(): Promise<void> {
    this.onUnsubscribe(this);
    return this.handlers.drain();
  }

  stats(): SubscriptionStats {
    return this.handlers.stats();
  }
}

/**
 * MemoryBroker delivers messages between subscribers of one process, with
 * the same at-most-once semantics as core NATS: queue groups, a bounded
 * queue per subscription, no redelivery. It has no store, so durable
 * subscriptions and publishes are refused.
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly address = '';
  private readonly subs = new Set<MemorySubscription>();
  private readonly turns = new Map<string, number>();
  private readonly logger: Logger;
  private connected = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.logger = options.logger ?? createConsoleLogger();
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  async publish(topic: string, message: OutgoingMessage, options: PublishOptions = {}): Promise<void> {
    checkTopic(topic);
    if (!this.connected) throw new BrokerError(`cannot publish to ${topic}: the memory broker is not connected`);
    if (options.durable) throw noStore('publish durably');
    // One copy per publish: the publisher may reuse its buffer once publish returns.
    const delivered: BrokerMessage = {
      topic,
      body: message.body.slice(),
      headers: Object.freeze({ ...message.headers }),
      deliveryCount: 1,
    };
    const groups = new Map<string, MemorySubscription[]>();
    for (const sub of this.subs) {
      if (!topicMatches(sub.topic, topic)) continue;
      if (sub.queueKey === undefined) sub.handlers.offer(delivered);
      else {
        const members = groups.get(sub.queueKey);
        if (members) members.push(sub);
        else groups.set(sub.queueKey, [sub]);
      }
    }
    for (const [key, members] of groups) {
      const turn = this.turns.get(key) ?? 0;
      this.turns.set(key, turn + 1);
      // Round-robin, skipping members whose queue is full, as NATS prefers a member that can take it.
      const start = turn % members.length;
      let chosen = members[start] as MemorySubscription;
      for (let i = 0; i < members.length; i++) {
        const candidate = members[(start + i) % members.length] as MemorySubscription;
        if (!candidate.handlers.full) {
          chosen = candidate;
          break;
        }
      }
      chosen.handlers.offer(delivered);
    }
  }

  async subscribe(topic: string, handler: BrokerHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkPattern(topic);
    const resolved = resolveSubscribeOptions(options);
    if (resolved.durable !== undefined) throw noStore(`subscribe durably to ${topic}`);
    if (!this.connected) throw new BrokerError(`cannot subscribe to ${topic}: the memory broker is not connected`);
    const handlers = new HandlerQueue({
      handler,
      maxInFlight: resolved.maxInFlight,
      maxPending: resolved.maxPending,
      onFailure: (err, message) =>
        (resolved.logger ?? this.logger).warn(
          { topic: message.topic, subscription: topic, queue: resolved.queue, id: message.headers['micro-id'], err },
          'event handler failed; the message is not redelivered',
        ),
    });
    const sub = new MemorySubscription(topic, resolved.queue, handlers, (s) => this.forget(s));
    this.subs.add(sub);
    return sub;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    const open = [...this.subs];
    this.subs.clear();
    this.turns.clear();
    await Promise.all(open.map((s) => s.unsubscribe()));
  }

  private forget(sub: MemorySubscription): void {
    this.subs.delete(sub);
    if (sub.queueKey !== undefined && ![...this.subs].some((s) => s.queueKey === sub.queueKey)) this.turns.delete(sub.queueKey);
  }
}

function noStore(what: string): BrokerError {
  return new BrokerError(`the memory broker cannot ${what}: it keeps no messages; durable delivery needs broker.kind "nats" (MICRO_BROKER=nats) with JetStream`);
}

/** createMemoryBroker makes a broker for one process, connected. */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  const broker = new MemoryBroker(options);
  void broker.connect();
  return broker;
}

let shared: MemoryBroker | undefined;

/** defaultMemoryBroker is the one broker every service of this process shares when none is configured. */
export function defaultMemoryBroker(): MemoryBroker {
  shared ??= createMemoryBroker();
  return shared;
}
