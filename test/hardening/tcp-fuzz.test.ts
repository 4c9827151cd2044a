import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAttack } from './support/fuzz-attack.js';
import { expectGreeterCases } from './support/greeter-cases.js';
import { scaled } from './support/hardening-scale.js';
import { type MemoryReport, type TargetProcess, spawnTarget } from './support/target-process.js';

const MB = 1024 * 1024;
const INPUTS = scaled(50_000, 1_000_000);

// A tcp server process takes fuzzed frames on many connections: it must stay
// up, keep its memory bounded while attacked, give that memory back once the
// attack ends, and then serve a normal client as before.
describe('tcp server under fuzzed input (process level)', () => {
  let target: TargetProcess;

  beforeAll(async () => {
    target = await spawnTarget({ transport: 'tcp' });
  });

  afterAll(async () => {
    await target?.kill();
  });

  it(`survives ${INPUTS} fuzzed inputs with bounded memory and serves normally afterwards`, async () => {
    // Warm up (code paths compiled, pools allocated) before the baseline.
    await fuzzAttack(target.address, { inputs: 2000, perConnection: 40, concurrency: 16, seed: 1, maxMs: 20_000 });
    await expectGreeterCases(target.address, 'tcp');
    const before = await target.ask<MemoryReport>('mem');
    await target.ask('peak');
    const attack = await fuzzAttack(target.address, { inputs: INPUTS, perConnection: 80, concurrency: 64, seed: 1000, maxMs: 120_000 });
    expect(target.alive).toBe(true);
    const after = await target.ask<MemoryReport>('mem');
    const stats = await target.ask<{ connections: number; activeStreams: number }>('stats');
    console.info(
      `tcp fuzz: ${attack.inputs} inputs on ${attack.connections} connections in ${attack.ms} ms; ` +
        `rss ${(before.rss / MB).toFixed(0)} MB -> peak ${(after.peakRss / MB).toFixed(0)} MB -> ${(after.rss / MB).toFixed(0)} MB after GC; ` +
        `array buffers ${(before.arrayBuffers / MB).toFixed(1)} -> ${(after.arrayBuffers / MB).toFixed(1)} MB`,
    );
    expect(attack.inputs).toBe(INPUTS);
    expect(stats.connections).toBe(0);
    expect(stats.activeStreams).toBe(0);
    expect(after.peakRss - before.rss).toBeLessThan(100 * MB);
    expect(after.rss - before.rss).toBeLessThan(30 * MB);
    // Buffers are the tight check: a dead connection keeps its write slab and parser bytes.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * MB);
    await expectGreeterCases(target.address, 'tcp');
  }, scaled(60_000, 240_000));
});
