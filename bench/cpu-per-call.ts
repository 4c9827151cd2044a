// cpu-per-call: CPU time per in-process unary call (memory transport, 64 in
// flight, 16 B), one process. CPU time, unlike a rate, barely moves when other
// work shares the machine, so it compares two builds on a busy one.
// node bench/dist/cpu-per-call.js [calls]
import { Context, Endpoint, loadProto, Service } from '@tsmicro/core';
import { createClient, createServer, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { protoPath } from './bench-impl.js';

interface Payload {
  data: Uint8Array;
}

const definition = loadProto(protoPath).service('bench.Bench');
const unary = definition.methods.unary!;

@Service(definition)
class UnaryHandler {
  @Endpoint()
  async unary(_ctx: Context, req: Payload): Promise<Payload> {
    return req;
  }
}

const calls = Number(process.argv[2] ?? 300_000);
const inFlight = 64;
const transport = transportByName('memory');
const server = createServer({ transport, address: 'cpu-per-call:0' });
server.handle(new UnaryHandler());
const address = await server.start();
const client = createClient({ transport, connections: createPool(transport, { poolSize: 1, maxStreamsPerConnection: 100_000 }), resolve: () => address });
const payload = { data: new Uint8Array(16).fill(1) };

async function run(n: number): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await client.call('bench', unary, payload);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

await run(calls / 2); // warm-up: optimised tiers first
const rounds: number[] = [];
for (let r = 0; r < 3; r++) {
  const before = process.cpuUsage();
  await run(calls);
  const used = process.cpuUsage(before);
  rounds.push((used.user + used.system) / calls);
}
rounds.sort((a, b) => a - b);
console.log(`memory unary ${inFlight} in flight 16 B: ${rounds[1]!.toFixed(2)} µs CPU per call (rounds ${rounds.map((x) => x.toFixed(2)).join(', ')})`);
await client.close();
await server.stop(0);
