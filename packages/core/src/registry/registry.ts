/**
 * Node is one running instance of a service: where to reach it and how to
 * talk to it. `metadata.transport` and `metadata.codec` say which transport
 * and codec the node serves (e.g. `{ transport: 'grpc', codec: 'proto' }`).
 */
export interface Node {
  /** Unique across all services and versions, e.g. `greeter-5f1c…`. */
  readonly id: string;
  /** `host:port` the node listens on. */
  readonly address: string;
  readonly metadata: Record<string, string>;
}

/** EndpointRecord describes one method a service serves, as go-micro's registry.Endpoint. */
export interface EndpointRecord {
  /** go-micro style name, `Greeter.SayHello`. */
  readonly name: string;
  /** Full name of the request message type, when known. */
  readonly request?: string;
  /** Full name of the response message type, when known. */
  readonly response?: string;
  readonly metadata: Record<string, string>;
}

/**
 * ServiceRecord is one version of a service and the nodes that serve it.
 * Registries hand out copies: mutating a record never changes the registry.
 */
export interface ServiceRecord {
  readonly name: string;
  readonly version: string;
  readonly metadata: Record<string, string>;
  readonly endpoints: readonly EndpointRecord[];
  readonly nodes: readonly Node[];
}

/** RegisterOptions for Registry.register. */
export interface RegisterOptions {
  /**
   * ttlMs is how long the nodes stay registered without being renewed. The
   * memory registry needs register() to be called again within it; the etcd
   * registry renews through lease keep-alive for as long as it is open.
   * Omitted: the registry's default (the memory registry: never expire).
   */
  readonly ttlMs?: number;
}

/** WatchOptions for Registry.watch. */
export interface WatchOptions {
  /** Only report events of this service. */
  readonly service?: string;
}

/** WatchEventType says what happened to the nodes in a WatchEvent. */
export type WatchEventType = 'create' | 'update' | 'delete';

/**
 * WatchEvent reports a change: `service` holds the affected version and only
 * the nodes that were created, updated or deleted.
 */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly service: ServiceRecord;
}

/**
 * Watcher is a stream of registry changes. `next()` resolves the next event
 * and rejects with a RegistryError when the stream broke (the consumer should
 * then re-read everything); iteration ends cleanly after stop() or close().
 */
export interface Watcher extends AsyncIterable<WatchEvent> {
  next(): Promise<WatchEvent>;
  /** stop ends the stream; pending and later next() calls end iteration. */
  stop(): void;
  readonly stopped: boolean;
}

/**
 * Registry is where services announce their nodes and clients find them,
 * as go-micro's registry.Registry.
 */
export interface Registry {
  /** Name of the implementation: "memory", "etcd". */
  readonly name: string;
  /** register adds or renews the nodes of `service`. */
  register(service: ServiceRecord, options?: RegisterOptions): Promise<void>;
  /** deregister removes the nodes of `service` (other nodes of it stay). */
  deregister(service: ServiceRecord): Promise<void>;
  /** getService returns one record per version that has live nodes; [] when none. */
  getService(name: string): Promise<ServiceRecord[]>;
  /** listServices returns every version of every service with live nodes. */
  listServices(): Promise<ServiceRecord[]>;
  /** watch streams changes from now on. */
  watch(options?: WatchOptions): Watcher;
  /** close stops timers, watchers and connections; registrations are not removed. */
  close(): Promise<void>;
}
