import type { Interceptor, Logger, LogLevel } from '@tsmicro/core';
import { createAccessLog } from './access-log.js';
import { type MetricsServer, serveMetrics } from './metrics-server.js';
import { createPinoLogger } from './pino-logger.js';
import { createRpcMetrics, type PoolStatsSource, type RpcMetrics, type ServerStatsSource } from './rpc-metrics.js';
import { createRpcTracing } from './rpc-tracing.js';

/** ServiceObservabilityOptions are the configuration keys that turn each part on. */
export interface ServiceObservabilityOptions {
  readonly log: { readonly kind: 'console' | 'pino'; readonly level: LogLevel; readonly calls: boolean };
  readonly metrics: { readonly address?: string | undefined };
  readonly tracing: { readonly enabled: boolean };
}

/** ObservedSources are the stats a service's gauges read. */
export interface ObservedSources {
  readonly server: ServerStatsSource;
  readonly pool: PoolStatsSource;
}

/**
 * ServiceObservability is what micro.newService loads when configuration
 * asks for pino, the access log, metrics or tracing.
 */
export interface ServiceObservability {
  /** The pino logger of log.kind "pino"; undefined leaves the service's own. */
  readonly logger: Logger | undefined;
  /** metrics is the RPC metrics registry, when metrics.address is set. */
  readonly metrics: RpcMetrics | undefined;
  /**
   * interceptors, outermost first, for the server and the client alike:
   * tracing (so the others run inside the span), metrics, access log.
   * The access log writes to `logger` given here, the service's logger.
   */
  interceptors(logger: Logger): Interceptor[];
  /** start serves /metrics (when configured) and resolves with its bound address. */
  start(sources: ObservedSources): Promise<string | undefined>;
  /** close stops serving /metrics. */
  close(): Promise<void>;
}

/** serviceObservability builds the configured parts; core imports it by name only when one is configured. */
export function serviceObservability(options: ServiceObservabilityOptions): ServiceObservability {
  const logger = options.log.kind === 'pino' ? createPinoLogger({ level: options.log.level }) : undefined;
  const metrics = options.metrics.address !== undefined ? createRpcMetrics() : undefined;
  let endpoint: MetricsServer | undefined;
  let watching = false;
  return {
    logger,
    metrics,
    interceptors(serviceLogger) {
      const list: Interceptor[] = [];
      if (options.tracing.enabled) list.push(createRpcTracing());
      if (metrics) list.push(metrics.interceptor);
      if (options.log.calls) list.push(createAccessLog(serviceLogger));
      return list;
    },
    async start(sources) {
      if (!metrics || options.metrics.address === undefined) return undefined;
      if (!watching) {
        watching = true;
        metrics.watchServer(sources.server);
        metrics.watchPool(sources.pool);
      }
      endpoint ??= await serveMetrics(metrics.registry, options.metrics.address);
      return endpoint.address;
    },
    async close() {
      const closing = endpoint;
      endpoint = undefined;
      await closing?.close();
    },
  };
}
