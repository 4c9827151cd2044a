import { performance } from 'node:perf_hooks';
import type { InterceptedCall, Interceptor, Logger, NextCall } from '@tsmicro/core';
import { grpcCodeLabel, grpcType } from './grpc-labels.js';
import { spanKey } from './span-key.js';
import { traceIdFromMetadata } from './trace-context.js';

/**
 * createAccessLog returns the access-log interceptor, for server and client
 * lists alike: one info line "finished call" per call (per attempt on the
 * client) as it ends. Its fields are go-grpc-middleware's logging keys, so
 * queries written for Go services find tsmicro's lines too: grpc.component
 * (server or client), grpc.service, grpc.method, grpc.method_type, grpc.code,
 * grpc.time_ms, peer.address, and trace_id when the call is traced. A logger
 * whose level drops info lines costs one check per call.
 */
export function createAccessLog(logger: Logger): Interceptor {
  // The entry holds no closure: V8 makes a function's closure context on
  // every entry, so the line's listener is made in logged() alone, and a
  // call whose line the level drops allocates nothing here.
  return (next) => (call) => (logger.isLevelEnabled('info') ? logged(logger, call, next) : next(call));
}

// logged has the call's line written once the call ends, then runs the rest of the chain.
function logged(logger: Logger, call: InterceptedCall, next: NextCall): Promise<unknown> {
  const begin = performance.now();
  call.onEnd((end) => {
    const traceId = call.values.get(spanKey)?.spanContext().traceId ?? traceIdFromMetadata(call.metadata);
    logger.info(
      {
        'grpc.component': call.side,
        'grpc.service': call.service,
        'grpc.method': call.method.name,
        'grpc.method_type': grpcType(call.kind),
        'grpc.code': grpcCodeLabel(end.code),
        'grpc.time_ms': Math.round((performance.now() - begin) * 1000) / 1000,
        'peer.address': call.peer,
        ...(traceId !== undefined ? { trace_id: traceId } : {}),
        ...(end.code !== 0 && end.message ? { 'grpc.error': end.message } : {}),
      },
      'finished call',
    );
  });
  return next(call);
}
