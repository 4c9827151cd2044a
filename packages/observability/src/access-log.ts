import { codeName, type Interceptor, type Logger } from '@tsmicro/core';
import { spanKey } from './span-key.js';
import { traceIdFromMetadata } from './trace-context.js';

/**
 * createAccessLog returns the access-log interceptor, for server and client
 * lists alike: one info line per call (per attempt on the client) as it
 * ends, with side, service, method, kind, code, duration_ms, peer and
 * trace_id. A logger whose level drops info lines costs one check per call.
 */
export function createAccessLog(logger: Logger): Interceptor {
  return (next) => (call) => {
    if (!logger.isLevelEnabled('info')) return next(call);
    const begin = performance.now();
    call.onEnd((end) => {
      const traceId = call.values.get(spanKey)?.spanContext().traceId ?? traceIdFromMetadata(call.metadata);
      logger.info(
        {
          side: call.side,
          service: call.service,
          method: call.method.name,
          kind: call.kind,
          code: codeName(end.code),
          duration_ms: Math.round((performance.now() - begin) * 1000) / 1000,
          peer: call.peer,
          ...(traceId !== undefined ? { trace_id: traceId } : {}),
          ...(end.code !== 0 && end.message ? { error: end.message } : {}),
        },
        call.side === 'server' ? 'served' : 'called',
      );
    });
    return next(call);
  };
}
