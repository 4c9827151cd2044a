import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type CallEnd, Code, codeName, type Interceptor } from '@tsmicro/core';
import { spanKey } from './span-key.js';
import { metadataGetter, metadataSetter } from './trace-context.js';

/** RpcTracingOptions configure createRpcTracing. */
export interface RpcTracingOptions {
  /** Tracer spans are made with; default the global provider's "@tsmicro/observability" tracer. */
  readonly tracer?: Tracer;
}

// The RPC semantic conventions mark a server span failed only for codes that
// say the server is at fault; every non-OK code fails a client span.
const serverFaults: ReadonlySet<Code> = new Set([
  Code.UNKNOWN,
  Code.DEADLINE_EXCEEDED,
  Code.UNIMPLEMENTED,
  Code.INTERNAL,
  Code.UNAVAILABLE,
  Code.DATA_LOSS,
]);

/**
 * createRpcTracing returns the tracing interceptor, for server and client
 * lists alike. A server call gets a SERVER span, child of the W3C trace
 * context in its metadata, and the chain inside it (the handler included)
 * runs in that span's context, so spans the handler's libraries make nest
 * under it. A client attempt gets a CLIENT span, child of the active span
 * (else of the span in its `{ ctx }`), whose context goes out as traceparent
 * and tracestate in the request metadata on every transport. It uses the
 * OpenTelemetry API only: nothing is recorded or sent until the application
 * registers an SDK.
 */
export function createRpcTracing(options: RpcTracingOptions = {}): Interceptor {
  const tracer = options.tracer ?? trace.getTracer('@tsmicro/observability');
  return (next) => (call) => {
    const name = `${call.service}/${call.method.name}`;
    const attributes: Attributes = {
      'rpc.system': 'grpc',
      'rpc.service': call.service,
      'rpc.method': call.method.name,
      ...peerAttributes(call.side === 'server' ? 'network.peer' : 'server', call.peer),
    };
    if (call.side === 'server') {
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
      call.values.set(spanKey, span);
      call.onEnd((end) => endSpan(span, end, serverFaults.has(end.code)));
      return context.with(trace.setSpan(parent, span), next, undefined, call);
    }
    const active = context.active();
    const fromCtx = trace.getSpan(active) === undefined ? call.values.get(spanKey) : undefined;
    const parent = fromCtx ? trace.setSpan(active, fromCtx) : active;
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    const inSpan = trace.setSpan(parent, span);
    propagation.inject(inSpan, call.metadata, metadataSetter);
    call.onEnd((end) => endSpan(span, end, end.code !== Code.OK));
    return context.with(inSpan, next, undefined, call);
  };
}

function endSpan(span: Span, end: CallEnd, failed: boolean): void {
  span.setAttribute('rpc.grpc.status_code', end.code);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: end.message ? `${codeName(end.code)}: ${end.message}` : codeName(end.code) });
  span.end();
}

function peerAttributes(prefix: 'network.peer' | 'server', peer: string): Attributes {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(peer);
  if (!m) return peer ? { [`${prefix}.address`]: peer } : {};
  return { [`${prefix}.address`]: m[1] as string, [`${prefix}.port`]: Number(m[2]) };
}
