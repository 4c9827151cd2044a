import type { Lease } from 'etcd3';
import { Backoff, type BackoffOptions, Sleeper } from './backoff.js';
import type { EtcdConnection } from './etcd-connection.js';
import { isLeaseLost } from './etcd-error.js';
import type { Logger } from '@tsmicro/core';

/**
 * NodeLease keeps one node's key alive: an etcd3 lease of `ttlSeconds`
 * (etcd3 sends the keep-alives, every third of the TTL) with the key put
 * under it. When etcd3 reports the lease lost (expired during an outage,
 * revoked, a wiped cluster) it puts the key again under a new lease, retrying
 * with backoff while etcd is unreachable, and warns once per outage.
 */
export class NodeLease {
  private lease: Lease | undefined;
  private readonly sleeper = new Sleeper();
  private readonly backoff: Backoff;
  private stopped = false;
  // Grants and puts run one at a time: two racing grants could each revoke the lease the other just put the key under.
  private queue: Promise<unknown> = Promise.resolve();
  private recovering: Promise<void> | undefined;
  private unreachable = false;
  /** revision is etcd's revision of this node's last put, or of its delete after stop(true). */
  revision = 0;

  constructor(
    private readonly connection: EtcdConnection,
    readonly key: string,
    private value: string,
    readonly ttlSeconds: number,
    private readonly logger: Logger,
    backoff: BackoffOptions,
  ) {
    this.backoff = new Backoff(backoff);
  }

  /** start grants the lease and puts the key; it rejects, leaving nothing behind, when etcd cannot be reached. */
  start(): Promise<void> {
    return this.exclusive(() => this.grantAndPut());
  }

  /** update puts a new value under the current lease, renewing it. */
  update(value: string): Promise<void> {
    this.value = value;
    return this.exclusive(async () => {
      const lease = this.lease;
      if (lease) {
        try {
          this.revision = await this.put(lease);
          return;
        } catch (err) {
          if (!isLeaseLost(err)) throw err;
        }
      }
      // The lease just expired, or is being replaced: start over under a new one.
      await this.grantAndPut();
    });
  }

  /** stop ends the keep-alives; with `revoke` it deletes the key and revokes the lease too. */
  async stop(revoke: boolean): Promise<void> {
    this.stopped = true;
    this.sleeper.close();
    await this.recovering;
    await this.exclusive(async () => {
      const lease = this.lease;
      this.lease = undefined;
      try {
        if (!revoke) return;
        const deleted = await this.connection.run(() => this.connection.client.delete().key(this.key).exec());
        this.revision = Number(deleted.header.revision);
        if (lease) await this.connection.run(() => lease.revoke());
      } finally {
        // Ends etcd3's keep-alive stream and timers even when etcd did not answer.
        lease?.release();
      }
    });
  }

  private async grantAndPut(): Promise<void> {
    const lease = this.connection.client.lease(this.ttlSeconds);
    this.follow(lease);
    let revision: number;
    try {
      revision = await this.put(lease);
    } catch (err) {
      // Granted but not used, or never granted: either way nothing may stay behind.
      void lease.revoke().catch(() => {});
      throw err;
    }
    const previous = this.lease;
    this.lease = lease;
    this.revision = revision;
    // The key lives under the new lease now; the old one only holds nothing.
    if (previous && previous !== lease) void previous.revoke().catch(() => {});
  }

  private async put(lease: Lease): Promise<number> {
    const answer = await this.connection.run(() => lease.put(this.key).value(this.value).exec());
    return Number(answer.header.revision);
  }

  private follow(lease: Lease): void {
    lease.on('lost', (err) => {
      if (this.stopped || lease !== this.lease) return;
      this.lease = undefined;
      this.logger.warn({}, `lease of ${this.key} was lost (${err.message}); registering it again`);
      this.recover();
    });
    // etcd3 retries a failed keep-alive stream by itself; only say so once per outage.
    lease.on('keepaliveFailed', (err: unknown) => {
      if (this.stopped || lease !== this.lease || this.unreachable || isLeaseLost(err)) return;
      this.unreachable = true;
      this.logger.warn({}, `cannot renew ${this.key} (${describe(err)}); retrying`);
    });
    lease.on('keepaliveSucceeded', () => {
      if (this.stopped || lease !== this.lease || !this.unreachable) return;
      this.unreachable = false;
      this.logger.warn({}, `${this.key} is kept alive again`);
    });
  }

  private recover(): void {
    if (this.recovering) return;
    this.recovering = this.registerAgain().finally(() => (this.recovering = undefined));
  }

  private async registerAgain(): Promise<void> {
    while (!this.stopped && !this.lease) {
      try {
        await this.exclusive(async () => {
          if (!this.stopped && !this.lease) await this.grantAndPut();
        });
      } catch (err) {
        if (this.stopped) return;
        if (!this.unreachable) {
          this.unreachable = true;
          this.logger.warn({}, `cannot register ${this.key} again (${describe(err)}); retrying`);
        }
        await this.sleeper.sleep(this.backoff.next());
      }
    }
    this.backoff.reset();
    if (this.stopped || !this.unreachable) return;
    this.unreachable = false;
    this.logger.warn({}, `${this.key} is registered again`);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
