import type { Node, Registry, ServiceRecord, WatchEvent, Watcher } from '../registry/registry.js';
import { cloneServiceRecord } from '../registry/service-record.js';
import { WatcherStoppedError } from '../registry/queue-watcher.js';
import { EjectionList } from './ejection-list.js';
import type { Next, SelectOptions, Selector } from './selector.js';
import { ServiceNotFoundError } from './service-not-found-error.js';
import { type Picker, random, type Strategy } from './strategies.js';

/** SelectorOptions for createSelector. */
export interface SelectorOptions {
  readonly registry: Registry;
  /** How to choose among nodes; default `random`. */
  readonly strategy?: Strategy;
  /** How long a node that failed is skipped; default 10 000 ms. */
  readonly ejectMs?: number;
  /** Wait before watching again after the registry's watcher broke; default 1 000 ms. */
  readonly rewatchMs?: number;
}

/**
 * RegistrySelector caches each service's nodes, keeps the cache current
 * from the registry's watch events (a delete drops the service's entry, a
 * broken watcher drops them all) and skips nodes that just failed.
 */
export class RegistrySelector implements Selector {
  private readonly registry: Registry;
  private readonly strategy: Strategy;
  private readonly rewatchMs: number;
  private readonly ejections: EjectionList;
  private readonly cache = new Map<string, ServiceRecord[]>();
  // Bumped on every event of a service, so a lookup that raced an event is not cached.
  private readonly generations = new Map<string, number>();
  private readonly pickers = new Map<string, Picker>();
  private watcher: Watcher | undefined;
  private rewatchTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: SelectorOptions) {
    const ejectMs = options.ejectMs ?? 10_000;
    if (!Number.isFinite(ejectMs) || ejectMs < 0) {
      throw new RangeError(`selector option ejectMs must be a non-negative number, got ${ejectMs}`);
    }
    this.registry = options.registry;
    this.strategy = options.strategy ?? random;
    this.rewatchMs = options.rewatchMs ?? 1_000;
    this.ejections = new EjectionList(ejectMs);
  }

  async select(service: string, options: SelectOptions = {}): Promise<Next> {
    if (this.closed) throw new Error('selector is closed');
    this.ensureWatching();
    let records = this.cache.get(service);
    if (!records) {
      const generation = this.generations.get(service) ?? 0;
      records = await this.registry.getService(service);
      if (records.length > 0 && generation === (this.generations.get(service) ?? 0) && this.watcher) {
        this.cache.set(service, records);
      }
    }
    return this.nextOver(service, records, options);
  }

  selectNow(service: string, options: SelectOptions = {}): Next | undefined {
    if (this.closed) throw new Error('selector is closed');
    const records = this.cache.get(service);
    return records === undefined ? undefined : this.nextOver(service, records, options);
  }

  // nextOver is the Next over a service's records, or ServiceNotFoundError when none fits.
  private nextOver(service: string, records: ServiceRecord[], options: SelectOptions): Next {
    const nodes = candidates(records, options);
    if (nodes.length === 0) {
      const reason =
        records.length === 0
          ? 'no registered nodes'
          : `none of its ${records.reduce((n, r) => n + r.nodes.length, 0)} nodes match the version or filter`;
      throw new ServiceNotFoundError(service, reason);
    }
    let picker = this.pickers.get(service);
    if (!picker) this.pickers.set(service, (picker = this.strategy()));
    const pick = picker;
    return () => {
      const healthy = nodes.filter((n) => !this.ejections.isEjected(n.id));
      // Every node failed recently: trying one beats failing outright.
      return pick(healthy.length > 0 ? healthy : nodes);
    };
  }

  async pick(service: string, options?: SelectOptions): Promise<Node> {
    return (await this.select(service, options))();
  }

  mark(node: Node, err?: unknown): void {
    if (err === undefined) this.ejections.restore(node.id);
    else this.ejections.eject(node.id);
  }

  reset(service?: string): void {
    if (service === undefined) {
      this.cache.clear();
      this.ejections.clear();
      return;
    }
    const records = this.cache.get(service) ?? [];
    this.ejections.clear(records.flatMap((r) => r.nodes.map((n) => n.id)));
    this.cache.delete(service);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.rewatchTimer);
    this.watcher?.stop();
    this.watcher = undefined;
    this.cache.clear();
  }

  private ensureWatching(): void {
    if (this.watcher || this.rewatchTimer || this.closed) return;
    let watcher: Watcher;
    try {
      watcher = this.registry.watch();
    } catch {
      // The registry cannot watch now: serve uncached lookups and try later.
      this.scheduleRewatch();
      return;
    }
    this.watcher = watcher;
    void this.follow(watcher);
  }

  private async follow(watcher: Watcher): Promise<void> {
    for (;;) {
      let event: WatchEvent;
      try {
        event = await watcher.next();
      } catch (err) {
        // Events may have been lost: nothing cached can be trusted any more.
        this.cache.clear();
        if (this.watcher === watcher) this.watcher = undefined;
        if (!(err instanceof WatcherStoppedError)) this.scheduleRewatch();
        return;
      }
      this.apply(event);
    }
  }

  private scheduleRewatch(): void {
    if (this.closed || this.rewatchTimer) return;
    this.rewatchTimer = setTimeout(() => {
      this.rewatchTimer = undefined;
      this.ensureWatching();
    }, this.rewatchMs);
    this.rewatchTimer.unref();
  }

  private apply(event: WatchEvent): void {
    const name = event.service.name;
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    const records = this.cache.get(name);
    if (!records) return;
    if (event.type === 'delete') {
      this.cache.delete(name);
      return;
    }
    this.cache.set(name, merge(records, event.service));
  }
}

function merge(records: readonly ServiceRecord[], change: ServiceRecord): ServiceRecord[] {
  const current = records.find((r) => r.version === change.version);
  if (!current) return [...records, cloneServiceRecord(change)];
  const changed = new Set(change.nodes.map((n) => n.id));
  const nodes = [...current.nodes.filter((n) => !changed.has(n.id)), ...change.nodes];
  return records.map((r) => (r === current ? cloneServiceRecord(change, nodes) : r));
}

function candidates(records: readonly ServiceRecord[], options: SelectOptions): Node[] {
  const nodes: Node[] = [];
  for (const record of records) {
    if (options.version !== undefined && record.version !== options.version) continue;
    for (const node of record.nodes) {
      if (!options.filter || options.filter(node, record)) nodes.push(node);
    }
  }
  return nodes;
}

/** createSelector returns a selector over `registry`'s services. */
export function createSelector(options: SelectorOptions): RegistrySelector {
  return new RegistrySelector(options);
}
