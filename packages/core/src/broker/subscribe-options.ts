import type { Logger } from '../logger/logger.js';
import type { SubscribeOptions } from './broker.js';
import { BrokerError } from './broker-error.js';

/** ResolvedSubscribeOptions are SubscribeOptions with every default applied. */
export interface ResolvedSubscribeOptions {
  readonly queue: string | undefined;
  readonly durable: string | undefined;
  readonly maxInFlight: number;
  readonly maxPending: number;
  readonly maxDeliver: number;
  readonly logger: Logger | undefined;
}

/**
 * subscribeDefaults: 16 handlers at once keep a slow downstream busy without
 * flooding it. 65 536 waiting bounds memory yet absorbs a burst: a NATS client
 * hands over every message of a 64 KiB socket read at once, a thousand or more
 * small ones (NATS's own clients allow 512 Ki pending messages).
 */
export const subscribeDefaults = { maxInFlight: 16, maxPending: 65_536, maxDeliver: 5 } as const;

// Queue and consumer names become NATS tokens and JetStream consumer names.
const name = /^[A-Za-z0-9_-]+$/;

/** resolveSubscribeOptions applies defaults and throws a BrokerError naming the first bad option. */
export function resolveSubscribeOptions(options: SubscribeOptions = {}): ResolvedSubscribeOptions {
  const count = (key: 'maxInFlight' | 'maxPending' | 'maxDeliver', min: number): number => {
    const value = options[key] ?? subscribeDefaults[key];
    if (!Number.isInteger(value) || value < min || value > 1_000_000) {
      throw new BrokerError(`subscribe option ${key} must be a whole number from ${min} to 1000000, got ${String(value)}`);
    }
    return value;
  };
  for (const key of ['queue', 'durable'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || !name.test(value))) {
      throw new BrokerError(`subscribe option ${key} must be letters, digits, '_' or '-', got ${JSON.stringify(value)}`);
    }
  }
  return {
    queue: options.queue,
    durable: options.durable,
    maxInFlight: count('maxInFlight', 1),
    maxPending: count('maxPending', 0),
    maxDeliver: count('maxDeliver', 1),
    logger: options.logger,
  };
}
