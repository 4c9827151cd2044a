// Public API of @tsmicro/observability: logs, metrics and traces for tsmicro services.
export { createPinoLogger } from './pino-logger.js';
export type { PinoLogger, PinoLoggerOptions } from './pino-logger.js';
export { createAccessLog } from './access-log.js';
export { createRpcMetrics } from './rpc-metrics.js';
export type { PoolStatsSource, RpcMetrics, RpcMetricsOptions, ServerStatsSource } from './rpc-metrics.js';
export { serveMetrics, MetricsServerError } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';
export { createRpcTracing } from './rpc-tracing.js';
export type { RpcTracingOptions } from './rpc-tracing.js';
export { spanKey } from './span-key.js';

// For transport authors and tests.
export { metadataGetter, metadataSetter, traceIdFromMetadata } from './trace-context.js';
export { grpcCodeLabel, grpcType } from './grpc-labels.js';

// What micro.newService loads when configuration turns observability on.
export { serviceObservability } from './service-observability.js';
export type { ObservedSources, ServiceObservability, ServiceObservabilityOptions } from './service-observability.js';
