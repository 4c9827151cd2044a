/**
 * BrokerError is a broker failure: a broker that cannot be reached, a topic
 * or option that is not valid, a publish the broker did not accept. The
 * message names the address, topic or option concerned.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** isBrokerError reports whether `err` is a BrokerError. */
export function isBrokerError(err: unknown): err is BrokerError {
  return err instanceof BrokerError;
}
