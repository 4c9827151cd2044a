import { AddressPool, type AddressPoolSettings } from './address-pool.js';
import type { PoolStats, AddressStats } from './pool-stats.js';
import type { AcquireOptions, Lease } from './pool-waiter.js';
import { StatusError } from './status-error.js';
import { Code } from './status.js';
import type { DialOptions, Transport } from './transport.js';

export type { AcquireOptions, Lease } from './pool-waiter.js';
export type { AddressStats, ConnectionStats, PoolStats } from './pool-stats.js';

/** PoolOptions tune a connection pool; every field has a default (see poolDefaults). */
export interface PoolOptions {
  /** Most connections kept per address. */
  readonly poolSize?: number;
  /** Milliseconds a connection may sit without leases before it is closed (idleness, not age). */
  readonly ttlMs?: number;
  /** Most calls leased on one connection at once; past it the pool dials another, up to poolSize. */
  readonly maxStreamsPerConnection?: number;
  /** Passed to every dial; its signal, if any, aborts dials along with the pool's own. */
  readonly dialOptions?: DialOptions;
}

/**
 * poolDefaults are the values PoolOptions fall back to.
 * - poolSize 8: connections are dialed only when every existing one is full,
 *   so a quiet client still holds one; 8 leaves room for bursts and for
 *   long-lived streams, which hold their slot for their whole life.
 * - ttlMs 60 000: keeps a connection across bursts of traffic yet frees the
 *   sockets of peers no longer called (go-micro's pool TTL is one minute too).
 * - maxStreamsPerConnection 100: RFC 9113 section 6.5.2 recommends servers
 *   allow at least 100 concurrent streams, so the pool spreads calls before
 *   a typical server's limit would make them queue.
 */
export const poolDefaults = Object.freeze({
  poolSize: 8,
  ttlMs: 60_000,
  maxStreamsPerConnection: 100,
});

/**
 * Pool hands out leases on multiplexed connections, per address. A call
 * (unary or streaming) holds its lease for its whole life and releases it at
 * the end; acquire waits, first come first served, when every connection to
 * the address is full and poolSize are open.
 */
export interface Pool {
  /**
   * acquire resolves a lease on a ready connection to address. It rejects
   * with StatusError DEADLINE_EXCEEDED or CANCELLED when the deadline or
   * signal ends its wait, and UNAVAILABLE when dialing fails or the pool closes.
   */
  acquire(address: string, options?: AcquireOptions): Promise<Lease>;
  /**
   * tryAcquire returns a lease at once when a ready connection to address
   * has a free slot and no acquire is waiting; otherwise undefined, and the
   * caller uses acquire(). It spares the common case a promise and a waiter.
   */
  tryAcquire(address: string): Lease | undefined;
  /** stats reports every address's connections, with their state and leased streams. */
  stats(): PoolStats;
  /** close rejects waiting acquires and closes every connection (open streams get graceMs to finish). */
  close(graceMs?: number): Promise<void>;
}

/** createPool makes a connection pool over a transport. */
export function createPool(transport: Transport, options: PoolOptions = {}): Pool {
  return new ConnectionPool(transport, options);
}

class ConnectionPool implements Pool {
  private readonly addresses = new Map<string, AddressPool>();
  private readonly abort = new AbortController();
  private readonly settings: Omit<AddressPoolSettings, 'onEmpty'>;
  private closed = false;

  constructor(transport: Transport, options: PoolOptions) {
    const poolSize = options.poolSize ?? poolDefaults.poolSize;
    const ttlMs = options.ttlMs ?? poolDefaults.ttlMs;
    const maxStreamsPerConnection = options.maxStreamsPerConnection ?? poolDefaults.maxStreamsPerConnection;
    checkCount('poolSize', poolSize);
    checkCount('maxStreamsPerConnection', maxStreamsPerConnection);
    if (!(ttlMs >= 0)) throw new RangeError(`pool option ttlMs must be 0 or more milliseconds, got ${ttlMs}`);
    const given = options.dialOptions ?? {};
    const signal = given.signal ? AbortSignal.any([given.signal, this.abort.signal]) : this.abort.signal;
    this.settings = { transport, poolSize, ttlMs, maxStreamsPerConnection, dialOptions: { ...given, signal } };
  }

  acquire(address: string, options: AcquireOptions = {}): Promise<Lease> {
    if (this.closed) return Promise.reject(new StatusError(Code.UNAVAILABLE, 'connection pool is closed'));
    let pool = this.addresses.get(address);
    if (!pool) {
      pool = new AddressPool(address, {
        ...this.settings,
        onEmpty: (p) => {
          if (this.addresses.get(address) === p) this.addresses.delete(address);
        },
      });
      this.addresses.set(address, pool);
    }
    return pool.acquire(options);
  }

  tryAcquire(address: string): Lease | undefined {
    if (this.closed) return undefined;
    return this.addresses.get(address)?.tryAcquire();
  }

  stats(): PoolStats {
    const out: Record<string, AddressStats> = {};
    for (const [address, pool] of this.addresses) out[address] = pool.stats();
    return out;
  }

  async close(graceMs?: number): Promise<void> {
    this.closed = true;
    this.abort.abort(new StatusError(Code.UNAVAILABLE, 'connection pool is closed'));
    const pools = [...this.addresses.values()];
    this.addresses.clear();
    await Promise.all(pools.map((p) => p.close(graceMs)));
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`pool option ${name} must be a whole number of at least 1, got ${value}`);
  }
}
