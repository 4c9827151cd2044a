import type { BrokerHandler, BrokerMessage, SubscribeOptions } from '../broker/broker.js';
import { composeChain } from '../interceptor/compose-chain.js';
import type { Interceptor } from '../interceptor/interceptor.js';
import { eventMethod } from './event-method.js';
import { SubscriberCall } from './subscriber-call.js';
import { checkPattern } from '../broker/topic.js';
import { resolveSubscribeOptions } from '../broker/subscribe-options.js';
import { Context } from '../context.js';
import type { MessageType } from '../definition.js';
import { lookupMessageType } from '../generated-runtime.js';
import { HandlerError } from '../handler-error.js';
import { type DeclaredSubscription, readConstructorParams, readMethodShape } from '../handler-metadata.js';
import { eventCodecFor } from './event-codec.js';
import { eventHeader } from './event-headers.js';
import { EventContext } from './event-context.js';
import type { SubscribeDecoratorOptions } from './subscribe-decorator.js';

/** EventHandlerFunc is a subscriber's handler once bound to its instance: (ctx, message) => Promise<void>. */
export type EventHandlerFunc = (ctx: Context, message: unknown) => Promise<void>;

/** SubscriberBinding is one checked @Subscribe method, ready to subscribe. */
export interface SubscriberBinding {
  /** "Billing.onOrderCreated", for messages. */
  readonly where: string;
  readonly topic: string;
  readonly type: MessageType<unknown>;
  readonly options: SubscribeOptions;
  readonly handler: EventHandlerFunc;
  /** Interceptors around the handler, outermost first: the service's, the class's, the method's. */
  readonly interceptors: readonly Interceptor[];
}

const signature = '(ctx: Context, msg) => Promise<void>';

/**
 * bindSubscriber checks one @Subscribe method (topic, options, message type
 * and the method's shape) and binds it to `instance`. Anything wrong throws
 * a HandlerError naming class and method, at handle() time.
 */
export function bindSubscriber(
  instance: object,
  className: string,
  declared: DeclaredSubscription,
  serviceName: string,
  interceptors: readonly Interceptor[] = [],
): SubscriberBinding {
  const where = `${className}.${declared.propertyKey}`;
  const fail = (problem: string, cause?: unknown): never => {
    throw new HandlerError(`${where}: ${problem}`, cause === undefined ? undefined : { cause });
  };
  const options = declared.options as SubscribeDecoratorOptions;
  const prototype = Object.getPrototypeOf(instance) as object;
  const shape = readMethodShape(prototype, declared.propertyKey);
  if (shape.arity < 0) fail('@Subscribe is on something that is not a method');
  if (shape.paramTypes) {
    const [ctx, msg] = shape.paramTypes;
    const primitive = msg === String || msg === Number || msg === Boolean || msg === Array;
    if (shape.paramTypes.length !== 2 || (ctx !== Context && ctx !== Object) || primitive || (shape.returnType !== Promise && shape.returnType !== Object)) {
      fail(`a subscriber must be ${signature}; found (${shape.paramTypes.map(nameOf).join(', ')}) => ${nameOf(shape.returnType)}`);
    }
  } else if (shape.arity !== 2) {
    fail(`a subscriber must be ${signature}; found a function of ${shape.arity} parameter(s)`);
  }
  try {
    checkPattern(declared.topic);
  } catch (err) {
    fail((err as Error).message, err);
  }
  const type = typeof options?.type === 'string' ? lookupMessageType(options.type) : options?.type;
  if (!type || typeof type.decode !== 'function' || typeof type.encode !== 'function') {
    fail(
      typeof options?.type === 'string'
        ? `message type ${options.type} is unknown; import its generated code before handle()`
        : '@Subscribe needs { type }: the MessageType generated code exports for the message (e.g. OrderCreated)',
    );
  }
  const { type: _type, durable, ...rest } = options;
  const brokerOptions: SubscribeOptions = {
    ...rest,
    ...(durable ? { durable: typeof durable === 'string' ? durable : consumerName(rest.queue ?? serviceName) } : {}),
  };
  try {
    resolveSubscribeOptions(brokerOptions);
  } catch (err) {
    fail((err as Error).message, err);
  }
  const method = (instance as Record<string, (ctx: Context, msg: unknown) => Promise<void>>)[declared.propertyKey] as (
    ctx: Context,
    msg: unknown,
  ) => Promise<void>;
  return {
    where,
    topic: declared.topic,
    type: type as MessageType<unknown>,
    options: brokerOptions,
    handler: (ctx, msg) => method.call(instance, ctx, msg),
    interceptors,
  };
}

/**
 * checkInjectable refuses a class typedi would build with its constructor
 * parameters undefined: tsc records their types only on a decorated class.
 */
export function checkInjectable(ctor: Function, className: string): void {
  if (ctor.length > 0 && readConstructorParams(ctor).length === 0) {
    throw new HandlerError(
      `${className} takes ${ctor.length} constructor parameter(s) but tsc recorded no types for them: decorate the class with @Subscriber() (or @Service(...)) so typedi can inject them`,
    );
  }
}

/**
 * brokerHandler turns a binding into what a Broker calls: decode by the
 * event's content type, make the handler's Context from the headers, run the
 * handler, through its interceptors when it has any (composed once, here).
 */
export function brokerHandler(binding: SubscriberBinding, signal: AbortSignal, onHookError: (err: unknown) => void): BrokerHandler {
  const decode = (event: BrokerMessage): unknown =>
    eventCodecFor(event.contentType ?? event.headers[eventHeader.contentType]).unmarshal(binding.type, event.body);
  const context = (event: BrokerMessage): Context => new EventContext(event, binding.where, signal);
  // Not async functions: a delivery is on the hot path, and each await is a turn.
  if (binding.interceptors.length === 0) {
    return (event) => {
      try {
        return binding.handler(context(event), decode(event));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  const chain = composeChain(binding.interceptors, (c) => {
    const call = c as SubscriberCall;
    return binding.handler(call.ctx, call.message());
  });
  const method = eventMethod(binding.topic, binding.where, binding.type);
  return (event) => {
    try {
      const call = new SubscriberCall(context(event), method, decode(event), onHookError);
      return call.settle(chain(call)).then(ignore);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

function ignore(): void {}

// JetStream consumer names may not hold '.', '*', '>' or spaces.
function consumerName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

function nameOf(t: unknown): string {
  if (t === undefined) return 'void';
  if (typeof t === 'function') return t === Object ? 'object' : t.name || 'anonymous';
  return String(t);
}
