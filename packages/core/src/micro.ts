import { randomUUID } from 'node:crypto';
import { createPool, type Pool, type PoolStats, type Transport } from '@tsmicro/transport';
import { createClient } from './client.js';
import type { Client } from './client-types.js';
import { type LoadConfigOptions, loadConfig, type MicroOptionsInput, type ResolvedConfig } from './config/index.js';
import type { HandlerContainer } from './container.js';
import { advertisedAddress } from './advertised-address.js';
import { defaultMemoryRegistry } from './registry/memory-registry.js';
import type { Registry, ServiceRecord } from './registry/registry.js';
import type { HandleOptions } from './router.js';
import { createSelector } from './selector/registry-selector.js';
import { createServer, type Server } from './server.js';
import { transportByName } from './transports.js';

/** ServiceOptions are the code-level options of newService; env, config file and defaults fill the rest. */
export type ServiceOptions = MicroOptionsInput & {
  /** A registry object to use instead of the configured kind (e.g. an etcd registry). */
  readonly registryInstance?: Registry;
  /** typedi container handler classes are built from. */
  readonly container?: HandlerContainer;
};

/** RunOptions tune Service.run. */
export interface RunOptions {
  /** Called with the bound address once the service accepts calls. */
  readonly onListening?: (address: string) => void;
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
  readonly registry: Registry;
  /** Name of the transport in use ("grpc", "tcp", "memory"). */
  readonly transportName: string;
  /** handle registers a handler class (built through typedi) or a handler instance. */
  handle(handler: object, options?: HandleOptions): this;
  /** client returns the service's client: calls by service name through the registry. */
  client(): Client;
  /** start listens and registers; it resolves with the bound address. */
  start(): Promise<string>;
  /** stop deregisters first, so no new call is routed here, then drains in-flight calls. */
  stop(): Promise<void>;
  /** run starts, serves until SIGINT or SIGTERM, then stops. */
  run(options?: RunOptions): Promise<void>;
  /** poolStats reports the client's pooled connections. */
  poolStats(): PoolStats;
}

/** newService builds a service from code options, environment, config file and defaults. */
export function newService(options: ServiceOptions = {}, configOptions: LoadConfigOptions = {}): Service {
  const { registryInstance, container, ...configInput } = options;
  const config = loadConfig(configInput, configOptions);
  const transport: Transport = transportByName(config.transport);
  const registry = registryInstance ?? (config.registry.kind === 'memory' ? defaultMemoryRegistry() : undefined);
  if (!registry) {
    throw new Error(
      `registry "${config.registry.kind}" needs its package: pass registryInstance (e.g. createEtcdRegistry from @tsmicro/registry-etcd)`,
    );
  }
  const server = createServer({
    transport,
    address: config.server.address,
    maxMessageSize: config.server.maxMessageSize,
    maxConcurrentStreams: config.server.maxConcurrentStreams,
    graceMs: config.server.graceMs,
    keepalive: config.keepalive,
    tls: config.tls,
    container,
  });
  const nodeId = `${config.name}-${randomUUID()}`;
  let record: ServiceRecord | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let pool: Pool | undefined;
  let client: Client | undefined;

  const getPool = () => {
    pool ??= createPool(transport, {
      poolSize: config.client.poolSize,
      ttlMs: config.client.poolTtlMs,
      maxStreamsPerConnection: config.client.maxStreamsPerConnection,
      dialOptions: { keepalive: config.keepalive, reconnect: config.reconnect, tls: config.tls, maxMessageSize: config.server.maxMessageSize },
    });
    return pool;
  };

  const service: Service = {
    name: config.name,
    config,
    server,
    registry,
    transportName: transport.name,
    handle(handler, handleOptions) {
      server.handle(handler, handleOptions);
      return service;
    },
    client() {
      if (!client) {
        const selector = createSelector({ registry });
        client = createClient({
          transport,
          connections: getPool(),
          codec: config.codec,
          unaryTimeoutMs: config.client.timeoutMs,
          resolve: async (name) =>
            (await selector.pick(name, { filter: (node) => (node.metadata.transport ?? transport.name) === transport.name })).address,
          onClose: () => selector.close(),
        });
      }
      return client;
    },
    async start() {
      const bound = await server.start();
      record = {
        name: config.name,
        version: config.version,
        metadata: {},
        endpoints: server.router.routes().map((r) => ({
          name: r.endpointName,
          request: r.method.requestType.typeName,
          response: r.method.responseType.typeName,
          metadata: { stream: r.method.kind },
        })),
        nodes: [{ id: nodeId, address: advertisedAddress(bound), metadata: { transport: transport.name, codec: config.codec } }],
      };
      await registry.register(record, { ttlMs: config.registry.ttlMs });
      renewTimer = setInterval(() => {
        if (record) registry.register(record, { ttlMs: config.registry.ttlMs }).catch(() => {});
      }, config.registry.intervalMs);
      renewTimer.unref();
      return bound;
    },
    async stop() {
      clearInterval(renewTimer);
      if (record) {
        const registered = record;
        record = undefined;
        await registry.deregister(registered).catch(() => {});
      }
      await server.stop();
      await client?.close();
    },
    async run(runOptions = {}) {
      const bound = await service.start();
      runOptions.onListening?.(bound);
      const signals = runOptions.signals ?? ['SIGINT', 'SIGTERM'];
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          for (const s of signals) process.off(s, onSignal);
          resolve();
        };
        for (const s of signals) process.on(s, onSignal);
      });
      await service.stop();
    },
    poolStats() {
      return pool?.stats() ?? {};
    },
  };
  return service;
}

/** micro is the go-micro-style entry point: micro.newService({ name }). */
export const micro = { newService };
