import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const kinds: Record<number, string> = { [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.INTERNAL]: 'internal' };

/**
 * traceTree draws finished spans as one tree per trace, children under
 * their parent in start order: kind, name, the service a server span ran in
 * (`serviceOf`), duration and the gRPC status code.
 */
export function traceTree(spans: readonly ReadableSpan[], serviceOf: (span: ReadableSpan) => string | undefined): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    // A parent that was not recorded here (another process) makes the span a root.
    const key = parent !== undefined && byId.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const draw = (span: ReadableSpan, prefix: string, last: boolean) => {
    const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    const code = span.attributes['rpc.grpc.status_code'];
    const where = serviceOf(span);
    const failed = span.status.code === SpanStatusCode.ERROR ? ' ERROR' : '';
    lines.push(
      `${prefix}${last ? '└─' : '├─'} ${kinds[span.kind] ?? 'span'} ${span.name}${where ? ` [${where}]` : ''} ${ms.toFixed(1)} ms${code !== undefined ? ` code=${code}` : ''}${failed}`,
    );
    const kids = sorted(children.get(span.spanContext().spanId) ?? []);
    for (let i = 0; i < kids.length; i++) draw(kids[i] as ReadableSpan, `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1);
  };
  for (const root of sorted(children.get(undefined) ?? [])) {
    lines.push(`trace ${root.spanContext().traceId}`);
    draw(root, '', true);
  }
  return lines;
}

function sorted(spans: ReadableSpan[]): ReadableSpan[] {
  return [...spans].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
}
