import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPool, poolDefaults } from './pool.js';
import type { Lease } from './pool-waiter.js';
import { isStatusError } from './status-error.js';
import { Code } from './status.js';
import type { ClientStream, Connection, ConnectionState, DialOptions, Listener, Transport } from './transport.js';

class FakeConnection implements Connection {
  state: ConnectionState = 'ready';
  activeStreams = 0;
  closeCalls = 0;
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(readonly address: string) {
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  openStream(): ClientStream {
    throw new Error('the pool never opens streams itself');
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.die();
  }

  /** die is the connection breaking underneath the pool. */
  die(): void {
    this.state = 'closed';
    this.markClosed();
  }
}

interface PendingDial {
  readonly address: string;
  readonly options: DialOptions | undefined;
  succeed(): FakeConnection;
  fail(err?: Error): void;
}

/** FakeTransport dials at once, or (manual) only when the test says so. */
class FakeTransport implements Transport {
  readonly name = 'fake';
  readonly connections: FakeConnection[] = [];
  readonly pending: PendingDial[] = [];
  manual = false;
  failWith: Error | undefined;
  dialCount = 0;

  dial(address: string, options?: DialOptions): Promise<Connection> {
    this.dialCount++;
    if (!this.manual) {
      if (this.failWith) return Promise.reject(this.failWith);
      return Promise.resolve(this.connect(address));
    }
    return new Promise<Connection>((resolve, reject) => {
      this.pending.push({
        address,
        options,
        succeed: () => {
          const c = this.connect(address);
          resolve(c);
          return c;
        },
        fail: (err = new Error('connection refused')) => reject(err),
      });
    });
  }

  listen(): Promise<Listener> {
    return Promise.reject(new Error('not used'));
  }

  private connect(address: string): FakeConnection {
    const c = new FakeConnection(address);
    this.connections.push(c);
    return c;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** settledState tells whether a promise has settled yet, without waiting for it. */
async function settledState<T>(p: Promise<T>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  p.then(
    () => {
      state = 'fulfilled';
    },
    () => {
      state = 'rejected';
    },
  );
  await flush();
  return state;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const A = '10.0.0.1:50051';

afterEach(() => {
  vi.useRealTimers();
});

describe('createPool', () => {
  it('multiplexes calls on one connection until it holds maxStreamsPerConnection, then dials another', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 3, maxStreamsPerConnection: 2 });
    const a = await pool.acquire(A);
    const b = await pool.acquire(A);
    expect(t.dialCount).toBe(1);
    expect(b.connection).toBe(a.connection);
    const c = await pool.acquire(A);
    expect(t.dialCount).toBe(2);
    expect(c.connection).not.toBe(a.connection);
    expect(pool.stats()[A]?.connections.map((s) => s.leases)).toEqual([2, 1]);
    await pool.close();
  });

  it('reuses a connection after its leases are released', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 2, maxStreamsPerConnection: 1 });
    const a = await pool.acquire(A);
    a.release();
    const b = await pool.acquire(A);
    expect(b.connection).toBe(a.connection);
    expect(t.dialCount).toBe(1);
    await pool.close();
  });

  it('tryAcquire leases at once only when a ready connection has room and no acquire waits', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 2 });
    expect(pool.tryAcquire(A)).toBeUndefined(); // nothing dialed yet: that is acquire's job
    const a = await pool.acquire(A);
    const b = pool.tryAcquire(A);
    expect(b?.connection).toBe(a.connection);
    expect(pool.tryAcquire(A)).toBeUndefined(); // full
    const waiting = pool.acquire(A);
    b?.release();
    expect((await waiting).connection).toBe(a.connection); // the waiter got the freed slot, not a newcomer
    expect(pool.stats()[A]?.connections[0]?.leases).toBe(2);
    (await waiting).release();
    t.connections[0]?.die();
    expect(pool.tryAcquire(A)).toBeUndefined(); // never a closed connection
    await pool.close();
    expect(pool.tryAcquire(A)).toBeUndefined();
  });

  it('keeps separate connections per address', async () => {
    const t = new FakeTransport();
    const pool = createPool(t);
    const a = await pool.acquire(A);
    const b = await pool.acquire('10.0.0.2:50051');
    expect(b.connection).not.toBe(a.connection);
    expect(Object.keys(pool.stats()).sort()).toEqual([A, '10.0.0.2:50051']);
    await pool.close();
  });

  it('makes waiters queue first come first served when every connection is full and poolSize are open', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 2, maxStreamsPerConnection: 1 });
    const held = [await pool.acquire(A), await pool.acquire(A)];
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) =>
      pool.acquire(A).then((lease) => {
        order.push(n);
        return lease;
      }),
    );
    await flush();
    expect(order).toEqual([]);
    expect(t.dialCount).toBe(2);
    expect(pool.stats()[A]?.waiting).toBe(3);

    held[1]?.release();
    await flush();
    expect(order).toEqual([1]);
    held[0]?.release();
    await flush();
    expect(order).toEqual([1, 2]);
    (await waits[0])?.release();
    await flush();
    expect(order).toEqual([1, 2, 3]);
    expect(t.dialCount).toBe(2);
    await pool.close();
  });

  it('counts a lease once however often release is called', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 2 });
    const a = await pool.acquire(A);
    const b = await pool.acquire(A);
    a.release();
    a.release();
    expect(pool.stats()[A]?.connections[0]?.leases).toBe(1);
    const c = await pool.acquire(A);
    expect(pool.stats()[A]?.connections[0]?.leases).toBe(2);
    const blocked = pool.acquire(A);
    expect(await settledState(blocked)).toBe('pending');
    b.release();
    c.release();
    (await blocked).release();
    await pool.close();
  });

  it('dials at most poolSize connections however many acquires arrive at once', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t, { poolSize: 3, maxStreamsPerConnection: 1 });
    const acquires = Array.from({ length: 10 }, () => pool.acquire(A));
    await flush();
    expect(t.dialCount).toBe(3);
    expect(pool.stats()[A]).toMatchObject({ dialing: 3, waiting: 10 });
    for (const d of [...t.pending]) d.succeed();
    await flush();
    expect(t.dialCount).toBe(3);
    expect(pool.stats()[A]).toMatchObject({ dialing: 0, waiting: 7 });
    const first = await Promise.all(acquires.slice(0, 3));
    expect(new Set(first.map((l) => l.connection)).size).toBe(3);
    await pool.close();
    await Promise.allSettled(acquires);
  });

  it('dials only once for many concurrent acquires that fit on one connection', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t, { poolSize: 4, maxStreamsPerConnection: 100 });
    const acquires = Array.from({ length: 50 }, () => pool.acquire(A));
    await flush();
    expect(t.dialCount).toBe(1);
    t.pending[0]?.succeed();
    const leases = await Promise.all(acquires);
    expect(new Set(leases.map((l) => l.connection)).size).toBe(1);
    await pool.close();
  });

  it('rejects a waiting acquire with DEADLINE_EXCEEDED when its deadline passes', async () => {
    vi.useFakeTimers();
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 1 });
    const held = await pool.acquire(A);
    const waiting = pool.acquire(A, { deadline: Date.now() + 1_000 });
    const outcome = rejection(waiting);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settledState(waiting)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(isStatusError(err) && err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(pool.stats()[A]?.waiting).toBe(0);
    // The expired waiter must not swallow the slot that frees up later.
    held.release();
    const next = await pool.acquire(A);
    expect(next.connection).toBe(held.connection);
    await pool.close();
  });

  it('rejects at once with DEADLINE_EXCEEDED when the deadline has already passed', async () => {
    const t = new FakeTransport();
    const pool = createPool(t);
    const err = await rejection(pool.acquire(A, { deadline: Date.now() - 1 }));
    expect(isStatusError(err) && err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(t.dialCount).toBe(0);
    expect(pool.stats()).toEqual({});
    await pool.close();
  });

  it('rejects a waiting acquire with CANCELLED when its signal aborts', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 1 });
    await pool.acquire(A);
    const ac = new AbortController();
    const waiting = pool.acquire(A, { signal: ac.signal });
    expect(await settledState(waiting)).toBe('pending');
    ac.abort();
    const err = await rejection(waiting);
    expect(isStatusError(err) && err.code).toBe(Code.CANCELLED);
    expect(pool.stats()[A]?.waiting).toBe(0);
    const already = await rejection(pool.acquire(A, { signal: ac.signal }));
    expect(isStatusError(already) && already.code).toBe(Code.CANCELLED);
    await pool.close();
  });

  it('closes a connection after ttlMs without leases, counting idleness rather than age', async () => {
    vi.useFakeTimers();
    const t = new FakeTransport();
    const pool = createPool(t, { ttlMs: 1_000 });
    const a = await pool.acquire(A);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.connections[0]?.closeCalls).toBe(0); // leased: never idle, however old
    a.release();
    await vi.advanceTimersByTimeAsync(900);
    (await pool.acquire(A)).release(); // used again: the idle clock restarts
    await vi.advanceTimersByTimeAsync(900);
    expect(t.connections[0]?.closeCalls).toBe(0);
    expect(pool.stats()[A]?.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.connections[0]?.closeCalls).toBe(1);
    expect(pool.stats()).toEqual({});
    const b = await pool.acquire(A);
    expect(b.connection).not.toBe(a.connection);
    expect(t.dialCount).toBe(2);
    await pool.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('unrefs idle timers so an idle pool does not keep the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const t = new FakeTransport();
    const pool = createPool(t, { ttlMs: 60_000 });
    (await pool.acquire(A)).release();
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    await pool.close();
  });

  it('drops a connection whose closed promise resolved and dials a replacement', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1 });
    const a = await pool.acquire(A);
    a.release();
    t.connections[0]?.die();
    await flush();
    expect(pool.stats()[A]).toBeUndefined();
    const b = await pool.acquire(A);
    expect(b.connection).not.toBe(a.connection);
    expect(b.connection.state).toBe('ready');
    a.release(); // a late release of the dead connection changes nothing
    expect(pool.stats()[A]?.connections).toEqual([{ state: 'ready', leases: 1, activeStreams: 0 }]);
    await pool.close();
  });

  it('never hands out a connection whose state is closing, even before its closed promise resolves', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 5 });
    const a = await pool.acquire(A);
    (t.connections[0] as FakeConnection).state = 'closing';
    const b = await pool.acquire(A);
    expect(b.connection).not.toBe(a.connection);
    expect(t.dialCount).toBe(2);
    a.release();
    await pool.close();
  });

  it('serves a waiter with a replacement when a full connection breaks', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 1 });
    const a = await pool.acquire(A);
    const waiting = pool.acquire(A);
    expect(await settledState(waiting)).toBe('pending');
    t.connections[0]?.die();
    const b = await waiting;
    expect(b.connection).toBe(t.connections[1]);
    a.release();
    await pool.close();
  });

  it('rejects the acquire with UNAVAILABLE when the dial fails, and dials afresh on the next acquire', async () => {
    const t = new FakeTransport();
    t.failWith = new Error('connect ECONNREFUSED 10.0.0.1:50051');
    const pool = createPool(t);
    const err = await rejection(pool.acquire(A));
    expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect(pool.stats()).toEqual({});
    t.failWith = undefined;
    const lease = await pool.acquire(A);
    expect(lease.connection.state).toBe('ready');
    expect(t.dialCount).toBe(2);
    await pool.close();
  });

  it('turns a dial that throws synchronously into UNAVAILABLE', async () => {
    const t = new FakeTransport();
    t.dial = () => {
      throw new Error('bad address');
    };
    const pool = createPool(t);
    const err = await rejection(pool.acquire(A));
    expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    await pool.close();
  });

  it('rejects every waiter of a failed dial when nothing else could serve them', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t, { poolSize: 1 });
    const waits = [pool.acquire(A), pool.acquire(A), pool.acquire(A)].map(rejection);
    await flush();
    t.pending[0]?.fail();
    for (const err of await Promise.all(waits)) expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    expect(t.dialCount).toBe(1);
    await pool.close();
  });

  it('keeps other waiters waiting for a release when a dial fails beside a live connection', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t, { poolSize: 2, maxStreamsPerConnection: 1 });
    const first = pool.acquire(A);
    await flush();
    t.pending[0]?.succeed();
    const held = await first;
    const second = pool.acquire(A); // triggers the second dial
    const third = pool.acquire(A); // capacity used up: waits
    await flush();
    expect(t.dialCount).toBe(2);
    t.pending[1]?.fail();
    const err = await rejection(second);
    expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    // A dial slot is free again, so the remaining waiter is allowed its own attempt.
    await flush();
    expect(t.dialCount).toBe(3);
    held.release();
    const lease = await third;
    expect(lease.connection).toBe(held.connection);
    t.pending[2]?.succeed();
    await flush();
    expect(pool.stats()[A]?.connections).toHaveLength(2);
    await pool.close();
  });

  it('rejects a dial result that is already closed instead of handing it out', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t);
    const waiting = pool.acquire(A);
    await flush();
    t.pending[0]?.succeed().die();
    const err = await rejection(waiting);
    expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    await pool.close();
  });

  it('close rejects waiters, closes every connection and refuses later acquires', async () => {
    const t = new FakeTransport();
    const pool = createPool(t, { poolSize: 1, maxStreamsPerConnection: 1 });
    await pool.acquire(A);
    const waiting = rejection(pool.acquire(A));
    await flush();
    await pool.close();
    const err = await waiting;
    expect(isStatusError(err) && err.code).toBe(Code.UNAVAILABLE);
    expect(t.connections.every((c) => c.closeCalls === 1)).toBe(true);
    const after = await rejection(pool.acquire(A));
    expect(isStatusError(after) && after.code).toBe(Code.UNAVAILABLE);
    expect(pool.stats()).toEqual({});
  });

  it('never returns a connection when close races with a dial in flight', async () => {
    const t = new FakeTransport();
    t.manual = true;
    const pool = createPool(t);
    const waiting = pool.acquire(A).then(
      (lease: Lease) => lease.connection,
      (err: unknown) => err,
    );
    await flush();
    expect(t.pending[0]?.options?.signal?.aborted).toBe(false);
    const closing = pool.close();
    // The pool aborts dials it no longer wants; a transport may still finish one.
    expect(t.pending[0]?.options?.signal?.aborted).toBe(true);
    const late = t.pending[0]?.succeed();
    await closing;
    const got = await waiting;
    expect(isStatusError(got) && got.code).toBe(Code.UNAVAILABLE);
    expect(late?.closeCalls).toBe(1);
  });

  it('uses the documented defaults', async () => {
    const t = new FakeTransport();
    const pool = createPool(t);
    const leases = await Promise.all(
      Array.from({ length: poolDefaults.maxStreamsPerConnection + 1 }, () => pool.acquire(A)),
    );
    expect(pool.stats()[A]?.connections.map((c) => c.leases)).toEqual([poolDefaults.maxStreamsPerConnection, 1]);
    for (const l of leases) l.release();
    await pool.close();
  });

  it('refuses options that could never serve a call', () => {
    const t = new FakeTransport();
    expect(() => createPool(t, { poolSize: 0 })).toThrow(/poolSize/);
    expect(() => createPool(t, { maxStreamsPerConnection: 1.5 })).toThrow(/maxStreamsPerConnection/);
    expect(() => createPool(t, { ttlMs: -1 })).toThrow(/ttlMs/);
  });
});
