/**
 * RegistryError is a registry failure that is not about one call on the
 * wire: an invalid record, a closed registry, a registry backend that cannot
 * be reached. The message names the service, node or address concerned.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** isRegistryError reports whether `err` is a RegistryError. */
export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}
