import type { StatusError } from './status-error.js';

/** asIs and rethrow are the continuations that make readWith() a plain read(). */
export const asIs = (message: Uint8Array | null): Uint8Array | null => message;
export const rethrow = (err: StatusError): StatusError => err;

/**
 * settledWith is a read's promise for a message already at hand (null at a
 * clean end): what onMessage returns for it, or what onMessage threw.
 */
export function settledWith<T, C>(onMessage: (this: C, message: Uint8Array | null) => T, self: C, message: Uint8Array | null): Promise<T> {
  try {
    return Promise.resolve(onMessage.call(self, message));
  } catch (err) {
    return Promise.reject(err);
  }
}
