import {
  type Attributes,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type CallEnd, Code, codeName, type Interceptor, type MethodDefinition } from '@tsmicro/core';
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
    const { name, attributes } = methodNaming(call.method, call.service);
    if (call.side === 'server') {
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
      // No SDK and no incoming trace: nothing to record or carry on, so the call runs as it would untraced.
      if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return next(call);
      call.values.set(spanKey, span);
      if (span.isRecording()) {
        span.setAttributes(peerAttributes('network.peer', call.peer));
        call.onEnd((end) => endSpan(span, end, serverFaults.has(end.code)));
      }
      return context.with(trace.setSpan(parent, span), next, undefined, call);
    }
    const active = context.active();
    const fromCtx = trace.getSpan(active) === undefined ? call.values.get(spanKey) : undefined;
    const parent = fromCtx ? trace.setSpan(active, fromCtx) : active;
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return next(call);
    const inSpan = trace.setSpan(parent, span);
    propagation.inject(inSpan, call.metadata, metadataSetter);
    if (span.isRecording()) {
      span.setAttributes(peerAttributes('server', call.peer));
      call.onEnd((end) => endSpan(span, end, end.code !== Code.OK));
    }
    return context.with(inSpan, next, undefined, call);
  };
}

// A method's span name and RPC attributes, made once per method rather than per call.
const namings = new WeakMap<MethodDefinition, { name: string; attributes: Attributes }>();

function methodNaming(method: MethodDefinition, service: string): { name: string; attributes: Attributes } {
  let naming = namings.get(method);
  if (naming === undefined) {
    naming = {
      name: `${service}/${method.name}`,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method.name },
    };
    namings.set(method, naming);
  }
  return naming;
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
