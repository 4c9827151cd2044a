// cpu-per-call: CPU time per in-process call and per streamed message, one
// process, 16 B payloads. CPU time, unlike a rate, barely moves when other
// work shares the machine, so it compares two builds on a busy one.
// node bench/dist/cpu-per-call.js [calls] [memory|tcp|grpc|service]: every group of rows, or one.
import { createConsoleLogger, type Interceptor, loadProto, newService } from '@tsmicro/core';
import { createClient, createServer, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { type BenchClient, type ImplName, loadImpl, protoPath } from './bench-impl.js';
import { Child } from './child-rpc.js';
import { benchInterceptors } from './impls/bench-interceptors.js';
import { observabilityInterceptors } from './impls/observability-interceptors.js';
import { roundRatios, type Spread, spreadOf } from './round-ratios.js';
import { BenchHandler } from './impls/tsmicro.js';

const definition = loadProto(protoPath).service('bench.Bench');
const { unary, serverStream, clientStream } = definition.methods;

const calls = Number(process.argv[2] ?? 300_000);
const only = process.argv[3];
if (only !== undefined && !['memory', 'tcp', 'grpc', 'service'].includes(only)) throw new Error(`unknown row group ${only}: memory, tcp, grpc or service`);
const runs = (group: string) => only === undefined || only === group;
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

// inParallel makes n calls, `flight` at a time.
async function inParallel(n: number, call: () => Promise<unknown>, flight = inFlight): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await call();
  };
  await Promise.all(Array.from({ length: flight }, worker));
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
// bench row; then the same with the tcp+interceptors and tcp+observability
// rows' interceptors on both sides: in one process and with no socket, the
// steadiest view of what their hooks cost per call and per message.
const transport = transportByName('memory');
const memoryRows: readonly [string, Interceptor[] | undefined][] = runs('memory')
  ? [
      ['memory', undefined],
      ['memory+interceptors', benchInterceptors()],
      ['memory+observability', observabilityInterceptors()],
    ]
  : [];
for (const [label, interceptors] of memoryRows) {
  const server = createServer({ transport, address: 'cpu-per-call:0', interceptors });
  server.handle(new BenchHandler());
  const address = await server.start();
  const connections = createPool(transport, { poolSize: 1, maxStreamsPerConnection: 100_000 });
  const client = createClient({ transport, connections, resolve: () => address, interceptors });
  await cpuPer(`${label} unary ${inFlight} in flight, per call`, calls, (n) => inParallel(n, () => client.call('bench', unary!, payload)));
  if (label !== 'memory+interceptors') await streamRows(label, client);
  await client.close();
  await server.stop(0);
}

// The tcp rows of the bench, a server in a child process (the bench's own
// server process) and the client here: each side's CPU per unary call, 64 in
// flight, plain and with either set of interceptors on both sides. These go
// through a socket, so the figures follow how well writes batch, which
// varies more than an in-process path does.
const tcpCalls = Math.ceil(calls / 3);
const tcpRows: readonly ImplName[] = runs('tcp') ? ['tsmicro/tcp', 'tsmicro/tcp+interceptors', 'tsmicro/tcp+observability'] : [];
for (const name of tcpRows) {
  const server = new Child('./server-process.js', [name], []);
  try {
    const client = await (await loadImpl(name)).connect(await server.ready);
    await tcpCpuPer(`${name} unary ${inFlight} in flight, per call`, server, (n) => inParallel(n, () => client.unary(payload.data)));
    await client.close();
  } finally {
    await server.stop();
  }
}

// tcpCpuPer is cpuPer for a client here and its server in `server`: the median round of each side.
async function tcpCpuPer(label: string, server: Child, work: (n: number) => Promise<void>): Promise<void> {
  await work(tcpCalls);
  const rounds: SideCpu[] = [];
  for (let r = 0; r < 3; r++) rounds.push(await sideCpuPer(server, tcpCalls, work));
  printSides(label, rounds, 2);
}

/** SideCpu is the µs of CPU one call cost the client (this process) and the server (a child). */
interface SideCpu {
  client: number;
  server: number;
}

// sideCpuPer runs one round of n calls and reads what each side spent on it.
async function sideCpuPer(server: Child, n: number, work: (n: number) => Promise<void>): Promise<SideCpu> {
  const serverBefore = await server.request<number>('cpu');
  const before = process.cpuUsage();
  await work(n);
  const used = process.cpuUsage(before);
  const serverUsed = (await server.request<number>('cpu')) - serverBefore;
  return { client: (used.user + used.system) / n, server: serverUsed / n };
}

// printSides prints each side's median round, then every round.
function printSides(label: string, rounds: readonly SideCpu[], digits: number): void {
  const median = (side: keyof SideCpu) => (spreadOf(rounds.map((x) => x[side])) as Spread).median.toFixed(2);
  const all = rounds.map((x) => `${x.client.toFixed(digits)}/${x.server.toFixed(digits)}`).join(', ');
  console.log(`${label}: client ${median('client')} µs, server ${median('server')} µs CPU (rounds client/server ${all})`);
}

// The grpc rows of the bench beside their baseline: grpc-js and tsmicro/grpc,
// each server in a child process and both clients here, measured in
// alternating rounds so that drift on a shared machine reaches both. At 1 in
// flight a call is one round trip and its rate follows the scheduler more
// than the work; the CPU each side spends per call is what either build
// controls, and their ratio is printed round by round.
if (runs('grpc')) await grpcBesideBaseline();

async function grpcBesideBaseline(): Promise<void> {
  const names = ['grpc-js', 'tsmicro/grpc'] as const;
  const servers: Child[] = [];
  const clients: BenchClient[] = [];
  try {
    for (const name of names) {
      const server = new Child('./server-process.js', [name], []);
      servers.push(server);
      clients.push(await (await loadImpl(name)).connect(await server.ready));
    }
    for (const flight of [1, inFlight]) {
      const n = Math.ceil(flight === 1 ? calls / 100 : calls / 30);
      const perRow = names.map(() => [] as SideCpu[]);
      // Round -1 warms both rows up and is not kept; the order alternates.
      for (let round = -1; round < 5; round++) {
        for (const i of round % 2 === 0 ? [1, 0] : [0, 1]) {
          const client = clients[i]!;
          const used = await sideCpuPer(servers[i]!, n, (k) => inParallel(k, () => client.unary(payload.data), flight));
          if (round >= 0) perRow[i]!.push(used);
        }
      }
      for (const [i, name] of names.entries()) printSides(`${name} unary ${flight} in flight, per call`, perRow[i]!, 1);
      const ratio = (side: keyof SideCpu) =>
        (roundRatios(perRow[1]!.map((x) => x[side]), perRow[0]!.map((x) => x[side])) as Spread).median.toFixed(2);
      console.log(`tsmicro/grpc ÷ grpc-js, ${flight} in flight: client ${ratio('client')}×, server ${ratio('server')}× the CPU per call (median of the rounds' ratios)`);
    }
  } finally {
    for (const client of clients) await client.close();
    for (const server of servers) await server.stop();
  }
}

// A service calling itself by name: the registry, the selector, the default
// unary timeout and the in-process path a service client takes to a node
// this process serves (it listens on tcp too; no socket carries these calls).
if (runs('service')) await ownService();

async function ownService(): Promise<void> {
  const service = newService({ name: 'cpu-per-call', transport: ['tcp'], server: { address: '127.0.0.1:0' }, logger: createConsoleLogger({ level: 'warn' }) });
  service.handle(new BenchHandler());
  await service.start();
  const own = service.client();
  await cpuPer(`service in-process unary ${inFlight} in flight, per call`, calls, (n) => inParallel(n, () => own.call('cpu-per-call', unary!, payload)));
  await service.stop();
}
