import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** InMemoryTracing is a registered OpenTelemetry SDK whose spans are kept in memory. */
export interface InMemoryTracing {
  readonly exporter: InMemorySpanExporter;
  /** spans are the finished spans so far. */
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

/**
 * installTracing registers the Node SDK as an application would (async-hooks
 * context manager, W3C trace context propagator), exporting to memory.
 */
export function installTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** parentOf is the span id a span names as its parent, if any. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
