import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ImplName, implNames } from './bench-impl.js';
import { Child } from './child-rpc.js';
import type { Figures, Timing } from './measure.js';
import { formatTable, type Row, withRatios } from './report.js';
import { idleStreamCount, scenarios } from './scenarios.js';
import { checkTargets, formatTargets } from './targets.js';

// npm run bench [-- --quick] [--json FILE] [--only grpc-js,tsmicro/tcp]
//   [--scenario unary] [--cpu-prof DIR]
// Every implementation gets a fresh server process and a fresh client
// process, so RSS figures are its own; rows are compared with grpc-js's.

interface Args {
  quick: boolean;
  json?: string;
  only?: ImplName[];
  scenario?: string;
  cpuProf?: string;
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
    else throw new Error(`unknown argument ${a}; accepted: --quick, --json FILE, --only LIST, --scenario TEXT, --cpu-prof DIR, --no-idle`);
  }
  for (const name of args.only ?? []) {
    if (!implNames.includes(name)) throw new Error(`unknown implementation ${name}; accepted: ${implNames.join(', ')}`);
  }
  return args;
}

async function benchImpl(impl: ImplName, args: Args, timing: Timing, log: (s: string) => void): Promise<Row[]> {
  // One folder per implementation and side: Node names the files itself.
  const profile = (side: string) => (args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf, impl.replace('/', '-'), side)}`] : []);
  const inProcess = impl === 'tsmicro/memory';
  const server = inProcess ? undefined : new Child('./server-process.js', [impl], profile('server'));
  const rows: Row[] = [];
  try {
    const address = server ? await server.ready : '';
    const client = new Child('./client-process.js', [impl, address], profile('client'));
    try {
      await client.ready;
      const rss = async () => {
        const c = await client.request<number>('rss');
        return { clientRss: c, serverRss: server ? await server.request<number>('rss') : c };
      };
      for (const [index, scenario] of scenarios.entries()) {
        if (args.scenario && !scenario.name.includes(args.scenario)) continue;
        log(`${impl}: ${scenario.name}`);
        const figures = await client.request<Figures | undefined>('run', { index, timing });
        rows.push({ scenario: scenario.name, impl, unit: scenario.unit, figures, ...(figures ? await rss() : {}) });
      }
      if (args.idle && (!args.scenario || 'idle streams'.includes(args.scenario))) {
        log(`${impl}: ${idleStreamCount} idle streams`);
        const before = await rss();
        const opened = await client.request<boolean>('openIdle', idleStreamCount);
        const after = opened ? await rss() : undefined;
        for (const side of ['client', 'server'] as const) {
          const key = side === 'client' ? 'clientRss' : 'serverRss';
          const figures = after ? { rate: (after[key] - before[key]) / idleStreamCount } : undefined;
          rows.push({ scenario: `idle streams, ${side} RSS`, impl, unit: 'B/stream', figures, ...after });
        }
        if (opened) await client.request('closeIdle');
      }
    } finally {
      await client.stop();
    }
  } finally {
    await server?.stop();
  }
  return rows;
}

const args = parseArgs(process.argv.slice(2));
const timing: Timing = args.quick ? { warmupMs: 300, measureMs: 700 } : { warmupMs: 1000, measureMs: 3000 };
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const started = Date.now();
let rows: Row[] = [];
for (const impl of args.only ?? implNames) rows.push(...(await benchImpl(impl, args, timing, log)));
// Group by scenario, implementations in their fixed order.
const order = (r: Row) => implNames.indexOf(r.impl as ImplName);
const scenarioOrder = [...new Set(rows.map((r) => r.scenario))];
rows.sort((a, b) => scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario) || order(a) - order(b));
rows = withRatios(rows, 'grpc-js');
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
