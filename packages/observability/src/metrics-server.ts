import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** MetricsServer serves a registry at /metrics over HTTP until closed. */
export interface MetricsServer {
  /** The bound "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

/** MetricsServerError says the metrics endpoint could not listen; its message names the address. */
export class MetricsServerError extends Error {
  override readonly name = 'MetricsServerError';
}

/**
 * serveMetrics listens on `address` ("host:port", "[v6]:port") and answers
 * GET /metrics with the registry in Prometheus' text format. Anything else
 * is 404 (other paths) or 405 (other methods): the port serves metrics only.
 */
export async function serveMetrics(registry: Registry, address: string): Promise<MetricsServer> {
  const { host, port } = splitHostPort(address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect metrics: ${message(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new MetricsServerError(`cannot serve metrics on ${address} (metrics.address): ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
    close: () => closeServer(server),
  };
}

function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) throw new MetricsServerError(`metrics.address "${address}" is not host:port`);
  return { host: m[1] === '' ? '0.0.0.0' : (m[1] as string), port: Number(m[2]) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Scrapers keep connections alive; they must not hold a stopping service.
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
