import type { Broker } from '../broker/broker.js';
import { BrokerError } from '../broker/broker-error.js';
import { checkTopic } from '../broker/topic.js';
import type { Codec } from '../codec/codec.js';
import type { Context } from '../context.js';
import type { MessageType, MethodDefinition } from '../definition.js';
import { composeChain } from '../interceptor/compose-chain.js';
import type { Interceptor, NextCall } from '../interceptor/interceptor.js';
import { createConsoleLogger } from '../logger/console-logger.js';
import type { Logger } from '../logger/logger.js';
import type { Node } from '../registry/registry.js';
import { eventMethod } from './event-method.js';
import { PublishCall } from './publish-call.js';
import { eventContentType } from './event-codec.js';
import { eventHeaders } from './event-headers.js';

/** PublisherOptions tune every publish of one Publisher. */
export interface PublisherOptions {
  /** durable: publish through the broker's store and wait for its acknowledgement (NATS JetStream). */
  readonly durable?: boolean;
}

/** PublishEventOptions tune one Publisher.publish. */
export interface PublishEventOptions {
  /** Headers to send along; content type, id and timestamp are set by the publisher. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Message id (default: a random UUID). A durable broker drops a repeated id within its duplicate window. */
  readonly id?: string;
  /** The call this event is published from: its trace context goes with the event. */
  readonly ctx?: Context;
  /** Overrides the publisher's durable option for this message. */
  readonly durable?: boolean;
}

/** PublishFunc sends one encoded event; interceptors wrap it. */
export type PublishFunc = (topic: string, body: Uint8Array, headers: Record<string, string>, durable: boolean) => Promise<void>;

/**
 * Publisher sends messages of one type to one topic, as go-micro's
 * micro.NewEvent(topic, client): service.publisher('orders.created', OrderCreated).
 */
export class Publisher<T> {
  private readonly contentType: string;
  private readonly method: MethodDefinition;
  private readonly chain: NextCall | undefined;

  constructor(
    readonly topic: string,
    private readonly type: MessageType<T>,
    private readonly codec: Codec,
    private readonly send: PublishFunc,
    private readonly options: PublisherOptions = {},
    interceptors: readonly Interceptor[] = [],
    private readonly node: Node = { id: 'broker', address: '', metadata: {} },
    private readonly logger: Logger = createConsoleLogger(),
  ) {
    checkTopic(topic);
    if (!type || typeof type.encode !== 'function') {
      throw new BrokerError(`publisher for ${topic} needs a MessageType (the one generated code exports beside the message interface)`);
    }
    this.contentType = eventContentType(codec.name);
    this.method = eventMethod(topic, 'publish', type as MessageType<unknown>);
    // Composed once per publisher; without interceptors publish() takes the direct path.
    this.chain =
      interceptors.length === 0
        ? undefined
        : composeChain(interceptors, (c) => {
            const call = c as PublishCall;
            return this.send(this.topic, this.codec.marshal(this.type, call.message() as T), call.headers(), call.durable);
          });
  }

  /** publish encodes `message` and sends it; it resolves with the message id once the broker took it. */
  publish(message: T, options: PublishEventOptions = {}): Promise<string> {
    try {
      const headers = eventHeaders({ contentType: this.contentType, id: options.id, metadata: options.metadata, ctx: options.ctx });
      const durable = options.durable ?? this.options.durable ?? false;
      const id = headers['micro-id'] as string;
      // Not an async function: a publish is on the hot path, and each await is a turn.
      if (!this.chain) return this.send(this.topic, this.codec.marshal(this.type, message), headers, durable).then(() => id);
      const call = new PublishCall(this.topic, this.method, this.node, message, options.ctx, headers, durable, (err) => this.logger.warn({ topic: this.topic, err }, 'event interceptor failed'));
      return call.settle(this.chain(call)).then(() => id);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** brokerPublish is the PublishFunc that goes straight to a broker, once it is loaded. */
export function brokerPublish(broker: () => Promise<Broker>): PublishFunc {
  // Only the first publish waits for the broker to load; the rest go straight to it.
  let loaded: Broker | undefined;
  const options = { durable: true };
  return (topic, body, headers, durable) => {
    if (loaded) return loaded.publish(topic, { body, headers }, durable ? options : undefined);
    return broker().then((b) => (loaded = b).publish(topic, { body, headers }, durable ? options : undefined));
  };
}
