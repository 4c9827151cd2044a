import { Etcd3, type IOptions } from 'etcd3';
import type { BackoffOptions } from './backoff.js';
import { etcdError } from './etcd-error.js';

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type HostPolicy = ReturnType<NonNullable<FaultHandling['host']>>;
type WatchBackoff = NonNullable<FaultHandling['watchBackoff']>;

/**
 * EtcdConnection is the one etcd3 client a registry shares between its
 * leases and its cache, configured for a caller that runs its own retry
 * loops with backoff:
 * - every unary call carries a deadline, so an address that swallows
 *   packets fails after `timeoutMs` instead of whenever grpc-js gives up;
 * - no per-host circuit breaker: etcd3's default one stays open for 5 s after
 *   three failures, holding keep-alives back longer than a short lease lives
 *   once etcd is back;
 * - etcd3's watch manager reconnects after zero delay: its reconnect timer
 *   cannot be cancelled, so the cache detaches its watcher on every
 *   disconnect, waits its own cancellable backoff and opens a new one, and the
 *   manager's timer always finds nothing left to reconnect.
 */
export class EtcdConnection {
  readonly client: Etcd3;
  /** addresses names the endpoints for error messages. */
  readonly addresses: string;

  constructor(
    endpoints: readonly URL[],
    readonly timeoutMs: number,
    retry: BackoffOptions,
  ) {
    this.addresses = endpoints.map((u) => u.host).join(', ');
    this.client = new Etcd3({
      hosts: endpoints.map((u) => u.host),
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      grpcOptions: {
        'grpc.initial_reconnect_backoff_ms': retry.minMs,
        'grpc.max_reconnect_backoff_ms': retry.maxMs,
      },
      faultHandling: {
        host: () => passThrough,
        // etcd3's default global policy retries on another endpoint; with one
        // endpoint it would only multiply the deadline.
        ...(endpoints.length === 1 ? { global: passThrough } : {}),
        watchBackoff: noDelay,
      },
    });
  }

  /** run awaits one etcd3 call, naming the addresses when etcd cannot be reached. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw etcdError(this.addresses, err);
    }
  }

  /** close ends etcd3's channels; watchers and leases must be stopped first. */
  close(): void {
    this.client.close();
  }
}

// cockatiel's `noop` policy, written out because cockatiel is etcd3's
// dependency, not ours.
const passThrough: HostPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => {} }),
  onFailure: () => ({ dispose: () => {} }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

const noDelay: WatchBackoff = { duration: 0, next: () => noDelay };
