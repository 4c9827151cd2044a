import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ImplName, implNames } from './bench-impl.js';
import { Child, keptYoungGeneration } from './child-rpc.js';
import type { Figures, Timing } from './measure.js';
import { formatTable, type Row, withRatios } from './report.js';
import { idleStreamCount, scenarios } from './scenarios.js';
import { checkTargets, formatTargets } from './targets.js';
import { eventImpls, eventScenarios, measureEvents } from './events/events-bench.js';

// npm run bench [-- --quick] [--rounds N] [--json FILE] [--only grpc-js,tsmicro/tcp]
//   [--scenario unary] [--cpu-prof DIR]
// Every implementation gets its own server and client processes, so RSS
// figures are its own; all of them stay up for the whole run so each
// scenario can visit them in turn. Rows are compared with grpc-js's.

interface Args {
  quick: boolean;
  json?: string;
  only?: ImplName[];
  scenario?: string;
  cpuProf?: string;
  rounds?: number;
  idle: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, idle: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = value();
    else if (a === '--only') args.only = value().split(',') as ImplName[];
    else if (a === '--scenario') args.scenario = value();
    else if (a === '--cpu-prof') args.cpuProf = value();
    else if (a === '--no-idle') args.idle = false;
    else if (a === '--rounds') {
      args.rounds = Number(value());
      if (!Number.isInteger(args.rounds) || args.rounds < 1 || args.rounds > 20) throw new Error('--rounds needs a whole number from 1 to 20');
    } else throw new Error(`unknown argument ${a}; accepted: --quick, --rounds N, --json FILE, --only LIST, --scenario TEXT, --cpu-prof DIR, --no-idle`);
  }
  for (const name of args.only ?? []) {
    if (!implNames.includes(name)) throw new Error(`unknown implementation ${name}; accepted: ${implNames.join(', ')}`);
  }
  return args;
}

/** Session is one implementation's server and client processes, kept for the whole run. */
interface Session {
  readonly impl: ImplName;
  readonly server: Child | undefined;
  readonly client: Child;
}

/** openSession starts one implementation's processes, each with v8Flags and any profiling asked for. */
async function openSession(impl: ImplName, args: Args, v8Flags: readonly string[]): Promise<Session> {
  // One folder per implementation and side: Node names the files itself.
  const flags = (side: string) => [...v8Flags, ...(args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf, impl.replace('/', '-'), side)}`] : [])];
  const server = impl === 'tsmicro/memory' ? undefined : new Child('./server-process.js', [impl], flags('server'));
  const address = server ? await server.ready : '';
  const client = new Child('./client-process.js', [impl, address], flags('client'));
  await client.ready;
  return { impl, server, client };
}

async function closeSession(session: Session): Promise<void> {
  await session.client.stop();
  await session.server?.stop();
}

/** rssOf reads both processes' resident sets, after a full collection in each when collect is true. */
async function rssOf(session: Session, collect: boolean): Promise<{ clientRss: number; serverRss: number }> {
  const clientRss = await session.client.request<number>('rss', collect);
  return { clientRss, serverRss: session.server ? await session.server.request<number>('rss', collect) : clientRss };
}

/**
 * runMeasured runs one scenario on one implementation and adds the server
 * process's CPU per unit: the client marks its measured window's opening and
 * closing, and at each mark the runner reads the server's CPU time. The marks
 * reach the server a fraction of a millisecond late, against windows of
 * hundreds of milliseconds.
 */
async function runMeasured(session: Session, index: number, timing: Timing): Promise<Figures | undefined> {
  const server = session.server;
  const reads: Promise<number>[] = [];
  session.client.onMark = () => {
    if (server) reads.push(server.request<number>('cpu'));
  };
  let figures: Figures | undefined;
  try {
    figures = await session.client.request<Figures | undefined>('run', { index, timing });
  } finally {
    session.client.onMark = undefined;
  }
  const [before, after] = await Promise.all(reads);
  if (!figures?.count || before === undefined || after === undefined) return figures;
  return { ...figures, serverCpu: (after - before) / figures.count };
}

/**
 * measureScenario runs one scenario on every implementation, round after
 * round, alternating their order, and keeps each one's median round along
 * with every round's rate: the machine's speed drifts over minutes, and
 * interleaving spreads the drift over every implementation instead of
 * whichever ran during a slow spell; ratios are then taken round by round.
 */
async function measureScenario(sessions: readonly Session[], index: number, rounds: number, timing: Timing, log: (s: string) => void): Promise<Row[]> {
  const scenario = scenarios[index]!;
  const samples = new Map<ImplName, Row[]>(sessions.map((s) => [s.impl, []]));
  for (let round = 0; round < rounds; round++) {
    for (const session of round % 2 === 0 ? sessions : [...sessions].reverse()) {
      log(`${scenario.name}: ${session.impl}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}`);
      const figures = await runMeasured(session, index, timing);
      const row: Row = { scenario: scenario.name, impl: session.impl, unit: scenario.unit, figures, ...(figures ? await rssOf(session, false) : {}) };
      samples.get(session.impl)!.push(row);
    }
  }
  return sessions.map((s) => {
    const inOrder = samples.get(s.impl)!;
    const measured = inOrder.every((r) => r.figures !== undefined);
    const rows = [...inOrder].sort((a, b) => (a.figures?.rate ?? 0) - (b.figures?.rate ?? 0));
    const median = rows[Math.floor(rows.length / 2)]!;
    if (!measured) return median;
    const cpu = (side: 'clientCpu' | 'serverCpu') => {
      const perRound = inOrder.map((r) => r.figures![side]);
      return perRound.every((x) => x !== undefined) ? { [side]: perRound as number[] } : {};
    };
    return { ...median, rounds: inOrder.map((r) => r.figures!.rate), ...cpu('clientCpu'), ...cpu('serverCpu') };
  });
}

/**
 * warmUp runs every chosen scenario once on every implementation, unmeasured,
 * before anything is measured: V8 takes seconds of a workload to compile a
 * call path into its optimized tiers, longer the larger the path, and a
 * figure taken before that measures the compiler rather than the library.
 */
async function warmUp(sessions: readonly Session[], indexes: readonly number[], ms: number, log: (s: string) => void): Promise<void> {
  for (const session of sessions) {
    log(`warming up ${session.impl}`);
    for (const index of indexes) await session.client.request('run', { index, timing: { warmupMs: ms, measureMs: 1 } });
  }
}

/**
 * measureIdle opens idleStreamCount idle streams after a first tenth as
 * many, and divides the RSS growth of the later ones by their count: the
 * first streams also pay one-time costs (code compiled on first use, V8's
 * young generation growing to its working size) that are no stream's own.
 */
async function measureIdle(session: Session, log: (s: string) => void): Promise<Row[]> {
  log(`${idleStreamCount} idle streams: ${session.impl}`);
  const warmed = await session.client.request<boolean>('openIdle', idleStreamCount / 10);
  const before = await rssOf(session, true);
  const opened = warmed && (await session.client.request<boolean>('openIdle', idleStreamCount));
  const after = opened ? await rssOf(session, true) : undefined;
  const rows: Row[] = [];
  for (const side of ['client', 'server'] as const) {
    const key = side === 'client' ? 'clientRss' : 'serverRss';
    const figures = after ? { rate: (after[key] - before[key]) / idleStreamCount } : undefined;
    rows.push({ scenario: `idle streams, ${side} RSS`, impl: session.impl, unit: 'B/stream', figures, ...after });
  }
  if (opened) await session.client.request('closeIdle');
  return rows;
}

const args = parseArgs(process.argv.slice(2));
// Five rounds of 2 s windows: with three of 1.5 s, a ratio near its goal flipped between met and MISS from run to run.
const timing: Timing = args.quick ? { warmupMs: 300, measureMs: 700 } : { warmupMs: 700, measureMs: 2000 };
const rounds = args.rounds ?? (args.quick ? 1 : 5);
// A call at 1 in flight is latency-bound: its rate follows where the scheduler
// puts the client and server processes and how fast each wakes, so its
// per-round ratios swing most (0.91–1.29× over five rounds on a quiet
// machine). The server CPU per call at 64 in flight against the floor's swung
// 1.04–2.08× over five rounds: each side's CPU per call follows how many calls
// share a socket write, which a busy machine changes from round to round.
// Those rows get twice the rounds, for a median that holds still.
const roundsOf = (scenario: string) => (scenario.startsWith('unary 1 in flight') || scenario === 'unary 64 in flight 16 B' ? rounds * 2 : rounds);
const warmUpMs = args.quick ? 700 : 1500;
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const started = Date.now();
let rows: Row[] = [];
const sessions: Session[] = [];
try {
  for (const impl of args.only ?? implNames) sessions.push(await openSession(impl, args, keptYoungGeneration));
  const chosen = [...scenarios.keys()].filter((i) => !args.scenario || scenarios[i]!.name.includes(args.scenario));
  await warmUp(sessions, chosen, warmUpMs, log);
  for (const index of chosen) rows.push(...(await measureScenario(sessions, index, roundsOf(scenarios[index]!.name), timing, log)));
  if (args.idle && (!args.scenario || 'idle streams'.includes(args.scenario))) {
    // Idle streams are measured in fresh processes, one implementation at a
    // time: a process that just moved millions of messages has free heap
    // pages that new streams may or may not reuse, which says nothing about
    // what a stream holds.
    for (const session of sessions.splice(0)) await closeSession(session);
    for (const impl of args.only ?? implNames) {
      const fresh = await openSession(impl, args, []);
      try {
        rows.push(...(await measureIdle(fresh, log)));
      } finally {
        await closeSession(fresh);
      }
    }
  }
  if (!args.scenario || Object.values(eventScenarios).some((name) => name.includes(args.scenario as string))) {
    // The NATS row is compared with raw nats.js, measured in the same run.
    rows.push(...withRatios(await measureEvents(timing, rounds, log), eventImpls.raw));
  }
} finally {
  for (const session of sessions) await closeSession(session);
}
// Group by scenario, implementations in their fixed order.
const order = (r: Row) => implNames.indexOf(r.impl as ImplName);
const scenarioOrder = [...new Set(rows.map((r) => r.scenario))];
rows.sort((a, b) => scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario) || order(a) - order(b));
// RPC rows against grpc-js; the NATS events row already holds its ratio to nats.js.
const rpcRatios = withRatios(rows, 'grpc-js');
rows = rows.map((r, i) => (r.ratio ? r : (rpcRatios[i] ?? r)));
const targets = checkTargets(rows);
console.log(formatTable(rows));
console.log(`\nTargets (${args.quick ? 'quick run' : 'full run'}, ${((Date.now() - started) / 1000).toFixed(0)} s):`);
console.log(formatTargets(targets));
if (args.json) {
  mkdirSync(dirname(resolve(args.json)), { recursive: true });
  const environment = { node: process.version, platform: process.platform, arch: process.arch, quick: args.quick, timing };
  writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), environment, rows, targets }, null, 2)}\n`);
  console.log(`\nwrote ${args.json}`);
}
