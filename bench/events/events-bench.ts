import { TestNats } from '@tsmicro/broker-nats/testing';
import { findOnPath, missingServerLine } from '@tsmicro/core/testing';
import { Child } from '../child-rpc.js';
import type { Figures, Timing } from '../measure.js';
import type { Row } from '../report.js';
import type { EventRole } from './event-process.js';

/** eventImpls are the implementations of the events rows; nats.js is the baseline of the NATS row. */
export const eventImpls = { memory: 'tsmicro/memory broker', raw: 'nats.js', nats: 'tsmicro/nats', durable: 'tsmicro/jetstream' } as const;
/** eventScenarios name the events rows. */
export const eventScenarios = {
  inProcess: 'events publish → handler, one process',
  acrossProcesses: 'events publish → handler, two processes',
  durable: 'events durable publish → handler (acked)',
} as const;

// Events per batch: enough that one IPC round trip per batch is noise, few enough that
// warm-up and measuring each span several batches.
const perBatch = 5_000;
// V8 needs a few batches of a path before it runs optimized; these come before the warm-up time.
const warmBatches = 5;

function spawn(role: EventRole, address: string): Child {
  return new Child('./events/event-process.js', [role, address], []);
}

/** batches repeats `batch` (which moves perBatch events) for warm-up, then measures events per second over whole batches. */
async function batches(batch: () => Promise<unknown>, timing: Timing): Promise<Figures> {
  for (let i = 0; i < warmBatches; i++) await batch();
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) await batch();
  let events = 0;
  const start = performance.now();
  do {
    await batch();
    events += perBatch;
  } while (performance.now() < start + timing.measureMs);
  return { rate: (events / (performance.now() - start)) * 1000 };
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function pair(sub: Child, pub: Child, timing: Timing, log: (s: string) => void, name: string): Promise<Row> {
  await Promise.all([sub.ready, pub.ready]);
  log(`${name}`);
  const batch = async () => {
    await sub.request('arm', perBatch);
    await pub.request('publish', perBatch);
    // Core NATS is at-most-once: a batch that lost events would wait forever, so it fails instead.
    await within(sub.request('wait'), 60_000, `${name}: a batch of ${perBatch} events was not all handled within 60 s`);
  };
  const figures = await batches(batch, timing);
  return { scenario: '', impl: name, unit: 'msgs/s', figures, clientRss: await pub.request<number>('rss'), serverRss: await sub.request<number>('rss') };
}

/** medianRound is the median round's row, carrying every round's rate in round order, as the RPC rows do. */
function medianRound(samples: readonly Row[]): Row {
  const rounds = samples.map((r) => r.figures?.rate ?? 0);
  const sorted = [...samples].sort((a, b) => (a.figures?.rate ?? 0) - (b.figures?.rate ?? 0));
  return { ...(sorted[Math.floor(sorted.length / 2)] as Row), rounds };
}

/**
 * measureEvents runs the events rows: the memory broker in one process, the
 * NATS broker from a publisher process to a subscriber process beside a raw
 * nats.js pair doing the same work, and JetStream durable with acks. The NATS
 * rows need nats-server on PATH; without it they are left out with a line.
 */
export async function measureEvents(timing: Timing, rounds: number, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const memory = spawn('memory', '');
  try {
    await memory.ready;
    const samples: Row[] = [];
    for (let round = 0; round < rounds; round++) {
      log(eventImpls.memory);
      const figures = await batches(() => memory.request('batch', perBatch), timing);
      samples.push({ scenario: eventScenarios.inProcess, impl: eventImpls.memory, unit: 'msgs/s', figures, clientRss: await memory.request<number>('rss') });
    }
    rows.push(medianRound(samples));
  } finally {
    await memory.stop();
  }
  if (findOnPath('nats-server') === undefined) {
    log(missingServerLine('nats-server'));
    return rows;
  }
  const nats = await TestNats.launch({ jetstream: true });
  const children: Child[] = [];
  const start = (role: EventRole) => {
    const child = spawn(role, nats.address);
    children.push(child);
    return child;
  };
  try {
    const raw = [start('raw-sub'), start('raw-pub')] as const;
    const ours = [start('tsmicro-sub'), start('tsmicro-pub')] as const;
    // Rounds alternate raw and tsmicro, keeping each one's median, as the RPC rows do.
    const samples: Record<'raw' | 'nats', Row[]> = { raw: [], nats: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['raw', 'nats'] as const) : (['nats', 'raw'] as const);
      for (const which of order) {
        const [sub, pub] = which === 'raw' ? raw : ours;
        samples[which].push(await pair(sub, pub, timing, log, eventImpls[which]));
      }
    }
    for (const which of ['raw', 'nats'] as const) rows.push({ ...medianRound(samples[which]), scenario: eventScenarios.acrossProcesses });
    const durable = await pair(start('durable-sub'), start('durable-pub'), timing, log, eventImpls.durable);
    rows.push({ ...durable, scenario: eventScenarios.durable });
  } finally {
    for (const child of children) await child.stop();
    await nats.destroy();
  }
  return rows;
}
