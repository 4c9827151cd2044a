import { describe, expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';

interface PairResult {
  readonly sockets: number;
  readonly replies: string[];
  readonly stats: Record<'alpha' | 'beta', Record<string, { totalStreams: number }>>;
}

async function runPair(env: Record<string, string>): Promise<PairResult> {
  const exit = await runExample('test/support/in-process-pair.mjs', [], env, 60_000);
  const line = /^RESULT (.*)$/m.exec(exit.output);
  if (exit.code !== 0 || !line) throw new Error(`in-process-pair.mjs failed (exit ${exit.code}):\n${exit.output}`);
  return JSON.parse(line[1] as string) as PairResult;
}

const served = (r: PairResult, service: 'alpha' | 'beta', transport: string) => r.stats[service][transport]?.totalStreams ?? 0;

// Two services in one process, each on grpc and tcp, calling each other by name.
describe('services of one process', () => {
  it('call each other in-process: no socket is opened, and ctx deadline and metadata carry through', async () => {
    const r = await runPair({});
    expect(r.replies).toHaveLength(20);
    expect(r.replies[3]).toBe('beta relayed: Hello 3 from alpha (t3, deadline)');
    expect(r.sockets).toBe(0);
    for (const service of ['alpha', 'beta'] as const) {
      expect(served(r, service, 'memory')).toBe(20);
      expect(served(r, service, 'tcp') + served(r, service, 'grpc')).toBe(0);
    }
  }, 90_000);

  it('open sockets when in-process is left out of client.transports (the count above is real)', async () => {
    const r = await runPair({ MICRO_CLIENT_TRANSPORTS: 'tcp,grpc' });
    expect(r.replies).toHaveLength(20);
    expect(r.sockets).toBeGreaterThan(0);
    expect(served(r, 'beta', 'tcp')).toBe(20);
    expect(served(r, 'alpha', 'tcp')).toBe(20);
    expect(served(r, 'alpha', 'memory')).toBe(0);
  }, 90_000);
});
