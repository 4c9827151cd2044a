// `npm run observability:demo`: two services in a chain, edge → greeter, with
// pino logs (the access log on), Prometheus metrics and OpenTelemetry traces
// all turned on from configuration. It makes a few calls, prints the trace
// tree and scrapes both services' /metrics. Logs go to standard error.
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { micro, type MicroOptionsInput } from '@tsmicro/core';
import { GreeterDefinition, newGreeterService } from '../greeter/gen/greeter.js';
import { Greeter } from '../greeter/greeter-handler.js';
import { Edge } from './edge-handler.js';
import { traceTree } from './trace-tree.js';

// The application registers an OpenTelemetry SDK; tsmicro only uses the API.
// Here spans are kept in memory to print them; a real service exports them (OTLP).
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

// tcp unless MICRO_TRANSPORT or a config file chooses another; every other key is set here.
const observed: MicroOptionsInput = {
  server: { address: '127.0.0.1:0' },
  log: { kind: 'pino', calls: true },
  metrics: { address: '127.0.0.1:0' },
  tracing: { enabled: true },
};
const options = { defaults: { transport: 'tcp' as const } };
const greeter = micro.newService({ name: 'greeter', ...observed }, options);
greeter.handle(Greeter);
const edge = micro.newService({ name: 'edge', ...observed }, options);
// The edge serves SayHello only: it registers with a definition that has just that method.
const edgeDefinition = { ...GreeterDefinition, methods: { sayHello: GreeterDefinition.methods.sayHello } };
edge.handle(new Edge(newGreeterService('greeter', edge.client())), { definition: edgeDefinition });

await greeter.start();
await edge.start();
const caller = micro.newService({ name: 'caller', log: { kind: 'pino' }, tracing: { enabled: true } }, options);
const front = newGreeterService('edge', caller.client());

const tracer = trace.getTracer('observability-demo');
await tracer.startActiveSpan('demo', async (span) => {
  console.log(`reply: ${(await front.sayHello({ name: 'jeff' })).message}`);
  await front.sayHello({ name: 'error' }).catch((err: Error) => console.log(`refused: ${err.message}`));
  span.end();
});

// Which service a server span ran in: the address its caller's client span
// dialed, on any of the service's listeners (in this one process, its in-process one).
const services = new Map<string, string>();
for (const [service, name] of [[greeter, 'greeter'], [edge, 'edge']] as const) {
  for (const listener of service.server.listeners.values()) services.set(listener.address, name);
}
const spans = exporter.getFinishedSpans();
const serviceOf = (span: ReadableSpan): string | undefined => {
  const client = spans.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
  if (client === undefined) return undefined;
  // An in-process address has no port.
  const { 'server.address': host, 'server.port': port } = client.attributes;
  const address = port === undefined ? String(host) : `${host}:${port}`;
  return services.get(address);
};
console.log('\ntraces:');
for (const line of traceTree(spans, serviceOf)) console.log(line);

for (const service of [edge, greeter]) {
  const text = await (await fetch(`http://${service.metricsAddress}/metrics`)).text();
  console.log(`\n${service.name} metrics (http://${service.metricsAddress}/metrics, grpc_server_handled_total and grpc_client_handled_total):`);
  for (const line of text.split('\n')) {
    if (/^grpc_(server|client)_handled_total\{/.test(line)) console.log(`  ${line}`);
  }
}

await caller.stop();
await edge.stop();
await greeter.stop();
await provider.shutdown();
context.disable();
