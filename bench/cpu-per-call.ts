// cpu-per-call: CPU time per in-process call and per streamed message, one
// process, 16 B payloads. CPU time, unlike a rate, barely moves when other
// work shares the machine, so it compares two builds on a busy one.
// node bench/dist/cpu-per-call.js [calls]
import { createConsoleLogger, loadProto, newService } from '@tsmicro/core';
import { createClient, createServer, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { protoPath } from './bench-impl.js';
import { observabilityInterceptors } from './impls/observability-interceptors.js';
import { BenchHandler } from './impls/tsmicro.js';

const definition = loadProto(protoPath).service('bench.Bench');
const { unary, serverStream, clientStream } = definition.methods;

const calls = Number(process.argv[2] ?? 300_000);
const inFlight = 64;
const payload = { data: new Uint8Array(16).fill(1) };

// cpuPer runs `work` (which does n units) once unmeasured, so the optimised
// tiers are in, then three times, and prints the median CPU µs per unit.
async function cpuPer(label: string, n: number, work: (n: number) => Promise<void>): Promise<void> {
  await work(n / 2);
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage();
    await work(n);
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label}: ${rounds[1]!.toFixed(2)} µs CPU (rounds ${rounds.map((x) => x.toFixed(2)).join(', ')})`);
}

// inParallel makes n calls, inFlight at a time.
async function inParallel(n: number, call: () => Promise<unknown>): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await call();
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

// streamRows prints the CPU per server- and client-streamed message of one client.
async function streamRows(label: string, client: ReturnType<typeof createClient>): Promise<void> {
  await cpuPer(`${label} server stream, per message`, calls * 2, async (n) => {
    const stream = await client.serverStream('bench', serverStream!, { size: 16, count: n });
    for await (const _ of stream);
  });
  await cpuPer(`${label} client stream, per message`, calls * 2, async (n) => {
    const stream = await client.clientStream('bench', clientStream!);
    for (let i = 0; i < n; i++) await stream.send(payload);
    await stream.closeAndRecv();
  });
}

// A bare client and server on the memory transport, as the tsmicro/memory
// bench row; then the same with the tcp+observability row's interceptors on
// both sides, whose streamed messages should cost what plain ones do plus
// their hooks.
const transport = transportByName('memory');
for (const interceptors of [undefined, observabilityInterceptors()]) {
  const server = createServer({ transport, address: 'cpu-per-call:0', interceptors });
  server.handle(new BenchHandler());
  const address = await server.start();
  const connections = createPool(transport, { poolSize: 1, maxStreamsPerConnection: 100_000 });
  const client = createClient({ transport, connections, resolve: () => address, interceptors });
  if (interceptors === undefined) {
    await cpuPer(`memory unary ${inFlight} in flight, per call`, calls, (n) => inParallel(n, () => client.call('bench', unary!, payload)));
  }
  await streamRows(interceptors === undefined ? 'memory' : 'memory+observability', client);
  await client.close();
  await server.stop(0);
}

// A service calling itself by name: the registry, the selector, the default
// unary timeout and the in-process path a service client takes to a node
// this process serves (it listens on tcp too; no socket carries these calls).
const service = newService({ name: 'cpu-per-call', transport: ['tcp'], server: { address: '127.0.0.1:0' }, logger: createConsoleLogger({ level: 'warn' }) });
service.handle(new BenchHandler());
await service.start();
const own = service.client();
await cpuPer(`service in-process unary ${inFlight} in flight, per call`, calls, (n) => inParallel(n, () => own.call('cpu-per-call', unary!, payload)));
await service.stop();
