import { QueueWatcher } from './queue-watcher.js';
import type {
  Node,
  RegisterOptions,
  Registry,
  ServiceRecord,
  WatchEvent,
  WatchOptions,
  Watcher,
} from './registry.js';
import { RegistryError } from './registry-error.js';
import { cloneNode, cloneServiceRecord, validateServiceRecord } from './service-record.js';

type Entry = { node: Node; timer: NodeJS.Timeout | undefined };
type Version = { record: ServiceRecord; nodes: Map<string, Entry> };

/**
 * MemoryRegistry keeps services in this process: the embedded default for
 * tests, demos and services that call each other in one process. A node
 * registered with a TTL disappears unless register() renews it in time.
 */
export class MemoryRegistry implements Registry {
  readonly name = 'memory';
  // service name → version → nodes
  private readonly services = new Map<string, Map<string, Version>>();
  private readonly watchers = new Set<{ watcher: QueueWatcher; service: string | undefined }>();
  private closed = false;

  /** isClosed reports whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.assertOpen();
    validateServiceRecord(service);
    const ttlMs = options.ttlMs ?? 0;
    if (!Number.isFinite(ttlMs) || ttlMs < 0) {
      throw new RegistryError(`ttlMs for service "${service.name}" must be a non-negative number, got ${ttlMs}`);
    }
    let versions = this.services.get(service.name);
    if (!versions) this.services.set(service.name, (versions = new Map()));
    const key = service.version ?? '';
    let version = versions.get(key);
    // Metadata and endpoints follow the latest registration of the version.
    const record = cloneServiceRecord(service, []);
    if (version) version.record = record;
    else versions.set(key, (version = { record, nodes: new Map() }));

    let created = false;
    for (const node of service.nodes) {
      const previous = version.nodes.get(node.id);
      if (previous?.timer) clearTimeout(previous.timer);
      created ||= previous === undefined;
      const entry: Entry = { node: cloneNode(node), timer: undefined };
      if (ttlMs > 0) {
        entry.timer = setTimeout(() => this.expire(service.name, key, node.id, entry), ttlMs);
        // An expiry timer must not keep a finished process alive.
        entry.timer.unref();
      }
      version.nodes.set(node.id, entry);
    }
    this.emit({ type: created ? 'create' : 'update', service: cloneServiceRecord(record, service.nodes) });
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.assertOpen();
    validateServiceRecord(service);
    const version = this.services.get(service.name)?.get(service.version ?? '');
    if (!version) return;
    const removed: Node[] = [];
    for (const node of service.nodes) {
      const entry = version.nodes.get(node.id);
      if (!entry) continue;
      removed.push(this.remove(service.name, service.version ?? '', node.id, entry));
    }
    if (removed.length > 0) this.emit({ type: 'delete', service: cloneServiceRecord(version.record, removed) });
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    this.assertOpen();
    return live([...(this.services.get(name)?.values() ?? [])]);
  }

  async listServices(): Promise<ServiceRecord[]> {
    this.assertOpen();
    return live([...this.services.values()].flatMap((versions) => [...versions.values()]));
  }

  watch(options: WatchOptions = {}): Watcher {
    this.assertOpen();
    const subscription = {
      service: options.service,
      watcher: new QueueWatcher(() => this.watchers.delete(subscription)),
    };
    this.watchers.add(subscription);
    return subscription.watcher;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const versions of this.services.values()) {
      for (const version of versions.values()) {
        for (const entry of version.nodes.values()) if (entry.timer) clearTimeout(entry.timer);
      }
    }
    this.services.clear();
    for (const { watcher } of [...this.watchers]) watcher.stop();
  }

  private expire(name: string, versionKey: string, nodeId: string, entry: Entry): void {
    const version = this.services.get(name)?.get(versionKey);
    // A renewal replaced the entry: this timer is stale.
    if (!version || version.nodes.get(nodeId) !== entry) return;
    const node = this.remove(name, versionKey, nodeId, entry);
    this.emit({ type: 'delete', service: cloneServiceRecord(version.record, [node]) });
  }

  private remove(name: string, versionKey: string, nodeId: string, entry: Entry): Node {
    if (entry.timer) clearTimeout(entry.timer);
    const versions = this.services.get(name);
    const version = versions?.get(versionKey);
    version?.nodes.delete(nodeId);
    if (version && version.nodes.size === 0) versions?.delete(versionKey);
    if (versions && versions.size === 0) this.services.delete(name);
    return entry.node;
  }

  private emit(event: WatchEvent): void {
    for (const { watcher, service } of this.watchers) {
      if (service === undefined || service === event.service.name) watcher.push(cloneWatchEvent(event));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new RegistryError('memory registry is closed');
  }
}

function live(versions: Version[]): ServiceRecord[] {
  return versions.filter((v) => v.nodes.size > 0).map(snapshot);
}

function snapshot(version: Version): ServiceRecord {
  return cloneServiceRecord(
    version.record,
    [...version.nodes.values()].map((e) => e.node),
  );
}

function cloneWatchEvent(event: WatchEvent): WatchEvent {
  return { type: event.type, service: cloneServiceRecord(event.service) };
}

/** createMemoryRegistry returns a new, empty in-process registry. */
export function createMemoryRegistry(): MemoryRegistry {
  return new MemoryRegistry();
}

let shared: MemoryRegistry | undefined;

/**
 * defaultMemoryRegistry returns the process-wide registry that services and
 * clients use when none is configured, so they find each other in one process.
 */
export function defaultMemoryRegistry(): MemoryRegistry {
  if (!shared || shared.isClosed) shared = new MemoryRegistry();
  return shared;
}
