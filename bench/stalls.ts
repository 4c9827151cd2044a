// stalls: where a grpc unary call at 1 in flight loses its milliseconds, for
// grpc-js and tsmicro/grpc side by side (Linux only: it reads /proc).
// node bench/dist/stalls.js [rounds] [ms per round] [payload bytes]
//
// At 1 in flight a rate is one over the mean latency, and the few calls of
// several ms decide it. Around every call this reads how long the client's
// and the server's main threads have run and waited for a CPU, and it
// records both processes' GC pauses; each call over 1 ms is then put down to
// a GC pause on either side, to waiting for a CPU (other work held one side
// off it for at least half the time the call took beyond the median call),
// to running (one side ran for at least half of it), or to nothing seen.
import { performance } from 'node:perf_hooks';
import { type BenchClient, loadImpl } from './bench-impl.js';
import { Child } from './child-rpc.js';
import { type Pause, watchGcPauses } from './gc-pauses.js';
import { formatSpread, roundRatios, type Spread, spreadOf } from './round-ratios.js';
import { SchedStat } from './sched-stat.js';

const rounds = Number(process.argv[2] ?? 10);
const windowMs = Number(process.argv[3] ?? 2000);
const payload = new Uint8Array(Number(process.argv[4] ?? 16)).fill(1);
const names = ['grpc-js', 'tsmicro/grpc'] as const;
const causes = ['waiting for a CPU', 'GC pause', 'running', 'other'] as const;
type Cause = (typeof causes)[number];

/** Window is what one measured window of one row found. */
interface Window {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly calls: number;
  /** Calls over 1 ms by cause, and the ms they took. */
  readonly slow: Record<Cause, number>;
  readonly slowMs: Record<Cause, number>;
}

/** Row is one implementation: a client here, its server in a child process. */
interface Row {
  readonly client: BenchClient;
  readonly server: Child;
  readonly serverStat: SchedStat;
}

const most = 1 << 18;
const latency = new Float64Array(most);
const startedAt = new Float64Array(most);
// Per call: client run, client wait, server run, server wait (ns) before it; one more set after the last.
const stat = new Float64Array(4 * (most + 1));
const ownStat = new SchedStat('self');
const ownPauses = watchGcPauses();

async function measure(row: Row): Promise<Window> {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) await row.client.unary(payload);
  ownPauses.take();
  await row.server.request('pauses');
  let n = 0;
  const opened = performance.now();
  let start = opened;
  const end = opened + windowMs;
  while (start < end && n < most) {
    ownStat.readInto(stat, 4 * n);
    row.serverStat.readInto(stat, 4 * n + 2);
    await row.client.unary(payload);
    const done = performance.now();
    latency[n] = done - start;
    startedAt[n++] = performance.timeOrigin + start;
    start = done;
  }
  ownStat.readInto(stat, 4 * n);
  row.serverStat.readInto(stat, 4 * n + 2);
  const elapsed = performance.now() - opened;
  const pauses = [...ownPauses.take(), ...(await row.server.request<Pause[]>('pauses'))];
  const sorted = latency.slice(0, n).sort();
  const p50 = sorted[n >> 1] as number;
  const slow = Object.fromEntries(causes.map((c) => [c, 0])) as Record<Cause, number>;
  const slowMs = { ...slow };
  for (let i = 0; i < n; i++) {
    const took = latency[i] as number;
    if (took <= 1) continue;
    const cause = causeOf(i, took, p50, pauses);
    slow[cause]++;
    slowMs[cause] += took;
  }
  return { rate: (n / elapsed) * 1000, p50, p99: sorted[Math.floor(n * 0.99)] as number, calls: n, slow, slowMs };
}

function causeOf(i: number, took: number, p50: number, pauses: readonly Pause[]): Cause {
  const from = startedAt[i] as number;
  if (pauses.some((p) => p.start < from + took && p.end > from)) return 'GC pause';
  const ms = (k: number) => ((stat[4 * (i + 1) + k] as number) - (stat[4 * i + k] as number)) / 1e6;
  if (ms(1) + ms(3) >= (took - p50) / 2) return 'waiting for a CPU';
  if (Math.max(ms(0), ms(2)) >= took / 2) return 'running';
  return 'other';
}

const rows: Row[] = [];
const servers: Child[] = [];
try {
  for (const name of names) {
    const server = new Child('./server-process.js', [name], []);
    servers.push(server);
    const client = await (await loadImpl(name)).connect(await server.ready);
    rows.push({ client, server, serverStat: new SchedStat(await server.request<number>('pid')) });
  }
  const windows = names.map(() => [] as Window[]);
  // Round -1 warms both rows up and is not kept; the order alternates.
  for (let round = -1; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [1, 0] : [0, 1]) {
      const w = await measure(rows[i] as Row);
      if (round < 0) continue;
      windows[i]!.push(w);
      const over = causes.map((c) => `${c} ${w.slow[c]}`).join(', ');
      console.log(`round ${round + 1} ${names[i]}: ${w.rate.toFixed(0)} calls/s, p50 ${w.p50.toFixed(3)} ms, p99 ${w.p99.toFixed(2)} ms; over 1 ms: ${over}`);
    }
  }
  console.log(`\n${payload.length} B, ${rounds} rounds of ${windowMs} ms; calls over 1 ms per 1,000 calls, and ms they took per call:`);
  for (const [i, name] of names.entries()) {
    const ws = windows[i]!;
    const calls = ws.reduce((a, w) => a + w.calls, 0);
    const per = (c: Cause) => {
      const count = ws.reduce((a, w) => a + w.slow[c], 0);
      const ms = ws.reduce((a, w) => a + w.slowMs[c], 0);
      return `${c} ${((1000 * count) / calls).toFixed(1)} (${(ms / calls).toFixed(3)} ms)`;
    };
    const median = (f: (w: Window) => number) => formatSpread(spreadOf(ws.map(f)) as Spread, 3);
    console.log(`${name}: ${median((w) => w.rate)} calls/s, p50 ${median((w) => w.p50)} ms, p99 ${median((w) => w.p99)} ms; ${causes.map(per).join(', ')}`);
  }
  const ratio = roundRatios(
    windows[1]!.map((w) => w.rate),
    windows[0]!.map((w) => w.rate),
  ) as Spread;
  console.log(`tsmicro/grpc ÷ grpc-js calls/s: ${formatSpread(ratio)} (median of the rounds' ratios, lowest–highest)`);
  const waited = (w: Window) => w.slowMs['waiting for a CPU'] / w.calls;
  const more = windows[1]!.filter((w, r) => waited(w) > waited(windows[0]![r] as Window)).length;
  console.log(`tsmicro/grpc lost more ms per call waiting for a CPU than grpc-js in ${more} of ${rounds} rounds`);
} finally {
  for (const row of rows) {
    await row.client.close();
    row.serverStat.close();
  }
  for (const server of servers) await server.stop();
}
