import { ClientClosedError, EtcdLeaseInvalidError, isRecoverableError } from 'etcd3';

/** EtcdUnavailableError means no etcd endpoint answered in time; the message names them. */
export class EtcdUnavailableError extends Error {
  override readonly name = 'EtcdUnavailableError';
}

/**
 * etcdError maps what etcd3 rejected with: transport failures (no
 * connection, deadline passed, client closed) become an EtcdUnavailableError
 * naming the addresses; answers from etcd itself pass through unchanged.
 */
export function etcdError(addresses: string, err: unknown): Error {
  if (err instanceof EtcdUnavailableError) return err;
  if (!(err instanceof Error)) return new Error(String(err));
  if (isRecoverableError(err) || err instanceof ClientClosedError) {
    return new EtcdUnavailableError(`etcd at ${addresses} unreachable: ${err.message}`, { cause: err });
  }
  return err;
}

/** isLeaseLost tells whether etcd answered that a lease expired or was revoked. */
export function isLeaseLost(err: unknown): boolean {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  return err instanceof EtcdLeaseInvalidError || cause instanceof EtcdLeaseInvalidError;
}

/** isCompacted tells whether etcd answered that the requested revision was compacted away. */
export function isCompacted(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}
