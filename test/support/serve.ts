import { type Client, createMemoryRegistry, type InterceptorLike, newService } from '@tsmicro/core';
import { createClient, createSelector, createServer, type Server, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool, type Pool, type PoolOptions } from '@tsmicro/transport';

/** Served is a server and a client joined over one transport, for tests. */
export interface Served {
  readonly server: Server;
  readonly client: Client;
  /** The pool the client's calls go through. */
  readonly pool: Pool;
  /** Transport and address a test may dial directly to reach the server as the client does. */
  readonly transport: TransportName;
  readonly address: string;
  close(): Promise<void>;
}

type ServeOptions = {
  pool?: PoolOptions;
  maxMessageSize?: number;
  graceMs?: number;
  /** Server interceptors of every handler. */
  interceptors?: readonly InterceptorLike[];
  /** Interceptors of the client. */
  clientInterceptors?: readonly InterceptorLike[];
};

/**
 * serve starts a server with the given handlers and a pooled client that
 * calls it. "in-process" is a tcp service and a client of the same process
 * that finds it by name and reaches it in-process (memory transport).
 */
export async function serve(transportName: TransportName | 'in-process', handlers: object[], options: ServeOptions = {}): Promise<Served> {
  if (transportName === 'in-process') return serveInProcess(handlers, options);
  const transport = transportByName(transportName);
  const server = createServer({
    transport,
    address: '127.0.0.1:0',
    maxMessageSize: options.maxMessageSize,
    graceMs: options.graceMs,
    interceptors: options.interceptors,
    onHandlerError: () => {},
  });
  for (const h of handlers) server.handle(h);
  const address = await server.start();
  const pool = createPool(transport, { poolSize: 1, maxStreamsPerConnection: 100_000, ...options.pool });
  const client = createClient({ transport, connections: pool, resolve: () => address, interceptors: options.clientInterceptors });
  return {
    server,
    client,
    pool,
    transport: transportName,
    address,
    async close() {
      await client.close();
      await server.stop(0);
    },
  };
}

async function serveInProcess(handlers: object[], options: ServeOptions): Promise<Served> {
  const registry = createMemoryRegistry();
  const service = newService(
    {
      name: 'greeter',
      transport: 'tcp',
      server: { address: '127.0.0.1:0', maxMessageSize: options.maxMessageSize, graceMs: options.graceMs },
      registryInstance: registry,
      interceptors: options.interceptors,
    },
    { env: {}, file: false },
  );
  for (const h of handlers) service.handle(h);
  await service.start();
  const poolOptions = { poolSize: 1, maxStreamsPerConnection: 100_000, ...options.pool };
  const memory = transportByName('memory');
  const tcp = transportByName('tcp');
  const pool = createPool(memory, poolOptions);
  const tcpPool = createPool(tcp, poolOptions);
  const selector = createSelector({ registry });
  const client = createClient({
    transport: tcp,
    connections: tcpPool,
    connectionsFor: (name) => (name === 'memory' ? pool : undefined),
    transports: ['in-process', 'tcp'],
    selector,
    interceptors: options.clientInterceptors,
  });
  const address = service.server.listeners.get('memory')?.address;
  if (address === undefined) throw new Error('the service has no in-process listener');
  return {
    server: service.server,
    client,
    pool,
    transport: 'memory',
    address,
    async close() {
      await client.close();
      selector.close();
      await tcpPool.close();
      // As the other transports' close(): calls still open end at once.
      await service.server.stop(0);
      await service.stop();
    },
  };
}
