// Events on top of a Broker: @Subscribe handlers and typed publishers.
export { Subscribe, Subscriber } from './subscribe-decorator.js';
export type { SubscribeDecoratorOptions } from './subscribe-decorator.js';
export { Publisher } from './publisher.js';
export type { PublishEventOptions, PublisherOptions, PublishFunc } from './publisher.js';
export { eventHeader } from './event-headers.js';
export type { EventHandlerFunc, SubscriberBinding } from './subscriber.js';
