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
  // Who gets what is published on a topic, worked out on its first publish and
  // forgotten whenever a subscription comes or goes.
  private readonly routes = new Map<string, Route>();
  // Round-robin position of each queue group (topic and name), kept across route changes.
  private readonly turns = new Map<string, { next: number }>();
  private readonly logger: Logger;
  private connected = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.logger = options.logger ?? createConsoleLogger();
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  publish(topic: string, message: OutgoingMessage, options: PublishOptions = {}): Promise<void> {
    // Not an async function: a publish is on the hot path, and its promise is one more allocation.
    try {
      checkTopic(topic);
      if (!this.connected) throw new BrokerError(`cannot publish to ${topic}: the memory broker is not connected`);
      if (options.durable) throw noStore('publish durably');
    } catch (err) {
      return Promise.reject(err);
    }
    // One copy of the body per publish: the publisher may reuse its buffer once publish
    // returns (Uint8Array's slice copies; a Buffer's own slice would not). Each subscriber
    // gets headers of its own, which costs less than freezing one shared record.
    const body = Uint8Array.prototype.slice.call(message.body);
    const headers = message.headers ?? {};
    const delivered = (): BrokerMessage => ({ topic, body, headers: { ...headers }, deliveryCount: 1 });
    const route = this.route(topic);
    for (const sub of route.plain) sub.handlers.offer(delivered());
    for (const group of route.groups) {
      const { members, turn } = group;
      const start = turn.next++ % members.length;
      // Round-robin, skipping members whose queue is full, as NATS prefers a member that can take it.
      let chosen = members[start] as MemorySubscription;
      for (let i = 0; i < members.length; i++) {
        const candidate = members[(start + i) % members.length] as MemorySubscription;
        if (!candidate.handlers.full) {
          chosen = candidate;
          break;
        }
      }
      chosen.handlers.offer(delivered());
    }
    return done;
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
    this.routes.clear();
    return sub;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    const open = [...this.subs];
    this.subs.clear();
    this.routes.clear();
    this.turns.clear();
    await Promise.all(open.map((s) => s.unsubscribe()));
  }

  private route(topic: string): Route {
    const known = this.routes.get(topic);
    if (known) return known;
    const route: Route = { plain: [], groups: [] };
    const groups = new Map<string, MemorySubscription[]>();
    for (const sub of this.subs) {
      if (!topicMatches(sub.topic, topic)) continue;
      if (sub.queueKey === undefined) route.plain.push(sub);
      else {
        const members = groups.get(sub.queueKey);
        if (members) members.push(sub);
        else groups.set(sub.queueKey, [sub]);
      }
    }
    for (const [key, members] of groups) {
      let turn = this.turns.get(key);
      if (!turn) this.turns.set(key, (turn = { next: 0 }));
      route.groups.push({ members, turn });
    }
    // Topics published on are few; a service inventing them without end only loses the cache.
    if (this.routes.size >= 1024) this.routes.clear();
    this.routes.set(topic, route);
    return route;
  }

  private forget(sub: MemorySubscription): void {
    this.subs.delete(sub);
    this.routes.clear();
    if (sub.queueKey !== undefined && ![...this.subs].some((s) => s.queueKey === sub.queueKey)) this.turns.delete(sub.queueKey);
  }
}

/** Route is who gets a message published on one topic: every plain subscriber, and one member of each queue group. */
interface Route {
  readonly plain: MemorySubscription[];
  readonly groups: Array<{ readonly members: MemorySubscription[]; readonly turn: { next: number } }>;
}

const done = Promise.resolve();

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
