// cpu-per-event: CPU time per event of the memory broker (publisher and
// handler in one process), and on each side of the NATS events row, for the
// raw nats.js pair and the tsmicro pair. CPU time, unlike a rate, barely moves
// when other work shares the machine, so it compares two builds on a busy one.
// The NATS figures need nats-server on PATH.
// node bench/dist/events/cpu-per-event.js [events per round] [rounds] [profile directory]
// With a directory, each process writes a V8 CPU profile there (--cpu-prof) on exit.
import { TestNats } from '@tsmicro/broker-nats/testing';
import { findOnPath, missingServerLine } from '@tsmicro/core/testing';
import { Child } from '../child-rpc.js';
import type { EventRole } from './event-process.js';

const perRound = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const profiles = process.argv[4];
const perBatch = 5_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (xs: number[]) => `${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(', ')})`;

const memory = new Child('./events/event-process.js', ['memory', ''], profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-name=memory.cpuprofile'] : []);
try {
  await memory.ready;
  for (let sent = 0; sent < perRound / 2; sent += perBatch) await memory.request('batch', perBatch);
  const used: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = await memory.request<number>('cpu');
    for (let sent = 0; sent < perRound; sent += perBatch) await memory.request('batch', perBatch);
    used.push(((await memory.request<number>('cpu')) - before) / perRound);
  }
  console.log(`tsmicro/memory broker µs CPU per event, publish and handle in one process: ${show(used)}`);
} finally {
  await memory.stop();
}

if (findOnPath('nats-server') === undefined) {
  console.log(missingServerLine('nats-server'));
  process.exit(0);
}

/** moveAll sends n events from pub to sub in batches, each waited for in full. */
async function moveAll(sub: Child, pub: Child, n: number): Promise<void> {
  for (let sent = 0; sent < n; sent += perBatch) {
    await sub.request('arm', perBatch);
    await pub.request('publish', perBatch);
    await sub.request('wait');
  }
}

const nats = await TestNats.launch();
const children: Child[] = [];
const spawn = (role: EventRole) => {
  const child = new Child('./events/event-process.js', [role, nats.address], profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${role}.cpuprofile`] : []);
  children.push(child);
  return child;
};
try {
  const pairs = { 'nats.js': [spawn('raw-sub'), spawn('raw-pub')], 'tsmicro/nats': [spawn('tsmicro-sub'), spawn('tsmicro-pub')] } as const;
  await Promise.all(children.map((c) => c.ready));
  const figures: Record<string, { pub: number[]; sub: number[] }> = {};
  for (const [name, [sub, pub]] of Object.entries(pairs)) {
    await moveAll(sub, pub, perRound / 2); // warm-up: optimised tiers first
    figures[name] = { pub: [], sub: [] };
  }
  // Rounds alternate the pairs, so a change in the machine's load falls on both.
  for (let r = 0; r < rounds; r++) {
    for (const [name, [sub, pub]] of Object.entries(pairs)) {
      const [sub0, pub0] = await Promise.all([sub.request<number>('cpu'), pub.request<number>('cpu')]);
      await moveAll(sub, pub, perRound);
      const [sub1, pub1] = await Promise.all([sub.request<number>('cpu'), pub.request<number>('cpu')]);
      figures[name]!.sub.push((sub1 - sub0) / perRound);
      figures[name]!.pub.push((pub1 - pub0) / perRound);
    }
  }
  for (const [name, { pub, sub }] of Object.entries(figures)) {
    console.log(`${name.padEnd(13)} µs CPU per event: publisher ${show(pub)}, subscriber ${show(sub)}`);
  }
  const raw = figures['nats.js']!;
  const ours = figures['tsmicro/nats']!;
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  console.log(`tsmicro/nats CPU per event ÷ nats.js: publisher ${ratio(ours.pub, raw.pub)}×, subscriber ${ratio(ours.sub, raw.sub)}×`);
} finally {
  for (const child of children) await child.stop();
  await nats.destroy();
}
