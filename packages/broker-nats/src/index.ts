// Public API of @tsmicro/broker-nats.
export { createNatsBroker, NatsBroker } from './nats-broker.js';
export type { NatsBrokerOptions } from './nats-options.js';
