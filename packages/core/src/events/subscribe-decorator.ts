import type { SubscribeOptions } from '../broker/broker.js';
import type { MessageType } from '../definition.js';
import { recordSubscription } from '../handler-metadata.js';

/** SubscribeDecoratorOptions are @Subscribe's options. */
export interface SubscribeDecoratorOptions<T = unknown> extends Omit<SubscribeOptions, 'durable'> {
  /**
   * type of the message: the MessageType generated code exports beside the
   * interface (`OrderCreated`), or its full proto name ("shop.OrderCreated")
   * once that generated module is loaded.
   */
  readonly type: MessageType<T> | string;
  /**
   * durable: at-least-once delivery through the broker's store (NATS
   * JetStream). `true` names the consumer after the queue, else the service;
   * a string names it. Members sharing a consumer name split its messages.
   */
  readonly durable?: boolean | string;
}

/**
 * Subscribe marks a method as the handler of events on `topic`:
 * `(ctx: Context, msg: T) => Promise<void>`. service.handle(Class) builds the
 * class through typedi, checks the method's shape and subscribes it at start.
 */
export function Subscribe<T>(topic: string, options: SubscribeDecoratorOptions<T>): MethodDecorator {
  return (prototype, propertyKey) => {
    if (typeof propertyKey !== 'string') throw new TypeError('tsmicro @Subscribe methods must have string names');
    recordSubscription(prototype, { propertyKey, topic, options });
  };
}

/**
 * Subscriber marks a class whose only handlers are @Subscribe methods. It
 * records nothing: a class decorator is what makes tsc record the
 * constructor's parameter types, which typedi needs to inject them.
 * (A class with @Service(...) needs no second decorator.)
 */
export function Subscriber(): ClassDecorator {
  return () => {};
}
