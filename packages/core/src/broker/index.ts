// Events: the Broker contract and the in-process broker.
export type {
  Broker,
  BrokerHandler,
  BrokerMessage,
  OutgoingMessage,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionStats,
} from './broker.js';
export { createMemoryBroker, defaultMemoryBroker, MemoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker.js';
export { BrokerError, isBrokerError } from './broker-error.js';

// For broker authors.
export { HandlerQueue } from './handler-queue.js';
export type { HandlerQueueOptions, Outcome, Settle } from './handler-queue.js';
export { resolveSubscribeOptions, subscribeDefaults } from './subscribe-options.js';
export type { ResolvedSubscribeOptions } from './subscribe-options.js';
export { checkPattern, checkTopic, topicMatches } from './topic.js';
