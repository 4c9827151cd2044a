import type { Client, InterceptorLike } from '@tsmicro/core';
import { createClient, createServer, type Server, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool, type Pool, type PoolOptions } from '@tsmicro/transport';

/** Served is a server and a client joined over one transport, for tests. */
export interface Served {
  readonly server: Server;
  readonly client: Client;
  readonly pool: Pool;
  readonly address: string;
  close(): Promise<void>;
}

/** serve starts a server with the given handlers and a pooled client that calls it by address. */
export async function serve(
  transportName: TransportName,
  handlers: object[],
  options: {
    pool?: PoolOptions;
    maxMessageSize?: number;
    graceMs?: number;
    /** Server interceptors of every handler. */
    interceptors?: readonly InterceptorLike[];
    /** Interceptors of the client. */
    clientInterceptors?: readonly InterceptorLike[];
  } = {},
): Promise<Served> {
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
    address,
    async close() {
      await client.close();
      await server.stop(0);
    },
  };
}
