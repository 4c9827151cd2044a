import type { Interceptor } from '@tsmicro/core';
import { createAccessLog, createPinoLogger, createRpcMetrics, createRpcTracing } from '@tsmicro/observability';

/**
 * observabilityInterceptors are what a service configured with log.calls,
 * metrics.address and tracing.enabled runs, in the order newService puts
 * them: tracing with no SDK registered, metrics, and the access log on a
 * logger whose level (warn) drops its info lines.
 */
export function observabilityInterceptors(): Interceptor[] {
  const metrics = createRpcMetrics();
  return [createRpcTracing(), metrics.interceptor, createAccessLog(createPinoLogger({ level: 'warn' }))];
}
