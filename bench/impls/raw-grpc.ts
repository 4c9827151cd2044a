import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type BenchImpl, type PingPong, protoPath } from '../bench-impl.js';

// The baseline, written as a grpc-js user writes it: proto-loader's
// generated-at-run-time service, one channel, callbacks and object streams.

interface Payload {
  data: Uint8Array;
}
interface StreamRequest {
  size: number;
  count: number;
}
interface Count {
  count: number;
}

function loadService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(protoPath, { keepCase: false, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { bench: { Bench: grpc.ServiceClientConstructor } };
  return pkg.bench.Bench;
}

type Writer = { write(m: unknown): boolean; once(e: 'drain', f: () => void): unknown };

async function writeHonouringBackpressure(stream: Writer, message: unknown): Promise<void> {
  if (!stream.write(message)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

/** rawGrpc is the baseline row: @grpc/grpc-js with @grpc/proto-loader. */
export const rawGrpc: BenchImpl = {
  name: 'grpc-js',
  async serve() {
    const Bench = loadService();
    const server = new grpc.Server();
    server.addService(Bench.service, {
      unary(call: grpc.ServerUnaryCall<Payload, Payload>, callback: grpc.sendUnaryData<Payload>) {
        callback(null, { data: call.request.data });
      },
      async serverStream(call: grpc.ServerWritableStream<StreamRequest, Payload>) {
        const reply = { data: Buffer.alloc(call.request.size, 7) };
        for (let i = 0; i < call.request.count && !call.cancelled; i++) await writeHonouringBackpressure(call, reply);
        call.end();
      },
      clientStream(call: grpc.ServerReadableStream<Payload, Count>, callback: grpc.sendUnaryData<Count>) {
        let count = 0;
        call.on('data', () => count++);
        call.on('end', () => callback(null, { count }));
        call.on('error', () => {});
      },
      bidi(call: grpc.ServerDuplexStream<Payload, Payload>) {
        call.on('data', (m: Payload) => call.write(m));
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
      address: `127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
  },
  async connect(address) {
    const Bench = loadService();
    const client = new Bench(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (err) => (err ? reject(err) : resolve())));
    return {
      unary: (payload) =>
        new Promise<void>((resolve, reject) => client.unary({ data: payload }, (err: Error | null) => (err ? reject(err) : resolve()))),
      async serverStream(size, count) {
        const call = client.serverStream({ size, count }) as grpc.ClientReadableStream<Payload>;
        let n = 0;
        call.on('data', () => n++);
        call.on('error', () => {});
        await once(call, 'end');
        return n;
      },
      async clientStream(payload, count) {
        let done!: (n: number) => void;
        let fail!: (e: Error) => void;
        const reply = new Promise<number>((resolve, reject) => {
          done = resolve;
          fail = reject;
        });
        const call = client.clientStream((err: Error | null, r: Count) => (err ? fail(err) : done(r.count))) as grpc.ClientWritableStream<Payload>;
        const message = { data: payload };
        for (let i = 0; i < count; i++) await writeHonouringBackpressure(call, message);
        call.end();
        return reply;
      },
      async bidi(): Promise<PingPong> {
        const call = client.bidi() as grpc.ClientDuplexStream<Payload, Payload>;
        let waiter: (() => void) | undefined;
        call.on('data', () => {
          const w = waiter;
          waiter = undefined;
          w?.();
        });
        call.on('error', () => {});
        return {
          ping(payload) {
            const echoed = new Promise<void>((resolve) => (waiter = resolve));
            call.write({ data: payload });
            return echoed;
          },
          async close() {
            call.end();
            await once(call, 'status');
          },
        };
      },
      async close() {
        client.close();
      },
    };
  },
};
