import type { ServiceRecord } from '@tsmicro/core';
import { cloneServiceRecord, RegistryError, type WatchEvent } from '@tsmicro/core/plugin';
import type { IWatchResponse } from 'etcd3';
import { Backoff, type BackoffOptions, Sleeper } from './backoff.js';
import type { EtcdConnection } from './etcd-connection.js';
import { isCompacted } from './etcd-error.js';
import type { Logger } from './logger.js';
import { PrefixWatch, WatchCanceledError } from './prefix-watch.js';

type Entry = { raw: string; record: ServiceRecord; revision: number };

/** HistoryLostError ends a watch whose revisions etcd no longer has, so only a full read can catch up. */
class HistoryLostError extends Error {
  override readonly name = 'HistoryLostError';
}

/**
 * ServiceCache mirrors every record under the registry prefix: one full read,
 * then a watch from the next revision. A broken watch resumes where it
 * stopped; a compacted (or rewound) history forces a full re-read, diffed
 * against the cache so watchers still see each change. While etcd is down,
 * reads are answered from the cache.
 */
export class ServiceCache {
  private readonly entries = new Map<string, Entry>();
  // Keys this registry deleted itself, with the revision, so an older put still in the watch stream is not resurrected.
  private readonly tombstones = new Map<string, number>();
  private readonly backoff: Backoff;
  private readonly sleeper = new Sleeper();
  private revision = 0;
  private primed = false;
  // Set after the first full read: later ones report what changed as events.
  private filled = false;
  private priming: Promise<void> | undefined;
  private watch: PrefixWatch | undefined;
  private running = false;
  private closed = false;
  private downSince: number | undefined;
  private lastStaleWarning = 0;

  constructor(
    private readonly connection: EtcdConnection,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly emit: (event: WatchEvent) => void,
    backoff: BackoffOptions,
  ) {
    this.backoff = new Backoff(backoff);
  }

  /** ready resolves once the cache holds a full read; rejects naming etcd's address when it cannot. */
  async ready(): Promise<void> {
    this.start();
    if (this.primed) return;
    try {
      await this.prime();
    } catch (err) {
      throw new RegistryError(`etcd registry: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** records returns the cached records of one service, or all, one per version. */
  records(service?: string): ServiceRecord[] {
    if (this.downSince !== undefined && Date.now() - this.lastStaleWarning > 10_000) {
      this.lastStaleWarning = Date.now();
      this.logger.warn(
        `etcd registry: etcd at ${this.connection.addresses} unreachable; answering from the cache, which may be stale`,
      );
    }
    const versions = new Map<string, ServiceRecord>();
    for (const { record } of this.entries.values()) {
      if (service !== undefined && record.name !== service) continue;
      const key = `${record.name}\u0000${record.version}`;
      const seen = versions.get(key);
      versions.set(key, cloneServiceRecord(record, [...(seen?.nodes ?? []), ...record.nodes]));
    }
    return [...versions.values()];
  }

  /**
   * applyLocal records this registry's own write (`raw` undefined: a delete)
   * made at `revision` at once, so a lookup right after register() sees it;
   * the same change arriving later through the watch is then ignored.
   */
  applyLocal(key: string, raw: string | undefined, revision: number): void {
    if (!this.primed) return;
    this.apply(key, raw, revision);
  }

  /** close stops watching and lets go of etcd3's watcher; the cache keeps its content. */
  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.close();
    await this.watch?.close(this.connection.timeoutMs);
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        if (!this.primed) await this.prime();
        if (this.closed) return;
        this.watch = new PrefixWatch(this.connection.client, this.prefix, this.revision + 1, this.connection.timeoutMs, {
          created: (response) => this.onCreated(response),
          changed: (response) => this.onChanged(response),
        });
        await this.watch.ended;
      } catch (err) {
        if (this.closed) return;
        if (err instanceof HistoryLostError) {
          this.logger.warn(`etcd registry: ${err.message}; re-reading every record`);
          this.primed = false;
          continue;
        }
        if (err instanceof WatchCanceledError) {
          // A cancelled watch cannot resume from where it stood, whatever the reason.
          this.primed = false;
          if (await this.compacted()) {
            this.logger.warn(
              `etcd registry: etcd compacted the revisions the watch needed (from ${this.revision + 1}); re-reading every record`,
            );
            continue;
          }
          this.logger.warn(`etcd registry: etcd cancelled the watch (${err.message}); re-reading every record`);
        } else {
          this.markDown(err);
        }
        await this.sleeper.sleep(this.backoff.next());
      }
    }
  }

  /**
   * compacted asks etcd whether the cache's revision is gone: etcd3 reports a
   * cancelled watch without the compact revision etcd sent with it.
   */
  private async compacted(): Promise<boolean> {
    try {
      await this.connection.client.getAll().prefix(this.prefix).revision(this.revision).count();
      return false;
    } catch (err) {
      return isCompacted(err);
    }
  }

  /** prime reads everything; after the first time it reports the differences as events. */
  private prime(): Promise<void> {
    this.priming ??= (async () => {
      try {
        const answer = await this.connection.run(() => this.connection.client.getAll().prefix(this.prefix).exec());
        const fresh = new Map<string, Entry>();
        for (const kv of answer.kvs) {
          const key = kv.key.toString('utf8');
          const entry = this.parse(key, kv.value.toString('utf8'), Number(kv.mod_revision));
          if (entry) fresh.set(key, entry);
        }
        this.tombstones.clear();
        this.replace(fresh, this.filled);
        this.revision = Number(answer.header.revision);
        this.primed = true;
        this.filled = true;
      } finally {
        this.priming = undefined;
      }
    })();
    return this.priming;
  }

  private replace(fresh: Map<string, Entry>, report: boolean): void {
    const events: WatchEvent[] = [];
    for (const [key, old] of this.entries) {
      if (!fresh.has(key)) events.push({ type: 'delete', service: old.record });
    }
    for (const [key, entry] of fresh) {
      const old = this.entries.get(key);
      if (!old) events.push({ type: 'create', service: entry.record });
      else if (old.raw !== entry.raw) events.push({ type: 'update', service: entry.record });
    }
    this.entries.clear();
    for (const [key, entry] of fresh) this.entries.set(key, entry);
    if (report) for (const event of events) this.emit(event);
  }

  private onCreated(response: IWatchResponse): void {
    const current = Number(response.header.revision);
    // A store behind our revision was rebuilt from scratch: our history is void.
    if (current < this.revision) {
      throw new HistoryLostError(`etcd is at revision ${current}, behind the ${this.revision} already seen: its data was rebuilt`);
    }
    this.markUp();
  }

  private onChanged(response: IWatchResponse): void {
    for (const event of response.events) {
      const revision = Number(event.kv.mod_revision);
      this.revision = Math.max(this.revision, revision);
      // etcd3 types the event as 'Put' | 'Delete' but hands over the proto's own 'PUT' / 'DELETE'.
      const raw = String(event.type).toUpperCase() === 'DELETE' ? undefined : event.kv.value.toString('utf8');
      this.apply(event.kv.key.toString('utf8'), raw, revision);
    }
    // The watch delivers in revision order: nothing older than where it stands can still arrive.
    for (const [key, deletedAt] of this.tombstones) if (deletedAt <= this.revision) this.tombstones.delete(key);
  }

  private apply(key: string, raw: string | undefined, revision: number): void {
    const old = this.entries.get(key);
    // A change older than what the cache holds was already superseded.
    if (old && old.revision > revision) return;
    if (raw === undefined) {
      this.tombstones.set(key, Math.max(revision, this.tombstones.get(key) ?? 0));
      this.entries.delete(key);
      if (old) this.emit({ type: 'delete', service: old.record });
      return;
    }
    const deletedAt = this.tombstones.get(key);
    if (deletedAt !== undefined) {
      if (deletedAt > revision) return;
      this.tombstones.delete(key);
    }
    const entry = this.parse(key, raw, revision);
    if (!entry) return;
    this.entries.set(key, entry);
    if (old?.raw !== entry.raw) this.emit({ type: old ? 'update' : 'create', service: entry.record });
  }

  private parse(key: string, raw: string, revision: number): Entry | undefined {
    try {
      const record = JSON.parse(raw) as ServiceRecord;
      if (typeof record?.name !== 'string' || !Array.isArray(record.nodes)) throw new Error('not a service record');
      return { raw, record: cloneServiceRecord(record), revision };
    } catch (err) {
      this.logger.warn(`etcd registry: ignoring key ${key}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private markDown(err: unknown): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    // The first lookup of this outage warns again: it is the one serving stale data.
    this.lastStaleWarning = 0;
    const why = err instanceof Error ? err.message : String(err);
    // Before the first full read there is no cache to fall back on: say only that etcd is not there.
    this.logger.warn(
      this.filled
        ? `etcd registry: lost the watch on etcd at ${this.connection.addresses} (${why}); answering from the cache and retrying`
        : `etcd registry: cannot reach etcd at ${this.connection.addresses} (${why}); retrying`,
    );
  }

  private markUp(): void {
    this.backoff.reset();
    if (this.downSince === undefined) return;
    this.downSince = undefined;
    this.logger.warn(`etcd registry: watching etcd at ${this.connection.addresses} again`);
  }
}
