import type { Logger } from '../logger/logger.js';

/**
 * BrokerMessage is one message as a broker carries it: opaque bytes and
 * string headers (content type, message id, timestamp, trace context, and
 * whatever the publisher added).
 */
export interface BrokerMessage {
  /** Subject the message was published on, e.g. "orders.created". */
  readonly topic: string;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * contentType is the content-type header, for a broker that can read it
   * apart from the others: a subscriber needing only it then leaves
   * `headers` unmade, where a broker makes them on first read. Absent,
   * subscribers read headers['content-type'].
   */
  readonly contentType?: string;
  /**
   * How many times this message was handed to a subscriber of this group:
   * 1 for at-most-once delivery, and for the first durable delivery.
   */
  readonly deliveryCount: number;
}

/** OutgoingMessage is what a publisher hands to Broker.publish. */
export interface OutgoingMessage {
  readonly body: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** PublishOptions tune one Broker.publish. */
export interface PublishOptions {
  /**
   * durable publishes through the broker's persistent store and resolves once
   * it acknowledged the message (NATS JetStream). The `micro-id` header is
   * the id the store de-duplicates on. Brokers without a store refuse it.
   */
  readonly durable?: boolean;
}

/**
 * BrokerHandler handles one message. Resolving marks it handled; throwing
 * (or rejecting) marks it failed: logged and counted, and for a durable
 * subscription redelivered later.
 */
export type BrokerHandler = (message: BrokerMessage) => Promise<void>;

/** SubscribeOptions tune one Broker.subscribe. */
export interface SubscribeOptions {
  /** queue: subscribers sharing a queue name split the messages, each going to exactly one of them. */
  readonly queue?: string;
  /**
   * durable names a persistent consumer: messages are kept until a member
   * acknowledges them (at-least-once). Absent: at-most-once.
   */
  readonly durable?: string;
  /** maxInFlight caps handlers running at once for this subscription. Default 16. */
  readonly maxInFlight?: number;
  /**
   * maxPending caps messages received but waiting for a free handler slot.
   * At-most-once subscriptions drop (and count) what arrives beyond it.
   * Default 65 536.
   */
  readonly maxPending?: number;
  /** maxDeliver: durable only, deliveries before a message goes to the dead-letter subject. Default 5. */
  readonly maxDeliver?: number;
  /**
   * logger hears this subscription's failed handlers and dead letters, so a
   * service sharing a broker with others logs its own. Default: the broker's logger.
   */
  readonly logger?: Logger;
}

/** SubscriptionStats counts what one subscription did with its messages. */
export interface SubscriptionStats {
  /** Handlers that resolved. */
  readonly handled: number;
  /** Handlers that threw. */
  readonly failed: number;
  /** Messages dropped because maxPending was full (at-most-once only). */
  readonly dropped: number;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Messages waiting for a handler slot now. */
  readonly pending: number;
}

/** Subscription is one live subscribe() registration. */
export interface Subscription {
  readonly topic: string;
  readonly queue: string | undefined;
  /**
   * unsubscribe stops taking messages, lets running handlers finish and
   * resolves after the last one; messages still pending are not handled
   * (a durable broker redelivers them to another member).
   */
  unsubscribe(): Promise<void>;
  stats(): SubscriptionStats;
}

/**
 * Broker is where services publish events and subscribe to them, as
 * go-micro's broker.Broker: connect, publish, subscribe, disconnect.
 */
export interface Broker {
  /** Name of the implementation: "memory", "nats". */
  readonly name: string;
  /** Where it connects, for messages; "" for the in-process broker. */
  readonly address: string;
  /** connect reaches the broker; it rejects with a BrokerError naming the address if it cannot. */
  connect(): Promise<void>;
  /** publish sends one message to every subscriber of `topic` (one member per queue group). */
  publish(topic: string, message: OutgoingMessage, options?: PublishOptions): Promise<void>;
  /** subscribe calls `handler` for each message on `topic` until unsubscribed. */
  subscribe(topic: string, handler: BrokerHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** disconnect drains every subscription (running handlers finish), then closes the connection. */
  disconnect(): Promise<void>;
}
