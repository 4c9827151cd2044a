import type { AcquireOptions, Lease } from './pool-waiter.js';
import { PoolWaiter } from './pool-waiter.js';
import type { AddressStats } from './pool-stats.js';
import { StatusError } from './status-error.js';
import { Code } from './status.js';
import type { Connection, DialOptions, Transport } from './transport.js';

/** AddressPoolSettings are the resolved pool options, shared by every address. */
export interface AddressPoolSettings {
  readonly transport: Transport;
  readonly poolSize: number;
  readonly ttlMs: number;
  readonly maxStreamsPerConnection: number;
  readonly dialOptions: DialOptions;
  /** Called when the address holds nothing (no connection, dial or waiter), so the pool can forget it. */
  readonly onEmpty: (pool: AddressPool) => void;
}

/** Entry is one pooled connection and how many leases it has out. */
export interface Entry {
  readonly connection: Connection;
  leases: number;
  /** Set once the connection's closed promise resolves; state may not say so yet. */
  closed: boolean;
  /** Set once the pool stops handing this connection out. */
  dropped: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** When leases last fell to 0 (ms since the epoch). */
  idleSince: number;
}

/**
 * AddressPool keeps the connections to one address. It counts leased streams
 * per connection itself, because grpc-js queues streams past a server's
 * limit instead of opening another connection: only the pool can spread load.
 */
export class AddressPool {
  private readonly entries: Entry[] = [];
  private readonly waiters: PoolWaiter[] = [];
  /** Dial attempts not yet fully settled; close() waits for them. */
  private readonly dials = new Set<Promise<void>>();
  /** Dials whose outcome is not yet known: counted against poolSize. */
  private dialing = 0;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly settings: AddressPoolSettings,
  ) {}

  /** acquire leases a stream slot on a connection, dialing or waiting as needed. */
  acquire(options: AcquireOptions): Promise<Lease> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    const waiter = new PoolWaiter(this.address, options, (w) => this.forget(w));
    if (waiter.settled) {
      if (this.empty) this.settings.onEmpty(this);
      return waiter.promise;
    }
    if (this.closed) {
      waiter.reject(poolClosed());
      return waiter.promise;
    }
    // Queue first, then pump: pump serves the queue head first, so a newcomer never overtakes a waiter.
    this.waiters.push(waiter);
    this.pump();
    return waiter.promise;
  }

  /**
   * tryAcquire leases a slot on a ready connection with room when no one is
   * waiting; undefined means acquire() has to queue or dial. It is the path
   * of almost every call, so it makes no waiter, timer or promise.
   */
  tryAcquire(): Lease | undefined {
    if (this.closed || this.waiters.length > 0) return undefined;
    const max = this.settings.maxStreamsPerConnection;
    for (const e of this.entries) {
      if (e.leases < max && !e.closed && e.connection.state === 'ready') return this.leaseOf(e);
    }
    return undefined;
  }

  /** empty tells whether the address holds no connection, dial or waiter. */
  get empty(): boolean {
    return this.entries.length === 0 && this.dials.size === 0 && this.waiters.length === 0;
  }

  stats(): AddressStats {
    return {
      connections: this.entries.map((e) => ({
        state: e.connection.state,
        leases: e.leases,
        activeStreams: e.connection.activeStreams,
      })),
      dialing: this.dialing,
      waiting: this.waiters.length,
    };
  }

  /** close rejects every waiter and closes every connection, waiting for in-flight dials to settle. */
  async close(graceMs?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = poolClosed();
    for (const w of this.waiters.splice(0)) w.reject(err);
    const closing = this.entries.splice(0).map((e) => {
      e.dropped = true;
      clearTimeout(e.idleTimer);
      return closeQuietly(e.connection, graceMs);
    });
    // A dial that wins the race with close is closed by onDialed, inside the dial's promise.
    await Promise.all([...closing, ...this.dials]);
  }

  private pump(): void {
    if (this.closed) return;
    this.dropBroken();
    while (this.waiters.length > 0) {
      const entry = this.entryWithRoom();
      if (!entry) break;
      this.lease(entry, this.waiters.shift() as PoolWaiter);
    }
    const { poolSize, maxStreamsPerConnection } = this.settings;
    // Waiters not yet covered by the slots that in-flight dials will bring.
    let uncovered = this.waiters.length - this.dialing * maxStreamsPerConnection;
    while (uncovered > 0 && this.entries.length + this.dialing < poolSize) {
      this.dial(this.waiters.find((w) => !w.hasDial));
      uncovered -= maxStreamsPerConnection;
    }
    if (this.empty) this.settings.onEmpty(this);
  }

  private entryWithRoom(): Entry | undefined {
    const max = this.settings.maxStreamsPerConnection;
    let fallback: Entry | undefined;
    // First fit packs calls onto the oldest connections, so extra ones go idle and expire after a burst.
    for (const e of this.entries) {
      if (e.leases >= max) continue;
      if (e.connection.state === 'ready') return e;
      fallback ??= e;
    }
    return fallback;
  }

  private lease(entry: Entry, waiter: PoolWaiter): void {
    waiter.resolve(this.leaseOf(entry));
  }

  private leaseOf(entry: Entry): Lease {
    entry.leases++;
    return new PoolLease(this, entry);
  }

  /** release gives back one lease on entry (PoolLease calls it once). */
  release(entry: Entry): void {
    entry.leases--;
    if (entry.dropped || this.closed) return;
    if (this.waiters.length > 0) this.pump();
    if (entry.leases === 0) this.startIdle(entry);
  }

  // A connection whose leases fall to 0 is closed once it stayed unleased
  // for ttlMs. One timer per idle spell, not per release: it re-arms itself
  // for the rest of the time when the connection was leased meanwhile.
  private startIdle(entry: Entry): void {
    const { ttlMs } = this.settings;
    if (!Number.isFinite(ttlMs) || entry.dropped) return;
    entry.idleSince = Date.now();
    if (entry.idleTimer === undefined) this.armIdle(entry, ttlMs);
  }

  private armIdle(entry: Entry, delayMs: number): void {
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.leases > 0 || entry.dropped) return;
      const left = entry.idleSince + this.settings.ttlMs - Date.now();
      if (left > 0) {
        this.armIdle(entry, left);
        return;
      }
      this.drop(entry);
      void closeQuietly(entry.connection);
      this.pump();
    }, delayMs);
    // An idle connection must not keep the process alive.
    entry.idleTimer.unref();
  }

  private dial(trigger: PoolWaiter | undefined): void {
    if (trigger) trigger.hasDial = true;
    this.dialing++;
    const { transport, dialOptions } = this.settings;
    // The executor turns a dial that throws synchronously into a rejection.
    const attempt: Promise<void> = new Promise<Connection>((resolve) => resolve(transport.dial(this.address, dialOptions)))
      .then(
        (connection) => {
          this.dialing--;
          return this.onDialed(connection, trigger);
        },
        (err: unknown) => {
          this.dialing--;
          this.onDialFailed(err, trigger);
        },
      )
      .finally(() => {
        this.dials.delete(attempt);
        if (this.empty) this.settings.onEmpty(this);
      });
    this.dials.add(attempt);
  }

  private async onDialed(connection: Connection, trigger: PoolWaiter | undefined): Promise<void> {
    if (this.closed) {
      await closeQuietly(connection);
      return;
    }
    const entry: Entry = { connection, leases: 0, closed: false, dropped: false, idleTimer: undefined, idleSince: 0 };
    if (isBroken(entry)) {
      this.onDialFailed(new Error(`connection to ${this.address} closed as soon as it was dialed`), trigger);
      return;
    }
    this.entries.push(entry);
    void connection.closed.then(() => {
      entry.closed = true;
      if (!entry.dropped) {
        this.drop(entry);
        this.pump();
      }
    });
    this.pump();
    if (entry.leases === 0) this.startIdle(entry);
  }

  private onDialFailed(err: unknown, trigger: PoolWaiter | undefined): void {
    if (this.closed) return;
    const reason = err instanceof Error ? err.message : String(err);
    // A transport that already says which address it could not reach is not said twice.
    const message = reason.startsWith('cannot connect to ') ? reason : `cannot connect to ${this.address}: ${reason}`;
    const failure = new StatusError(Code.UNAVAILABLE, message, undefined, { cause: err });
    if (trigger && !trigger.settled) {
      this.forget(trigger);
      trigger.reject(failure);
    }
    const live = this.entries.some((e) => !isBroken(e));
    if (!live && this.dialing === 0) {
      // Nothing is connected and nothing else is dialing: no one would ever serve the rest.
      for (const w of this.waiters.splice(0)) w.reject(failure);
      return;
    }
    this.pump();
  }

  private dropBroken(): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as Entry;
      if (isBroken(e)) this.drop(e);
    }
  }

  private drop(entry: Entry): void {
    if (entry.dropped) return;
    entry.dropped = true;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  private forget(waiter: PoolWaiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    if (this.empty) this.settings.onEmpty(this);
  }
}

// A lease is an object rather than a closure: a long-lived stream holds it
// for its whole life, and the object is the smaller of the two.
class PoolLease implements Lease {
  private released = false;

  constructor(
    private readonly pool: AddressPool,
    private readonly entry: Entry,
  ) {}

  get connection(): Connection {
    return this.entry.connection;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.release(this.entry);
  }
}

function isBroken(entry: Entry): boolean {
  const state = entry.connection.state;
  return entry.closed || state === 'closing' || state === 'closed';
}

function poolClosed(): StatusError {
  return new StatusError(Code.UNAVAILABLE, 'connection pool is closed');
}

async function closeQuietly(connection: Connection, graceMs?: number): Promise<void> {
  try {
    await connection.close(graceMs);
  } catch {
    // A connection that fails to close cleanly is gone all the same.
  }
}
