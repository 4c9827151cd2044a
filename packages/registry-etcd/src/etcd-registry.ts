import type { Registry, ServiceRecord } from '@tsmicro/core';
import {
  cloneServiceRecord,
  QueueWatcher,
  type RegisterOptions,
  RegistryError,
  type WatchEvent,
  type WatchOptions,
  type Watcher,
  validateServiceRecord,
} from '@tsmicro/core/plugin';
import type { BackoffOptions } from './backoff.js';
import { etcdEndpoints } from './etcd-address.js';
import { EtcdConnection } from './etcd-connection.js';
import { consoleLogger, type Logger } from './logger.js';
import { NodeLease } from './node-lease.js';
import { ServiceCache } from './service-cache.js';

/** EtcdRegistryOptions for createEtcdRegistry. */
export interface EtcdRegistryOptions {
  /** etcd client URL(s): "host:port", "http://host:port", a list or a comma-separated string; default "127.0.0.1:2379". */
  readonly address?: string | readonly string[];
  /** Same as `address`, for those who prefer the plural. */
  readonly addresses?: readonly string[];
  /** Key prefix; default "/tsmicro/registry/". Keys are `<prefix><service>/<nodeId>`. */
  readonly prefix?: string;
  /** Lease TTL when register() gives none; default 15 000 ms. etcd counts whole seconds. */
  readonly ttlMs?: number;
  /** How long one request to etcd may take; default 5 000 ms. */
  readonly dialTimeoutMs?: number;
  /** Waits between retries against an unreachable etcd; default 200 ms doubling to 5 000 ms. */
  readonly retry?: Partial<BackoffOptions>;
  /** Where warnings go; default console.warn. */
  readonly logger?: Logger;
}

/**
 * EtcdRegistry registers nodes in etcd under leases kept alive for as long as
 * it is open, and answers lookups from a watch-driven cache of the prefix.
 */
export class EtcdRegistry implements Registry {
  readonly name = 'etcd';
  readonly prefix: string;
  private readonly connection: EtcdConnection;
  private readonly cache: ServiceCache;
  private readonly leases = new Map<string, NodeLease>();
  private readonly watchers = new Set<{ watcher: QueueWatcher; service: string | undefined }>();
  private readonly ttlMs: number;
  private readonly retry: BackoffOptions;
  private readonly logger: Logger;
  private closed = false;

  constructor(options: EtcdRegistryOptions = {}) {
    const endpoints = etcdEndpoints(options.addresses ?? options.address ?? '127.0.0.1:2379');
    this.prefix = normalizePrefix(options.prefix ?? '/tsmicro/registry/');
    this.ttlMs = positive('ttlMs', options.ttlMs ?? 15_000);
    this.retry = {
      minMs: positive('retry.minMs', options.retry?.minMs ?? 200),
      maxMs: positive('retry.maxMs', options.retry?.maxMs ?? 5_000),
    };
    this.logger = options.logger ?? consoleLogger;
    this.connection = new EtcdConnection(endpoints, positive('dialTimeoutMs', options.dialTimeoutMs ?? 5_000), this.retry);
    this.cache = new ServiceCache(this.connection, this.prefix, this.logger, (e) => this.emit(e), this.retry);
  }

  /** ready resolves once etcd answered and the cache is filled; rejects with a RegistryError naming the address. */
  async ready(): Promise<void> {
    this.assertOpen();
    await this.cache.ready();
  }

  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.assertOpen();
    validateServiceRecord(service);
    const ttlMs = positive(`ttlMs of service "${service.name}"`, options.ttlMs ?? this.ttlMs);
    // etcd leases count whole seconds; round up so a node never expires early.
    const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    for (const node of service.nodes) {
      const key = `${this.prefix}${service.name}/${node.id}`;
      const value = JSON.stringify(cloneServiceRecord(service, [node]));
      const current = this.leases.get(key);
      try {
        if (current && current.ttlSeconds === ttlSeconds) {
          await current.update(value);
          this.cache.applyLocal(key, value, current.revision);
          continue;
        }
        const lease = new NodeLease(this.connection, key, value, ttlSeconds, this.logger, this.retry);
        await lease.start();
        this.leases.set(key, lease);
        this.cache.applyLocal(key, value, lease.revision);
        if (current) await current.stop(false);
      } catch (err) {
        throw this.failure(`cannot register node "${node.id}" of service "${service.name}"`, err);
      }
    }
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.assertOpen();
    validateServiceRecord(service);
    for (const node of service.nodes) {
      const key = `${this.prefix}${service.name}/${node.id}`;
      const lease = this.leases.get(key);
      this.leases.delete(key);
      try {
        let revision: number;
        if (lease) {
          await lease.stop(true);
          revision = lease.revision;
        } else {
          const answer = await this.connection.run(() => this.connection.client.delete().key(key).exec());
          revision = Number(answer.header.revision);
        }
        this.cache.applyLocal(key, undefined, revision);
      } catch (err) {
        throw this.failure(`cannot deregister node "${node.id}" of service "${service.name}"`, err);
      }
    }
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    await this.ready();
    return this.cache.records(name);
  }

  async listServices(): Promise<ServiceRecord[]> {
    await this.ready();
    return this.cache.records();
  }

  watch(options: WatchOptions = {}): Watcher {
    this.assertOpen();
    const subscription = {
      service: options.service,
      watcher: new QueueWatcher(() => this.watchers.delete(subscription)),
    };
    this.watchers.add(subscription);
    // Watch events come from the cache's etcd watch: make sure it runs.
    this.cache.ready().catch(() => {});
    return subscription.watcher;
  }

  /**
   * close stops keep-alives and watches without deleting keys (the nodes
   * expire with their leases), then closes etcd3's channels, leaving no
   * timer or socket behind.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.cache.close(), ...[...this.leases.values()].map((lease) => lease.stop(false))]);
    this.leases.clear();
    for (const { watcher } of [...this.watchers]) watcher.stop();
    this.connection.close();
  }

  private emit(event: WatchEvent): void {
    for (const { watcher, service } of this.watchers) {
      if (service === undefined || service === event.service.name) {
        watcher.push({ type: event.type, service: cloneServiceRecord(event.service) });
      }
    }
  }

  private failure(what: string, err: unknown): RegistryError {
    if (err instanceof RegistryError) return err;
    return new RegistryError(`etcd registry: ${what}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new RegistryError('etcd registry is closed');
  }
}

function normalizePrefix(prefix: string): string {
  if (!prefix.startsWith('/')) throw new RegistryError(`etcd registry prefix "${prefix}" must start with "/"`);
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function positive(key: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RegistryError(`etcd registry option ${key} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}

/** createEtcdRegistry returns a registry on etcd; call ready() to fail fast on a bad address. */
export function createEtcdRegistry(options: EtcdRegistryOptions = {}): EtcdRegistry {
  return new EtcdRegistry(options);
}
