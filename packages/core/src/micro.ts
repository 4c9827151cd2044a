import { randomUUID } from 'node:crypto';
import { createPool, type Pool, type PoolStats, type Transport } from '@tsmicro/transport';
import { createClient } from './client.js';
import type { Client } from './client-types.js';
import { type LoadConfigOptions, loadConfig, type MicroOptionsInput, type ResolvedConfig } from './config/index.js';
import type { HandlerContainer } from './container.js';
import { advertisedAddress } from './advertised-address.js';
import { createConsoleLogger } from './logger/console-logger.js';
import { currentLogger } from './logger/current-logger.js';
import type { Logger } from './logger/logger.js';
import { deferredInterceptor, type LoadedObservability, loadObservability, observabilityKeys } from './observability-loader.js';
import { keepaliveFor, transportNames } from './config/index.js';
import { defaultMemoryRegistry } from './registry/memory-registry.js';
import type { Node, Registry, ServiceRecord } from './registry/registry.js';
import { RegistryError } from './registry/registry-error.js';
import { type LoadedRegistry, loadRegistry } from './registry-loader.js';
import type { InterceptorLike } from './interceptor/interceptor.js';
import type { HandleOptions } from './router.js';
import { createSelector, type RegistrySelector } from './selector/registry-selector.js';
import type { Next, SelectOptions, Selector } from './selector/selector.js';
import { type Strategy, type StrategyName, strategies } from './selector/strategies.js';
import { createServer, type ListenOn, type Server } from './server.js';
import { localNodes } from './local-nodes.js';
import { healthService } from './health/health-service.js';
import { reflectionService } from './reflection/reflection-service.js';
import { type TransportName, transportByName } from './transports.js';
import type { Broker, SubscriptionStats } from './broker/broker.js';
import { BrokerError } from './broker/broker-error.js';
import { type LoadedBroker, loadBroker } from './broker-loader.js';
import type { Codec } from './codec/codec.js';
import { codecByName } from './codec/codecs.js';
import { defaultContainer, resolveInstance } from './container.js';
import type { MessageType } from './definition.js';
import { readInterceptors, readService, readSubscriptions } from './handler-metadata.js';
import type { Interceptor } from './interceptor/interceptor.js';
import { resolveInterceptors } from './interceptor/resolve-interceptors.js';
import { brokerPublish, Publisher, type PublisherOptions } from './events/publisher.js';
import { bindSubscriber, checkInjectable } from './events/subscriber.js';
import { SubscriberSet } from './events/subscriber-set.js';

/** ServiceOptions are the code-level options of newService; env, config file and defaults fill the rest. */
export type ServiceOptions = MicroOptionsInput & {
  /** A registry object to use instead of the configured kind (e.g. an etcd registry). */
  readonly registryInstance?: Registry;
  /** A broker object to use instead of the configured kind. */
  readonly brokerInstance?: Broker;
  /** typedi container handler classes are built from. */
  readonly container?: HandlerContainer;
  /** How the client chooses among a service's nodes. */
  readonly selector?: ServiceSelectorOptions;
  /**
   * How long stop() goes on serving between deregistering and draining, so
   * clients' registry watches drop this node before it refuses calls.
   * Default 0 with a memory registry (its watchers hear at once), 1 000 ms otherwise.
   */
  readonly drainDelayMs?: number;
  /**
   * Where the service logs (any pino logger fits). Default: from log.kind,
   * core's console logger at log.level, or pino for "pino".
   */
  readonly logger?: Logger;
  /**
   * Server interceptors around every call this service serves, outermost
   * first (health and reflection excepted); classes are built through `container`.
   */
  readonly interceptors?: readonly InterceptorLike[];
  /** Client interceptors of service.client(), per attempt, outermost first. */
  readonly clientInterceptors?: readonly InterceptorLike[];
};

/** ServiceSelectorOptions tune the selector behind Service.client(). */
export interface ServiceSelectorOptions {
  /** "random" (default), "roundRobin", or a Strategy of your own. */
  readonly strategy?: StrategyName | Strategy;
  /** How long a node that failed with UNAVAILABLE is skipped; default 10 000 ms. */
  readonly ejectMs?: number;
}

/** RunOptions tune Service.run. */
export interface RunOptions {
  /**
   * Called once the service accepts calls, with the first transport's bound
   * address and every configured transport's (name → bound address, in order).
   */
  readonly onListening?: (address: string, addresses: ReadonlyMap<string, string>) => void;
  /** Signals that stop the service (SIGINT and SIGTERM). */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Service is go-micro's micro.Service: a server, a client and a registry
 * wired from one configuration.
 */
export interface Service {
  readonly name: string;
  readonly config: ResolvedConfig;
  readonly server: Server;
  /**
   * registry is the registry in use. An etcd registry configured by name is
   * loaded by start() (or the client's first call by name); reading it
   * before then throws.
   */
  readonly registry: Registry;
  /** Name of the first transport served ("grpc", "tcp", "memory"). */
  readonly transportName: string;
  /**
   * broker is the event broker in use. A NATS broker configured by name is
   * connected by start() (or the first publish); reading it before then throws.
   */
  readonly broker: Broker;
  /** Bound address of each configured transport, by name, in configured order; empty until started. */
  readonly addresses: ReadonlyMap<string, string>;
  /**
   * handle registers a handler class (built through typedi) or a handler
   * instance: its RPC methods with the server, its @Subscribe methods with
   * the broker (subscribed at start).
   */
  handle(handler: object, options?: HandleOptions): this;
  /** publisher sends messages of `type` to `topic` through the service's broker and codec. */
  publisher<T>(topic: string, type: MessageType<T>, options?: PublisherOptions): Publisher<T>;
  /** subscriberStats counts, per @Subscribe handler ("Billing.onOrder"), what it handled, failed and dropped. */
  subscriberStats(): Record<string, SubscriptionStats>;
  /** client returns the service's client: calls by service name through the registry. */
  client(): Client;
  /** start connects the broker and subscribes, listens on every transport and registers; it resolves with the first transport's bound address. */
  start(): Promise<string>;
  /** stop deregisters first, so no new call is routed here, then drains subscriptions and in-flight calls. */
  stop(): Promise<void>;
  /** run starts, serves until SIGINT or SIGTERM, then stops. */
  run(options?: RunOptions): Promise<void>;
  /** poolStats reports the client's pooled connections. */
  poolStats(): PoolStats;
  /** metricsAddress is where /metrics is served ("host:port") once started with metrics.address set. */
  readonly metricsAddress: string | undefined;
}

/** newService builds a service from code options, environment, config file and defaults. */
export function newService(options: ServiceOptions = {}, configOptions: LoadConfigOptions = {}): Service {
  const {
    registryInstance,
    brokerInstance,
    container,
    selector: selectorOptions = {},
    drainDelayMs,
    interceptors,
    clientInterceptors,
    logger: givenLogger,
    ...configInput
  } = options;
  const config = loadConfig(configInput, configOptions);
  const [transport, ...more] = config.transport.map(transportByName) as [Transport, ...Transport[]];
  const nodeId = `${config.name}-${randomUUID()}`;
  // Every line of this service names it, so lines of several services in one stream stay apart.
  const bind = (base: Logger) => base.child({ service: config.name, version: config.version, node: nodeId });
  let logger = bind(givenLogger ?? createConsoleLogger({ level: config.log.level }));
  // pino, the access log, metrics and tracing come from their own package, imported only when configured.
  // The import starts now; start() waits for it (a missing package stops start-up) and so do early client calls.
  const observability: Promise<LoadedObservability> | undefined =
    observabilityKeys(config).length > 0 ? loadObservability(config) : undefined;
  const observed = observability?.then((o) => {
    if (o.logger && !givenLogger) logger = bind(o.logger);
    return o.interceptors(logger);
  });
  observed?.catch(() => {});
  // Server, client, broker and events keep this one logger, so their lines follow the swap to pino.
  const serviceLogger = currentLogger(() => logger);
  const outermost = observed && deferredInterceptor(observed);
  let metricsAddress: string | undefined;
  const strategy = pickStrategy(selectorOptions.strategy);
  if (drainDelayMs !== undefined && !(drainDelayMs >= 0)) {
    throw new RangeError(`service option drainDelayMs must be 0 or more milliseconds, got ${drainDelayMs}`);
  }
  const server = createServer({
    transport,
    address: listenAddress(config, transport.name, config.server.address),
    also: alsoListen(config, more, nodeId),
    maxMessageSize: config.server.maxMessageSize,
    maxConcurrentStreams: config.server.maxConcurrentStreams,
    graceMs: config.server.graceMs,
    keepalive: (name) => keepaliveFor(config.keepalive, name),
    tls: config.tls,
    container,
    logger: serviceLogger,
    interceptors: outermost ? [outermost, ...(interceptors ?? [])] : interceptors,
  });
  // Stock gRPC tooling expects health and reflection on a gRPC server; other transports have no such tools.
  // Every listener serves the one router, so they answer on each, the grpc address included.
  const onGrpc = config.transport.includes('grpc');
  const health = onGrpc && config.server.health ? healthService(server) : undefined;
  const tooling = new Set<string>();
  if (health) {
    server.handle(health.handler, { definition: health.definition, serviceInterceptors: false });
    tooling.add(health.definition.typeName);
  }
  if (onGrpc && config.server.reflection) {
    for (const r of reflectionService(server)) {
      server.handle(r.handler, { definition: r.definition, serviceInterceptors: false });
      tooling.add(r.definition.typeName);
    }
  }

  // The in-process registry and a given one are there at once; etcd waits for registryLoaded().
  let loaded: LoadedRegistry | undefined =
    registryInstance !== undefined
      ? { registry: registryInstance, owned: false }
      : config.registry.kind === 'memory'
        ? { registry: defaultMemoryRegistry(), owned: false }
        : undefined;
  let loading: Promise<LoadedRegistry> | undefined;
  let record: ServiceRecord | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  const pools = new Map<string, Pool>();
  let client: Client | undefined;
  let brokerLoad: LoadedBroker | undefined =
    brokerInstance !== undefined ? { broker: brokerInstance, owned: false } : undefined;
  let brokerLoading: Promise<LoadedBroker> | undefined;
  const subscribers = new SubscriberSet(serviceLogger);
  // Subscribers run inside the service's server interceptors, publishers inside its client ones; resolved once.
  let resolvedServer: Interceptor[] | undefined;
  let resolvedClient: Interceptor[] | undefined;
  const serviceInterceptors = () => (resolvedServer ??= resolveInterceptors(interceptors, container ?? defaultContainer, 'newService interceptors'));
  const publishInterceptors = () =>
    (resolvedClient ??= resolveInterceptors(clientInterceptors, container ?? defaultContainer, 'newService clientInterceptors'));
  // The schema admits only codecs codecByName knows.
  const codec = codecByName(config.codec) as Codec;

  // Loaded once, on first need (start or the first publish): NATS is imported and dialed only then.
  const brokerLoaded = (): Promise<LoadedBroker> => {
    if (brokerLoad) return Promise.resolve(brokerLoad);
    brokerLoading ??= loadBroker(config, serviceLogger).then((made) => (brokerLoad = made)).catch((err: unknown) => {
      brokerLoading = undefined;
      throw err;
    });
    return brokerLoading;
  };

  // Loaded once, on first need: etcd's package is imported and its address checked only then.
  const registryLoaded = (): Promise<LoadedRegistry> => {
    if (loaded) return Promise.resolve(loaded);
    loading ??= loadRegistry(config, logger).then(
      (result) => (loaded = result),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    );
    return loading;
  };

  const poolFor = (name: string): Pool | undefined => {
    let pool = pools.get(name);
    if (pool) return pool;
    if (!(transportNames as readonly string[]).includes(name)) return undefined;
    pool = createPool(transportByName(name as TransportName), {
      poolSize: config.client.poolSize,
      ttlMs: config.client.poolTtlMs,
      maxStreamsPerConnection: config.client.maxStreamsPerConnection,
      dialOptions: { keepalive: keepaliveFor(config.keepalive, name), reconnect: config.reconnect, tls: config.tls, maxMessageSize: config.server.maxMessageSize },
    });
    pools.set(name, pool);
    return pool;
  };

  const service: Service = {
    name: config.name,
    config,
    server,
    get registry(): Registry {
      if (!loaded) {
        throw new RegistryError(`the ${config.registry.kind} registry is loaded by start(): await service.start() before reading service.registry`);
      }
      return loaded.registry;
    },
    transportName: transport.name,
    get broker(): Broker {
      if (!brokerLoad) {
        throw new BrokerError(`the ${config.broker.kind} broker is connected by start(): await service.start() before reading service.broker`);
      }
      return brokerLoad.broker;
    },
    get addresses(): ReadonlyMap<string, string> {
      const bound = new Map<string, string>();
      for (const name of config.transport) {
        const listener = server.listeners.get(name);
        if (listener) bound.set(name, listener.address);
      }
      return bound;
    },
    handle(handler, handleOptions) {
      const ctor = (typeof handler === 'function' ? handler : handler.constructor) as new () => object;
      const declared = readSubscriptions(ctor);
      if (declared.length === 0) {
        server.handle(handler, handleOptions);
        return service;
      }
      // One instance serves both its RPC methods and its subscriptions.
      const className = ctor.name || 'anonymous class';
      if (typeof handler === 'function') checkInjectable(ctor, className);
      const instance = typeof handler === 'function' ? resolveInstance(ctor, container ?? defaultContainer) : handler;
      const from = container ?? defaultContainer;
      const outer = [...serviceInterceptors(), ...resolveInterceptors(readInterceptors(ctor), from, `@UseInterceptors on ${className}`)];
      const bindings = declared.map((d) =>
        bindSubscriber(instance, className, d, config.name, [
          ...outer,
          ...resolveInterceptors(readInterceptors(ctor, d.propertyKey), from, `@UseInterceptors on ${className}.${d.propertyKey}`),
        ]),
      );
      if (readService(ctor) !== undefined || handleOptions?.definition !== undefined) server.handle(instance, handleOptions);
      for (const binding of bindings) subscribers.add(binding);
      return service;
    },
    publisher(topic, type, publisherOptions) {
      return new Publisher(topic, type, codec, brokerPublish(async () => (await brokerLoaded()).broker), publisherOptions, publishInterceptors(), {
        id: `${config.broker.kind}-broker`,
        address: config.broker.address.join(','),
        metadata: { broker: config.broker.kind },
      }, serviceLogger);
    },
    subscriberStats() {
      return subscribers.stats();
    },
    client() {
      if (!client) {
        const selector = new DeferredSelector(async () =>
          createSelector({ registry: (await registryLoaded()).registry, strategy, ejectMs: selectorOptions.ejectMs }),
        );
        client = createClient({
          transport,
          connections: poolFor(transport.name) as Pool,
          connectionsFor: poolFor,
          transports: config.client.transports,
          selector,
          codec: config.codec,
          unaryTimeoutMs: config.client.timeoutMs,
          retries: config.client.retries,
          retryBackoff: config.client.retryBackoff,
          interceptors: outermost ? [outermost, ...(clientInterceptors ?? [])] : clientInterceptors,
          container,
          logger: serviceLogger,
          onClose: () => selector.close(),
        });
      }
      return client;
    },
    async start() {
      const telemetry = await observability;
      await observed;
      // The registry first: a wrong registry address must stop start-up before anything listens.
      const { registry } = await registryLoaded();
      // Then the broker: a wrong broker address stops start-up too, and handlers are subscribed before calls arrive.
      const events = await brokerLoaded();
      try {
        await subscribers.start(events.broker);
      } catch (err) {
        // Nothing else holds the connection open: a failed start must not keep the process alive.
        if (events.owned) {
          brokerLoad = undefined;
          brokerLoading = undefined;
          await events.broker.disconnect().catch(() => {});
        }
        throw err;
      }
      let bound: string;
      try {
        bound = await server.start();
      } catch (err) {
        await subscribers.stop(0);
        throw err;
      }
      for (const [name, address] of service.addresses) logger.info({ address, transport: name }, 'listening');
      try {
        metricsAddress = await telemetry?.start({ server: () => server.stats(), pool: () => service.poolStats() });
      } catch (err) {
        await subscribers.stop(0);
        await server.stop(0);
        logger.error({ address: bound, err }, 'stopped: could not serve metrics');
        throw err;
      }
      if (metricsAddress !== undefined) logger.info({ address: bound, metrics: `http://${metricsAddress}/metrics` }, 'serving metrics');
      health?.setServing();
      const inProcess = server.listeners.get('memory');
      if (inProcess) localNodes.add(nodeId, inProcess.address);
      record = {
        name: config.name,
        version: config.version,
        metadata: {},
        // Health and reflection are for tools, not endpoints of the service.
        endpoints: server.router.routes().filter((r) => !tooling.has(r.service.typeName)).map((r) => ({
          name: r.endpointName,
          request: r.method.requestType.typeName,
          response: r.method.responseType.typeName,
          metadata: { stream: r.method.kind },
        })),
        nodes: [{ id: nodeId, address: advertisedAddress(bound), metadata: { ...nodeTransports(config, server), codec: config.codec } }],
      };
      try {
        await registry.register(record, { ttlMs: config.registry.ttlMs });
      } catch (err) {
        record = undefined;
        await subscribers.stop(0);
        localNodes.delete(nodeId);
        await server.stop(0);
        await telemetry?.close();
        metricsAddress = undefined;
        logger.error({ address: bound, err }, 'stopped: could not register');
        throw err;
      }
      logger.info({ address: record.nodes[0]?.address, registry: registry.name }, 'registered');
      renewTimer = setInterval(() => {
        // A failed renewal is the registry's to report (etcd warns and retries); the next tick tries again.
        if (record) registry.register(record, { ttlMs: config.registry.ttlMs }).catch(() => {});
      }, config.registry.intervalMs);
      renewTimer.unref();
      return bound;
    },
    async stop() {
      health?.setNotServing();
      clearInterval(renewTimer);
      localNodes.delete(nodeId);
      const current = loaded ?? (await loading?.catch(() => undefined));
      if (record && current) {
        const registered = record;
        record = undefined;
        const address = registered.nodes[0]?.address;
        await current.registry.deregister(registered).then(
          () => logger.info({ address, registry: current.registry.name }, 'deregistered'),
          (err: unknown) => logger.warn({ address, err: describe(err) }, 'could not deregister; the node expires with its TTL'),
        );
        // Callers learn of the deregistration through their watches; until then this node keeps serving.
        // An in-process registry tells its watchers at once.
        const drainDelay = drainDelayMs ?? (current.registry.name === 'memory' ? 0 : 1_000);
        if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay));
      }
      health?.shutdown();
      const address = server.address;
      if (address !== undefined) logger.info({ address, active: server.stats().activeStreams, graceMs: config.server.graceMs }, 'draining');
      await subscribers.stop(config.server.graceMs);
      await server.stop();
      await (await observability?.catch(() => undefined))?.close();
      metricsAddress = undefined;
      await client?.close();
      if (current?.owned) await current.registry.close();
      const events = brokerLoad ?? (await brokerLoading?.catch(() => undefined));
      if (events?.owned) await events.broker.disconnect();
      if (address !== undefined) logger.info({ address }, 'stopped');
    },
    async run(runOptions = {}) {
      // Listen for the signals before starting: one that comes the moment the
      // service says it listens must stop it gracefully, not kill the process.
      const signals = runOptions.signals ?? ['SIGINT', 'SIGTERM'];
      let onSignal = () => {};
      const signalled = new Promise<void>((resolve) => {
        onSignal = () => {
          for (const s of signals) process.off(s, onSignal);
          resolve();
        };
        for (const s of signals) process.on(s, onSignal);
      });
      let bound: string;
      try {
        bound = await service.start();
      } catch (err) {
        for (const s of signals) process.off(s, onSignal);
        throw err;
      }
      runOptions.onListening?.(bound, service.addresses);
      await signalled;
      await service.stop();
    },
    get metricsAddress() {
      return metricsAddress;
    },
    poolStats() {
      return Object.assign({}, ...[...pools.values()].map((p) => p.stats()));
    },
  };
  return service;
}

/**
 * DeferredSelector is a selector whose registry is loaded on first use, so
 * that client() can be called before start() with a registry that start()
 * loads.
 */
class DeferredSelector implements Selector {
  private inner: RegistrySelector | undefined;
  private making: Promise<RegistrySelector> | undefined;
  private closed = false;

  constructor(private readonly make: () => Promise<RegistrySelector>) {}

  async select(service: string, options?: SelectOptions): Promise<Next> {
    return (await this.get()).select(service, options);
  }

  async pick(service: string, options?: SelectOptions): Promise<Node> {
    return (await this.get()).pick(service, options);
  }

  selectNow(service: string, options?: SelectOptions): Next | undefined {
    return this.closed ? undefined : this.inner?.selectNow(service, options);
  }

  mark(node: Node, err?: unknown): void {
    this.inner?.mark(node, err);
  }

  reset(service?: string): void {
    this.inner?.reset(service);
  }

  close(): void {
    this.closed = true;
    this.inner?.close();
  }

  private get(): Promise<RegistrySelector> {
    if (this.closed) return Promise.reject(new Error('selector is closed'));
    if (this.inner) return Promise.resolve(this.inner);
    this.making ??= this.make().then(
      (selector) => {
        if (this.closed) selector.close();
        return (this.inner = selector);
      },
      (err: unknown) => {
        this.making = undefined;
        throw err;
      },
    );
    return this.making;
  }
}

// listenAddress is where one configured transport listens: its own server.addresses
// entry, else `otherwise` (server.address for the first, its host on a free port for the rest).
function listenAddress(config: ResolvedConfig, name: string, otherwise: string): string {
  return config.server.addresses[name as TransportName] ?? otherwise;
}

// alsoListen lists the listeners after the first: the other configured transports, and
// the in-process (memory) listener that same-process clients reach without a socket.
function alsoListen(config: ResolvedConfig, more: readonly Transport[], nodeId: string): ListenOn[] {
  const host = config.server.address.slice(0, config.server.address.lastIndexOf(':'));
  const also = more.map((t) => ({ transport: t, address: listenAddress(config, t.name, `${host}:0`) }));
  if (!config.transport.includes('memory')) also.push({ transport: transportByName('memory'), address: `in-process/${nodeId}` });
  return also;
}

// nodeTransports is the registry metadata naming every transport served and its address.
// `transport` keeps naming the first, served at the node's address, for clients that read only that.
function nodeTransports(config: ResolvedConfig, server: Server): Record<string, string> {
  const metadata: Record<string, string> = { transport: config.transport[0] as string, transports: config.transport.join(',') };
  for (const name of config.transport) {
    const listener = server.listeners.get(name);
    if (listener) metadata[`address.${name}`] = advertisedAddress(listener.address);
  }
  return metadata;
}

function pickStrategy(strategy: StrategyName | Strategy | undefined): Strategy | undefined {
  if (strategy === undefined || typeof strategy === 'function') return strategy;
  const named = strategies[strategy];
  if (!named) {
    throw new RangeError(`selector strategy "${String(strategy)}" is unknown: accepted values are ${Object.keys(strategies).join(', ')}`);
  }
  return named;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** micro is the go-micro-style entry point: micro.newService({ name }). */
export const micro = { newService };
