import {
  type Attributes,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type CallEnd, Code, codeName, type InterceptedCall, type Interceptor, type MethodDefinition, type NextCall } from '@tsmicro/core';
import { spanKey } from './span-key.js';
import { callMetadataGetter, metadataSetter } from './trace-context.js';
import { noTracerProvider, nothingRegistered } from './tracer-provider.js';

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
  // The global tracer's spans record nothing until an SDK registers, which it may do at any time.
  const sdkless = options.tracer === undefined ? noTracerProvider : never;
  // Before an application registers anything with the API (as in a service
  // that never opts in), the global tracer's calls go straight on.
  const untraced = options.tracer === undefined ? nothingRegistered : never;
  // The entry holds no closure (V8 makes a function's closure context on
  // every entry): an untraced call allocates nothing here.
  return (next) => (call) => (untraced() ? next(call) : traced(tracer, sdkless, call, next));
}

// traced runs a call in its span, when there is one to record or carry on.
function traced(tracer: Tracer, sdkless: () => boolean, call: InterceptedCall, next: NextCall): Promise<unknown> {
  if (call.side === 'server') {
    // The call is the carrier: its metadata, which a transport may build on first use, is read only by a registered propagator.
    const parent = propagation.extract(ROOT_CONTEXT, call, callMetadataGetter);
    // No SDK and no incoming trace: nothing to record or carry on, so the call runs as it would untraced.
    if (trace.getSpanContext(parent) === undefined && sdkless()) return next(call);
    const naming = methodNaming(call);
    const span = tracer.startSpan(naming.name, naming.server, parent);
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return next(call);
    call.values.set(spanKey, span);
    if (span.isRecording()) {
      span.setAttributes(peerAttributes('network.peer', call.peer));
      call.onEnd((end) => endSpan(span, end, serverFaults.has(end.code)));
    }
    return context.with(trace.setSpan(parent, span), next, undefined, call);
  }
  const active = context.active();
  const activeSpan = trace.getSpan(active);
  const fromCtx = activeSpan === undefined ? call.values.get(spanKey) : undefined;
  // No SDK and no span to carry on: no traceparent to send, so the call goes as it would untraced.
  if (activeSpan === undefined && fromCtx === undefined && sdkless()) return next(call);
  const parent = fromCtx ? trace.setSpan(active, fromCtx) : active;
  const naming = methodNaming(call);
  const span = tracer.startSpan(naming.name, naming.client, parent);
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return next(call);
  const inSpan = trace.setSpan(parent, span);
  propagation.inject(inSpan, call.metadata, metadataSetter);
  if (span.isRecording()) {
    span.setAttributes(peerAttributes('server', call.peer));
    call.onEnd((end) => endSpan(span, end, end.code !== Code.OK));
  }
  return context.with(inSpan, next, undefined, call);
}

/** MethodNaming is a method's span name and the options its server and client spans start with. */
interface MethodNaming {
  readonly name: string;
  readonly server: SpanOptions;
  readonly client: SpanOptions;
}

// Made once per method rather than per call.
const namings = new WeakMap<MethodDefinition, MethodNaming>();

function methodNaming(call: InterceptedCall): MethodNaming {
  const { method } = call;
  let naming = namings.get(method);
  if (naming === undefined) {
    const { service } = call;
    const attributes: Attributes = { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method.name };
    naming = {
      name: `${service}/${method.name}`,
      server: { kind: SpanKind.SERVER, attributes },
      client: { kind: SpanKind.CLIENT, attributes },
    };
    namings.set(method, naming);
  }
  return naming;
}

function never(): boolean {
  return false;
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
