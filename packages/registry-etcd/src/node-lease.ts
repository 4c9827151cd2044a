import { Backoff, type BackoffOptions, Sleeper } from './backoff.js';
import { b64, type EtcdGateway } from './etcd-gateway.js';
import type { Logger } from './logger.js';

/**
 * NodeLease keeps one node's key alive: a lease of `ttlSeconds`, the key put
 * under it, and keep-alives every third of the TTL. When etcd reports the
 * lease gone (expired during an outage, revoked, a wiped cluster) it puts the
 * key again under a new lease; while etcd is unreachable it keeps trying with
 * backoff and warns once per outage.
 */
export class NodeLease {
  private leaseId: string | undefined;
  private readonly sleeper = new Sleeper();
  private readonly backoff: Backoff;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private unreachable = false;
  /** revision is etcd's revision of this node's last put, or of its delete after stop(true). */
  revision = 0;

  constructor(
    private readonly gateway: EtcdGateway,
    readonly key: string,
    private value: string,
    readonly ttlSeconds: number,
    private readonly logger: Logger,
    backoff: BackoffOptions,
  ) {
    this.backoff = new Backoff(backoff);
  }

  /** start grants the lease and puts the key; it rejects, leaving nothing behind, when etcd cannot be reached. */
  async start(): Promise<void> {
    await this.grantAndPut();
    this.loop = this.keepAlive();
  }

  /** update puts a new value under the current lease, renewing it. */
  async update(value: string): Promise<void> {
    this.value = value;
    if (!this.leaseId) return this.grantAndPut();
    try {
      await this.put();
    } catch (err) {
      // The lease may have just expired: start over under a new one.
      if (!isLeaseGone(err)) throw err;
      await this.grantAndPut();
    }
  }

  /** stop ends the keep-alives; with `revoke` it deletes the key and revokes the lease too. */
  async stop(revoke: boolean): Promise<void> {
    this.stopped = true;
    this.sleeper.close();
    await this.loop;
    if (!revoke) return;
    const deleted = await this.gateway.call<{ header?: { revision?: string } }>('/kv/deleterange', { key: b64(this.key) });
    this.revision = Number(deleted.header?.revision ?? 0);
    if (this.leaseId) {
      await this.gateway.call('/lease/revoke', { ID: this.leaseId }).catch((err: unknown) => {
        if (!isLeaseGone(err)) throw err;
      });
    }
  }

  private async grantAndPut(): Promise<void> {
    const grant = await this.gateway.call<{ ID: string }>('/lease/grant', { TTL: String(this.ttlSeconds) });
    const previous = this.leaseId;
    this.leaseId = grant.ID;
    await this.put();
    if (previous && previous !== grant.ID) {
      await this.gateway.call('/lease/revoke', { ID: previous }).catch(() => {});
    }
  }

  private async put(): Promise<void> {
    const answer = await this.gateway.call<{ header?: { revision?: string } }>('/kv/put', {
      key: b64(this.key),
      value: b64(this.value),
      lease: this.leaseId,
    });
    this.revision = Number(answer.header?.revision ?? 0);
  }

  private async keepAlive(): Promise<void> {
    const periodMs = (this.ttlSeconds * 1000) / 3;
    let delay = periodMs;
    while (!this.stopped) {
      await this.sleeper.sleep(delay);
      if (this.stopped) return;
      try {
        const answer = await this.gateway.call<{ result?: { TTL?: string } }>('/lease/keepalive', { ID: this.leaseId });
        if (this.stopped) return;
        // etcd answers a keep-alive of an unknown lease with no TTL rather than an error.
        if (Number(answer.result?.TTL ?? 0) <= 0) {
          this.logger.warn(`etcd registry: lease of ${this.key} was lost; registering it again`);
          await this.grantAndPut();
        }
        if (this.unreachable) this.logger.warn(`etcd registry: ${this.key} is kept alive again`);
        this.unreachable = false;
        this.backoff.reset();
        delay = periodMs;
      } catch (err) {
        if (this.stopped) return;
        if (!this.unreachable) {
          this.unreachable = true;
          this.logger.warn(
            `etcd registry: cannot renew ${this.key} (${err instanceof Error ? err.message : String(err)}); retrying`,
          );
        }
        delay = Math.min(this.backoff.next(), periodMs);
      }
    }
  }
}

function isLeaseGone(err: unknown): boolean {
  return err instanceof Error && /lease not found/i.test(err.message);
}
