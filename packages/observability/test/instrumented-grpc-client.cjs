// A stock grpc-js client traced by @opentelemetry/instrumentation-grpc, as an
// application instruments one. CommonJS on purpose: the instrumentation patches
// grpc-js through require hooks, so it must be registered before grpc-js is
// first required, which an ESM test worker that already loaded grpc-js cannot do.
// Usage: node instrumented-grpc-client.cjs HOST:PORT NAME
// Prints one JSON line: the reply and the client span's ids.
'use strict';
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc');

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
registerInstrumentations({ instrumentations: [new GrpcInstrumentation()] });

const grpc = require('@grpc/grpc-js');

const [address, name] = process.argv.slice(2);
// HelloRequest { string name = 1 } and HelloReply { string message = 1 }, by hand: no codegen needed.
const encode = (text) => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
};
const decode = (buf) => buf.subarray(2, 2 + buf[1]).toString('utf8');
const Greeter = grpc.makeGenericClientConstructor(
  {
    SayHello: {
      path: '/greeter.Greeter/SayHello',
      requestStream: false,
      responseStream: false,
      requestSerialize: encode,
      requestDeserialize: decode,
      responseSerialize: encode,
      responseDeserialize: decode,
    },
  },
  'greeter.Greeter',
);
const client = new Greeter(address, grpc.credentials.createInsecure());
client.SayHello(name, { deadline: Date.now() + 10_000 }, (err, reply) => {
  client.close();
  const spans = exporter.getFinishedSpans().map((s) => ({
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
  }));
  process.stdout.write(`${JSON.stringify({ error: err ? err.message : undefined, reply, spans })}\n`);
  provider.shutdown().then(() => process.exit(err ? 1 : 0));
});
